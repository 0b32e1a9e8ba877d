package consent

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Audit event types.
const (
	EventTemplateCreated   = "template.created"
	EventVersionCreated    = "template.version_created"
	EventVersionUpdated    = "template.version_updated"
	EventVersionPublished  = "template.version_published"
	EventVersionRetired    = "template.version_retired"
	EventAPIKeyCreated     = "apikey.created"
	EventAPIKeyRevoked     = "apikey.revoked"
	EventStaffCreated      = "staff.created"
	EventStaffDeactivated  = "staff.deactivated"
	EventConsentCreated    = "consent.created"
	EventConsentViewed     = "consent.viewed"
	EventAcknowledged      = "consent.acknowledged"
	EventAnswerRecorded    = "consent.answer_recorded" // a teach-back answer attempt
	EventSignatureRecorded = "consent.signature_recorded"
	EventConsentSigned     = "consent.signed"
	EventConsentDeclined   = "consent.declined"
	EventConsentCancelled  = "consent.cancelled"
	EventConsentExpired    = "consent.expired"
	EventConsentWithdrawn  = "consent.withdrawn"
	EventConsentVoided     = "consent.voided"
	// EventWithdrawalPDFSealed: a consent withdrawn before withdrawal copies
	// existed got one when first needed.
	EventWithdrawalPDFSealed = "consent.withdrawal_pdf_sealed"
	EventPDFDownloaded       = "consent.pdf_downloaded"
	EventDownloadLinkCreated = "download_link.created"
	EventDownloadLinkRevoked = "download_link.revoked"
	EventDownloadLinkLocked  = "download_link.locked" // wrong birth dates used a link up
	EventAuthFailed          = "auth.failed"
	EventStaffAuthFailed     = "staff.auth_failed"
	EventStaffPINAttempts    = "staff.pin_attempts" // a staff member's wrong PINs reached the ceiling
	EventDeviceCreated       = "device.created"     // an admin registered a kiosk tablet
	EventDeviceEnrolled      = "device.enrolled"    // a browser took the device's token
	EventDeviceRevoked       = "device.revoked"
	EventWebhookCreated      = "webhook.created"
	EventWebhookDeleted      = "webhook.deleted"
	// EventWebhookSecretRotated: an endpoint got a new signing secret.
	EventWebhookSecretRotated = "webhook.secret_rotated"
)

// AuditEvent is one entry of the append-only, hash-chained audit log.
type AuditEvent struct {
	Seq       int64
	Type      string
	At        time.Time // server clock, UTC, millisecond precision
	Actor     string
	ConsentID string
	IP        string
	UserAgent string
	DeviceID  string
	Details   map[string]any // JSON-compatible values only; never patient names or secrets
	PrevHash  string
	Hash      string
	MAC       string // HMAC-SHA256 of Hash with a key kept outside the database
	// Rows are the rows this event creates or changes, as they are after it.
	// They are not stored: the store records their digests in Details
	// (DetailRowDigests) when it appends the event.
	Rows []Row
	// RowsBefore are the rows this event changes as they were just before,
	// read in the same transaction (matched to Rows by RowRef). Their digests
	// let verification see a row changed outside consentd and then written
	// over by a legitimate change, which would otherwise hide the edit.
	RowsBefore []Row
}

// CanonicalMap returns the fields the hash covers (everything but Hash and MAC).
func (e *AuditEvent) CanonicalMap() map[string]any {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"seq": e.Seq, "type": e.Type, "at": FormatTime(e.At), "actor": e.Actor,
		"consent_id": e.ConsentID, "ip": e.IP, "user_agent": e.UserAgent, "device_id": e.DeviceID,
		"details": details, "prev_hash": e.PrevHash}
}

// ComputeHash returns SHA-256 over the previous hash and the event's canonical encoding.
func (e *AuditEvent) ComputeHash() (string, error) {
	b, err := CanonicalJSON(e.CanonicalMap())
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Seal sets Hash and MAC; Seq and PrevHash must already be set.
func (e *AuditEvent) Seal(key []byte) error {
	h, err := e.ComputeHash()
	if err != nil {
		return err
	}
	e.Hash, e.MAC = h, AuditMAC(key, e.Seq, h)
	return nil
}

// AuditMAC authenticates a chain position with a key that is not in the database,
// so a rewritten or forged chain cannot carry valid MACs.
func AuditMAC(key []byte, seq int64, hash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(itoa(seq) + "|" + hash))
	return hex.EncodeToString(m.Sum(nil))
}

// AuditHead is an authenticated record of the chain's last entry, kept outside
// the database so that a truncated tail is detectable.
type AuditHead struct {
	Seq  int64
	Hash string
	MAC  string
}

// AuditFilter selects audit events, oldest first.
type AuditFilter struct {
	ConsentID string
	Type      string
	Since     *time.Time
	AfterSeq  int64 // cursor
	Limit     int
}

// AuditChainVerifier checks events one at a time in seq order and reports the
// first that breaks the chain.
type AuditChainVerifier struct {
	Key      []byte
	lastSeq  int64
	lastHash string
}

// Check verifies the next event; it returns a description of the fault or "".
func (v *AuditChainVerifier) Check(e *AuditEvent) string {
	if e.Seq != v.lastSeq+1 {
		return "sequence gap or reorder: expected seq " + itoa(v.lastSeq+1)
	}
	if e.PrevHash != v.lastHash {
		return "prev_hash does not match the previous entry's hash"
	}
	h, err := e.ComputeHash()
	if err != nil || h != e.Hash {
		return "hash does not match the entry's contents"
	}
	if !hmac.Equal([]byte(AuditMAC(v.Key, e.Seq, e.Hash)), []byte(e.MAC)) {
		return "MAC invalid: entry not written by this server's key"
	}
	v.lastSeq, v.lastHash = e.Seq, e.Hash
	return ""
}

// Finish checks the end of the chain against the authenticated head, which
// reveals a truncated tail; it returns a description of the fault or "".
func (v *AuditChainVerifier) Finish(head *AuditHead) string {
	if head == nil {
		return ""
	}
	if !hmac.Equal([]byte(AuditMAC(v.Key, head.Seq, head.Hash)), []byte(head.MAC)) {
		return "audit head record is not authentic"
	}
	if v.lastSeq < head.Seq {
		return "chain ends at seq " + itoa(v.lastSeq) + " but the authenticated head is seq " + itoa(head.Seq) + " (truncated)"
	}
	if v.lastSeq == head.Seq && v.lastHash != head.Hash {
		return "last entry differs from the authenticated head"
	}
	return ""
}

// Resume makes the verifier continue a chain already verified up to seq,
// whose entry there has hash.
func (v *AuditChainVerifier) Resume(seq int64, hash string) { v.lastSeq, v.lastHash = seq, hash }

// LastSeq returns the seq of the last verified entry.
func (v *AuditChainVerifier) LastSeq() int64 { return v.lastSeq }

// AuditReader reads the audit log and its checkpoints.
type AuditReader interface {
	// ListAuditEvents returns events oldest first (by seq), after f.AfterSeq.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// AuditChainHead returns the position of the last event in the database
	// ({0, ""} for an empty chain); its MAC is not needed and may be empty.
	AuditChainHead(ctx context.Context) (AuditHead, error)
	// LastAuditCheckpoint returns the newest stored checkpoint, or nil if none.
	LastAuditCheckpoint(ctx context.Context) (*AuditCheckpoint, error)
	// ListAuditCheckpoints returns stored checkpoints oldest first, after seq afterSeq.
	ListAuditCheckpoints(ctx context.Context, afterSeq int64, limit int) ([]*AuditCheckpoint, error)
}

// AuditAppender appends audit events in a transaction of their own.
type AuditAppender interface {
	// AppendAuditEvents durably appends events outside any other write (e.g.
	// views), assigning Seq, PrevHash, Hash and MAC as AppendAudit does;
	// implementations may group concurrent calls into one commit.
	AppendAuditEvents(ctx context.Context, events ...*AuditEvent) error
}

// AuditLog is the audit aggregate outside transactions: reads, appends of
// their own, and verification.
type AuditLog interface {
	AuditReader
	AuditAppender
	// LastAuditHead returns the authenticated head kept outside the database,
	// or nil if no event was ever appended.
	LastAuditHead(ctx context.Context) (*AuditHead, error)
	// PrepareAudit does, before the write transaction, the work of appending
	// events that does not depend on their place in the chain: it records
	// the digests of their rows (see AuditEvent.PrepareRowDigests), which
	// must be final. Errors: EINVALID (a row cannot be digested).
	PrepareAudit(events ...*AuditEvent) error
	// VerifyAuditRange checks that the events after `after` up to seq upTo
	// follow it link by link with valid hashes and MACs; it returns the first
	// fault, nil if they verify.
	VerifyAuditRange(ctx context.Context, after AuditHead, upTo int64) (*IntegrityFault, error)
	// VerifyIntegrity checks the whole chain, every row it vouches for, and
	// the chain's end against the authenticated head and the checkpoints given
	// (whose signatures the caller has verified).
	VerifyIntegrity(ctx context.Context, checkpoints []CheckpointClaim) (*IntegrityReport, error)
}

// AuditTx is the audit log inside a unit of work.
type AuditTx interface {
	// AppendAudit assigns each event Seq (the next number), PrevHash (the
	// previous event's hash), Hash and MAC, records the digests of its Rows
	// (and RowsBefore) in its details, and appends the events in order, all
	// or none; the log is append-only. Many events in one call cost a store
	// fewer statements than one call each (a signature's acknowledgments).
	AppendAudit(ctx context.Context, events ...*AuditEvent) error
	// CreateAuditCheckpoint stores a checkpoint; ECONFLICT if one exists for its seq.
	CreateAuditCheckpoint(ctx context.Context, cp *AuditCheckpoint) error
	LastAuditCheckpoint(ctx context.Context) (*AuditCheckpoint, error)
}
