package consenttest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/consentd/consentd/consent"
)

// auditLog is the audit log outside transactions.
type auditLog struct{ view }

// chain places e after the last event of w: it assigns Seq, PrevHash and a
// millisecond UTC time (now if unset), records its rows' digests and seals
// it, then appends a copy whose details went through JSON, as a database
// returns them.
func (s *Store) chain(w *state, e *consent.AuditEvent) error {
	var last consent.AuditHead
	if n := len(w.audit); n > 0 {
		last = consent.AuditHead{Seq: w.audit[n-1].Seq, Hash: w.audit[n-1].Hash}
	}
	e.Seq, e.PrevHash = last.Seq+1, last.Hash
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = ms(e.At)
	if err := e.AttachRowDigests(s.rowKey); err != nil {
		return consent.Errorf(consent.EINVALID, "Audit event %s cannot vouch for its rows: %v", e.Type, err)
	}
	if err := e.Seal(s.key); err != nil {
		return fmt.Errorf("consenttest: seal audit event %s: %w", e.Type, err)
	}
	row := *e
	row.Rows, row.RowsBefore, row.Details = nil, nil, nil
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("consenttest: audit details: %w", err)
		}
		if err := json.Unmarshal(b, &row.Details); err != nil {
			return err
		}
	}
	w.audit = append(slices.Clip(w.audit), &row)
	return nil
}

// AppendAudit assigns Seq, PrevHash, Hash and MAC and appends the events;
// a failure fails the unit of work, which then keeps none of them.
func (t *tx) AppendAudit(ctx context.Context, events ...*consent.AuditEvent) error {
	for _, e := range events {
		if err := t.s.chain(t.w, e); err != nil {
			return err
		}
	}
	return nil
}

// AppendAuditEvents appends events in a transaction of their own, all or none.
func (l auditLog) AppendAuditEvents(ctx context.Context, events ...*consent.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	return l.s.write(func(w *state) error {
		for _, e := range events {
			if err := l.s.chain(w, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// PrepareAudit records the events' row digests before the transaction.
func (l auditLog) PrepareAudit(events ...*consent.AuditEvent) error {
	for _, e := range events {
		if err := e.PrepareRowDigests(l.s.rowKey); err != nil {
			return consent.Errorf(consent.EINVALID, "Audit event %s cannot vouch for its rows: %v", e.Type, err)
		}
	}
	return nil
}

func copyEvent(e *consent.AuditEvent) *consent.AuditEvent {
	c := *e
	c.Details = maps.Clone(e.Details)
	return &c
}

// ListAuditEvents returns events oldest first (by seq), after f.AfterSeq.
func (v view) ListAuditEvents(ctx context.Context, f consent.AuditFilter) ([]*consent.AuditEvent, error) {
	limit := consent.PageSize(f.Limit, consent.DefaultPageSize, consent.MaxAuditPageSize)
	var out []*consent.AuditEvent
	for _, e := range v.st().audit {
		if len(out) == limit {
			break
		}
		if e.Seq > f.AfterSeq && (f.ConsentID == "" || e.ConsentID == f.ConsentID) && (f.Type == "" || e.Type == f.Type) &&
			(f.Since == nil || !e.At.Before(ms(*f.Since))) {
			out = append(out, copyEvent(e))
		}
	}
	return out, nil
}

// AuditChainHead returns the position of the last event ({0, ""} when empty).
func (v view) AuditChainHead(ctx context.Context) (consent.AuditHead, error) {
	a := v.st().audit
	if len(a) == 0 {
		return consent.AuditHead{}, nil
	}
	e := a[len(a)-1]
	return consent.AuditHead{Seq: e.Seq, Hash: e.Hash, MAC: e.MAC}, nil
}

// LastAuditCheckpoint returns the newest stored checkpoint, or nil if none.
func (v view) LastAuditCheckpoint(ctx context.Context) (*consent.AuditCheckpoint, error) {
	cps := v.st().checkpoints
	if len(cps) == 0 {
		return nil, nil
	}
	cp := cps[len(cps)-1]
	return &cp, nil
}

// ListAuditCheckpoints returns stored checkpoints oldest first, after seq afterSeq.
func (v view) ListAuditCheckpoints(ctx context.Context, afterSeq int64, limit int) ([]*consent.AuditCheckpoint, error) {
	limit = consent.PageSize(limit, consent.DefaultPageSize, consent.MaxAuditPageSize)
	var out []*consent.AuditCheckpoint
	for _, cp := range v.st().checkpoints {
		if cp.Seq > afterSeq && len(out) < limit {
			out = append(out, &cp)
		}
	}
	return out, nil
}

// CreateAuditCheckpoint stores a checkpoint; ECONFLICT if one exists for its seq.
func (t *tx) CreateAuditCheckpoint(ctx context.Context, cp *consent.AuditCheckpoint) error {
	i, found := slices.BinarySearchFunc(t.w.checkpoints, cp.Seq, func(c consent.AuditCheckpoint, seq int64) int {
		return int(c.Seq - seq)
	})
	if found {
		return conflict("A checkpoint for this audit position already exists.")
	}
	row := *cp
	row.At, row.Signature.Value = ms(cp.At), slices.Clone(cp.Signature.Value)
	t.w.checkpoints = slices.Insert(slices.Clone(t.w.checkpoints), i, row)
	return nil
}

// LastAuditHead returns the authenticated head, or nil if no event was
// ever appended.
func (l auditLog) LastAuditHead(ctx context.Context) (*consent.AuditHead, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	if l.s.head == nil {
		return nil, nil
	}
	h := *l.s.head
	return &h, nil
}

// VerifyAuditRange checks that the events after `after` up to seq upTo
// follow it link by link with valid hashes and MACs.
func (l auditLog) VerifyAuditRange(ctx context.Context, after consent.AuditHead, upTo int64) (*consent.IntegrityFault, error) {
	v := consent.NewIntegrityVerifier(l.s.key)
	v.SkipRows = true
	v.Resume(after.Seq, after.Hash)
	last := after.Seq
	for _, e := range l.st().audit {
		if e.Seq <= after.Seq || e.Seq > upTo {
			continue
		}
		if !v.Event(copyEvent(e)) {
			break
		}
		last = e.Seq
	}
	if report := v.Finish(nil); !report.Intact() {
		return &report.Faults[0], nil
	}
	if last < upTo {
		return &consent.IntegrityFault{Seq: last + 1, Reason: fmt.Sprintf("the chain ends at seq %d, before seq %d", last, upTo)}, nil
	}
	return nil, nil
}

// VerifyIntegrity checks the whole chain, every row it vouches for, and the
// chain's end against the authenticated head and the checkpoints given.
func (l auditLog) VerifyIntegrity(ctx context.Context, checkpoints []consent.CheckpointClaim) (*consent.IntegrityReport, error) {
	head, _ := l.LastAuditHead(ctx)
	st := l.st()
	v := consent.NewIntegrityVerifier(l.s.key)
	for _, c := range checkpoints {
		v.AddCheckpoint(c.Checkpoint, c.Source)
	}
	for _, e := range st.audit {
		if !v.Event(copyEvent(e)) {
			break
		}
	}
	if !v.Broken() {
		for _, r := range st.rows() {
			v.Row(r)
		}
	}
	return v.Finish(head), nil
}

// rows returns every row the audit chain vouches for, table by table in
// consent.VouchedTables order.
func (st *state) rows() []consent.Row {
	var all []consent.Row
	all = appendRows(all, slices.Collect(maps.Values(st.templates)))
	all = appendRows(all, slices.Collect(maps.Values(st.versions)))
	all = appendRows(all, slices.Collect(maps.Values(st.consents)))
	all = appendRows(all, slices.Concat(slices.Collect(maps.Values(st.signatures))...))
	all = appendRows(all, slices.Concat(slices.Collect(maps.Values(st.acks))...))
	all = appendRows(all, slices.Collect(maps.Values(st.pdfs)))
	all = appendRows(all, slices.Collect(maps.Values(st.keys)))
	all = appendRows(all, slices.Collect(maps.Values(st.staff)))
	all = appendRows(all, slices.Collect(maps.Values(st.links)))
	all = appendRows(all, slices.Collect(maps.Values(st.webhooks)))
	all = appendRows(all, slices.Collect(maps.Values(st.devices)))
	all = appendRows(all, slices.Collect(maps.Values(st.approvals)))
	byTable := map[string][]consent.Row{}
	for _, r := range all {
		byTable[r.RowRef().Table] = append(byTable[r.RowRef().Table], r)
	}
	var out []consent.Row
	for _, table := range consent.VouchedTables {
		rows := byTable[table]
		slices.SortFunc(rows, func(a, b consent.Row) int { return compareIDs(a.RowRef().ID, b.RowRef().ID) })
		out = append(out, rows...)
	}
	return out
}

// appendRows appends the stored values as rows.
func appendRows[T any, P interface {
	*T
	consent.Row
}](out []consent.Row, values []T) []consent.Row {
	for i := range values {
		out = append(out, P(&values[i]))
	}
	return out
}

// compareIDs orders row IDs, numbers (acknowledgments) by value.
func compareIDs(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return int(x - y)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
