package consent

import (
	"crypto/hmac"
	"fmt"
	"sort"
)

// MaxIntegrityFaults bounds the findings a report lists; the rest are counted.
const MaxIntegrityFaults = 100

// IntegrityFault is one finding of audit verification.
type IntegrityFault struct {
	Seq    int64   // the event at fault, or the event that vouches for Row; 0 if none
	Row    *RowRef // the row at fault, for a finding about a row
	Reason string
}

// String says what is wrong and where, naming the row and the event that vouches for it.
func (f IntegrityFault) String() string {
	switch {
	case f.Row != nil && f.Seq > 0:
		return fmt.Sprintf("row %s (vouched for by event seq %d): %s", f.Row, f.Seq, f.Reason)
	case f.Row != nil:
		return fmt.Sprintf("row %s: %s", f.Row, f.Reason)
	}
	return fmt.Sprintf("seq %d: %s", f.Seq, f.Reason)
}

// IntegrityReport is the outcome of checking the audit chain, the rows it
// vouches for and the checkpoints given.
type IntegrityReport struct {
	Events      int64            // events whose links, hashes and MACs verified
	Rows        int              // rows compared with the digest that vouches for them
	Checkpoints int              // checkpoints compared with the chain
	Faults      []IntegrityFault // the first MaxIntegrityFaults findings, in the order found
	MoreFaults  int              // findings beyond those
	// RowsSkipped is set when the chain itself is broken: its digests cannot
	// be trusted, so the rows were not compared with them.
	RowsSkipped bool
}

// Intact reports whether nothing was found.
func (r *IntegrityReport) Intact() bool { return len(r.Faults) == 0 }

func (r *IntegrityReport) add(f IntegrityFault) {
	if len(r.Faults) < MaxIntegrityFaults {
		r.Faults = append(r.Faults, f)
	} else {
		r.MoreFaults++
	}
}

// IntegrityVerifier checks the audit chain event by event, then the stored
// rows one by one against the digest in the newest event that vouches for
// each, then the chain's end against its authenticated head and checkpoints.
// For a row that changed status (pending → signed → withdrawn) the newest
// event is the one written with the last change, so it vouches for the row as
// it must be now.
type IntegrityVerifier struct {
	// SkipRows checks the chain only: no row is expected or reported.
	SkipRows bool

	chain       AuditChainVerifier
	rowKey      []byte
	vouched     map[RowRef]*voucher
	checkpoints map[int64][]*checkpointClaim
	report      IntegrityReport
	broken      bool
}

type voucher struct {
	seq    int64
	digest string
	seen   bool
}

type checkpointClaim struct {
	cp     *AuditCheckpoint
	source string
}

// NewIntegrityVerifier returns a verifier for a chain authenticated with auditKey.
func NewIntegrityVerifier(auditKey []byte) *IntegrityVerifier {
	return &IntegrityVerifier{chain: AuditChainVerifier{Key: auditKey}, rowKey: RowDigestKey(auditKey),
		vouched: map[RowRef]*voucher{}, checkpoints: map[int64][]*checkpointClaim{}}
}

// AddCheckpoint makes the chain answer to a checkpoint whose signature the
// caller has checked; source says where it came from ("stored", a file name).
func (v *IntegrityVerifier) AddCheckpoint(cp *AuditCheckpoint, source string) {
	v.checkpoints[cp.Seq] = append(v.checkpoints[cp.Seq], &checkpointClaim{cp: cp, source: source})
	v.report.Checkpoints++
}

// Resume makes the verifier continue a chain already verified up to seq,
// whose entry there has hash.
func (v *IntegrityVerifier) Resume(seq int64, hash string) { v.chain.Resume(seq, hash) }

// Broken reports whether the chain itself failed; rows need not be read then.
func (v *IntegrityVerifier) Broken() bool { return v.broken }

// Fault records a finding made outside the verifier (e.g. a checkpoint whose
// signature does not verify).
func (v *IntegrityVerifier) Fault(f IntegrityFault) { v.report.add(f) }

// Event checks the next event in seq order; it returns false once the chain
// is broken, after which nothing more needs to be read.
func (v *IntegrityVerifier) Event(e *AuditEvent) bool {
	if v.broken {
		return false
	}
	if msg := v.chain.Check(e); msg != "" {
		seq := e.Seq
		if e.Seq != v.chain.LastSeq()+1 {
			seq = v.chain.LastSeq() + 1
		}
		v.report.add(IntegrityFault{Seq: seq, Reason: msg})
		v.broken, v.report.RowsSkipped = true, !v.SkipRows
		return false
	}
	v.report.Events++
	for _, c := range v.checkpoints[e.Seq] {
		if c.cp.Hash != e.Hash {
			v.report.add(IntegrityFault{Seq: e.Seq, Reason: fmt.Sprintf("the event differs from the checkpoint signed at %s (%s): "+
				"the audit log was rewritten from here or earlier", FormatTime(c.cp.At), c.source)})
		}
	}
	if v.SkipRows {
		return true
	}
	digests, ok := e.RowDigests()
	if !ok {
		v.report.add(IntegrityFault{Seq: e.Seq, Reason: "the " + DetailRowDigests + " detail is malformed"})
	}
	for ref, d := range digests {
		prev := v.vouched[ref]
		if prev != nil && d.Before != "" && !hmac.Equal([]byte(prev.digest), []byte(d.Before)) {
			r := ref
			v.report.add(IntegrityFault{Seq: e.Seq, Row: &r, Reason: fmt.Sprintf("it was changed outside consentd before this event "+
				"changed it: its state then differed from what event seq %d had recorded", prev.seq)})
		}
		v.vouched[ref] = &voucher{seq: e.Seq, digest: d.Digest}
	}
	return true
}

// Row compares a stored row with the digest that vouches for it.
func (v *IntegrityVerifier) Row(r Row) {
	if v.broken || v.SkipRows {
		return
	}
	ref := r.RowRef()
	v.report.Rows++
	w := v.vouched[ref]
	if w == nil {
		v.report.add(IntegrityFault{Row: &ref, Reason: "no audit event vouches for this row: it was added outside consentd"})
		return
	}
	w.seen = true
	d, err := RowDigest(v.rowKey, r)
	if err != nil {
		v.report.add(IntegrityFault{Seq: w.seq, Row: &ref, Reason: "its content cannot be encoded: " + err.Error()})
	} else if !hmac.Equal([]byte(d), []byte(w.digest)) {
		v.report.add(IntegrityFault{Seq: w.seq, Row: &ref, Reason: "its content differs from what that event recorded: " +
			"the row was changed outside consentd"})
	}
}

// Finish checks the chain's end against the authenticated head (nil: none)
// and the checkpoints, reports vouched-for rows that were not found, and
// returns the report.
func (v *IntegrityVerifier) Finish(head *AuditHead) *IntegrityReport {
	if v.broken {
		return &v.report
	}
	if msg := v.chain.Finish(head); msg != "" {
		seq := head.Seq
		if hmac.Equal([]byte(AuditMAC(v.chain.Key, head.Seq, head.Hash)), []byte(head.MAC)) && v.chain.LastSeq() < head.Seq {
			seq = v.chain.LastSeq() + 1
		}
		v.report.add(IntegrityFault{Seq: seq, Reason: msg})
	}
	var beyond []int64
	for seq := range v.checkpoints {
		if seq > v.chain.LastSeq() {
			beyond = append(beyond, seq)
		}
	}
	sort.Slice(beyond, func(i, j int) bool { return beyond[i] < beyond[j] })
	for _, seq := range beyond {
		for _, c := range v.checkpoints[seq] {
			v.report.add(IntegrityFault{Seq: v.chain.LastSeq() + 1, Reason: fmt.Sprintf("the chain ends at seq %d, but the checkpoint "+
				"signed at %s (%s) vouches for seq %d: events were removed from the end (truncation, or a rollback to an older copy)",
				v.chain.LastSeq(), FormatTime(c.cp.At), c.source, seq)})
		}
	}
	if !v.SkipRows {
		var missing []RowRef
		for ref, w := range v.vouched {
			if !w.seen {
				missing = append(missing, ref)
			}
		}
		sort.Slice(missing, func(i, j int) bool { return v.vouched[missing[i]].seq < v.vouched[missing[j]].seq })
		for _, ref := range missing {
			v.report.add(IntegrityFault{Seq: v.vouched[ref].seq, Row: &ref, Reason: "the row is missing: it was deleted outside consentd"})
		}
	}
	return &v.report
}
