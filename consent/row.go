package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Tables whose rows the audit chain vouches for, in the order verification
// checks them.
const (
	TableTemplates        = "templates"
	TableTemplateVersions = "template_versions"
	TableConsents         = "consents"
	TableSignatures       = "signatures"
	TableAcknowledgments  = "acknowledgments"
	TablePDFs             = "pdfs"
	TableAdditionalPDFs   = "additional_pdfs" // sealed PDFs beside the signed one: withdrawal copies
	TableAPIKeys          = "api_keys"
	TableStaff            = "staff"
	TableDownloadLinks    = "download_links"
	TableWebhooks         = "webhooks"
	TableDevices          = "devices" // enrolled kiosk tablets
	TableAnswerAttempts   = "answer_attempts"
)

// VouchedTables lists every table whose rows the audit chain vouches for.
//
// Not listed, on purpose: the counters table (failure counts per window for
// PIN, signing-guess and birth-date limits) is operational state, not a
// record: it changes on every wrong guess, is purged when its windows end,
// and what it decides is recorded as audit events (auth.failed,
// download_link.locked with the link's locked_at, staff.pin_attempts).
// Neither are idempotency records, the webhook outbox and delivery log, or
// the checkpoints (each signed itself).
var VouchedTables = []string{TableTemplates, TableTemplateVersions, TableConsents, TableSignatures,
	TableAcknowledgments, TablePDFs, TableAdditionalPDFs, TableAPIKeys, TableStaff, TableDownloadLinks,
	TableWebhooks, TableDevices, TableTemplateApprovals, TableAnswerAttempts}

// EventRowBaseline vouches for a row that existed before rows were bound to
// the audit chain (written once per row by the upgrade that introduced it).
const EventRowBaseline = "audit.row_baseline"

// DetailRowDigests is the audit event detail that lists the rows an event
// created or changed, each with the keyed digest of its content afterwards.
const DetailRowDigests = "row_digests"

// RowRef names one stored row: its table and its key as text.
type RowRef struct {
	Table string
	ID    string
}

// String names the row as verification reports it: "consents 01J...".
func (r RowRef) String() string { return r.Table + " " + r.ID }

// Row is a stored record whose content the audit chain vouches for.
type Row interface {
	RowRef() RowRef
	// RowContent returns every stored field as values CanonicalJSON encodes.
	RowContent() map[string]any
}

// RowDigest returns the hex HMAC-SHA256, under key, of the RFC 8785 encoding
// of {"table", "id", "row": content}. It is keyed so that someone who can read
// the audit log cannot test guesses of a patient's name or birth date against
// it, and it names its row so that a digest cannot vouch for another row.
func RowDigest(key []byte, r Row) (string, error) {
	ref := r.RowRef()
	m := hmac.New(sha256.New, key)
	if err := WriteCanonicalJSON(m, map[string]any{"table": ref.Table, "id": ref.ID, "row": r.RowContent()}); err != nil {
		return "", fmt.Errorf("row %s: %w", ref, err)
	}
	return hex.EncodeToString(m.Sum(nil)), nil
}

// RowDigestKey derives the row digest key from the audit MAC key, which
// itself derives from the server secret, so the two never coincide.
func RowDigestKey(auditKey []byte) []byte {
	m := hmac.New(sha256.New, auditKey)
	m.Write([]byte("consentd|row-digest"))
	return m.Sum(nil)
}

// AttachRowDigests records in Details the digest of every row in e.Rows, and
// for a row also in e.RowsBefore the digest of its earlier state ("before"),
// replacing any list recorded before (a transaction that is run again
// appends the same event again).
func (e *AuditEvent) AttachRowDigests(key []byte) error {
	if len(e.Rows) == 0 {
		return nil
	}
	before := make(map[RowRef]Row, len(e.RowsBefore))
	for _, r := range e.RowsBefore {
		before[r.RowRef()] = r
	}
	list := make([]any, 0, len(e.Rows))
	for _, r := range e.Rows {
		d, err := RowDigest(key, r)
		if err != nil {
			return err
		}
		ref := r.RowRef()
		item := map[string]any{"table": ref.Table, "id": ref.ID, "digest": d}
		if b := before[ref]; b != nil {
			if item["before"], err = RowDigest(key, b); err != nil {
				return err
			}
		}
		list = append(list, item)
	}
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[DetailRowDigests] = list
	return nil
}

// PrepareRowDigests records the digests of e's rows now and lets go of the
// rows, so that appending e inside a write transaction (AttachRowDigests
// then has nothing left to do) holds no hashing of large rows: a consent's
// frozen documents, a sealed PDF. The rows must be final: a row changed after
// this would be vouched for as it was, and verification would report it.
func (e *AuditEvent) PrepareRowDigests(key []byte) error {
	if err := e.AttachRowDigests(key); err != nil {
		return err
	}
	e.Rows, e.RowsBefore = nil, nil
	return nil
}

// RowVoucher is what an event records of one row: the digest of its content
// after the event and, for a change, of its content just before.
type RowVoucher struct {
	Digest string
	Before string // "" for a row the event created (or an event written before this was recorded)
}

// RowDigests returns the rows an event vouches for with their digests, as
// read back from its details; ok is false if the detail is malformed.
func (e *AuditEvent) RowDigests() (digests map[RowRef]RowVoucher, ok bool) {
	raw, present := e.Details[DetailRowDigests]
	if !present {
		return nil, true
	}
	list, isList := raw.([]any)
	if !isList {
		return nil, false
	}
	digests = make(map[RowRef]RowVoucher, len(list))
	for _, item := range list {
		m, isMap := item.(map[string]any)
		table, _ := m["table"].(string)
		id, _ := m["id"].(string)
		digest, _ := m["digest"].(string)
		before, _ := m["before"].(string)
		if !isMap || table == "" || digest == "" {
			return nil, false
		}
		digests[RowRef{Table: table, ID: id}] = RowVoucher{Digest: digest, Before: before}
	}
	return digests, true
}

// BaselineEvent returns the event that vouches for a row written before rows
// were bound to the audit chain.
func BaselineEvent(r Row, at time.Time) *AuditEvent {
	return &AuditEvent{Type: EventRowBaseline, At: at, Actor: "system", ConsentID: rowConsentID(r),
		Details: map[string]any{"reason": "row existed before rows were bound to the audit chain"}, Rows: []Row{r}}
}

// rowConsentID files a consent's own rows under it in the audit log.
func rowConsentID(r Row) string {
	switch r := r.(type) {
	case *Consent:
		return r.ID
	case *Signature:
		return r.ConsentID
	case *Acknowledgment:
		return r.ConsentID
	case *AnswerAttempt:
		return r.ConsentID
	case *SealedPDF:
		return r.ConsentID
	case *DownloadLink:
		return r.ConsentID
	}
	return ""
}
