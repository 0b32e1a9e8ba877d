package consent

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Service carries out consentd's use cases. Handlers parse and map; storage
// persists; the service decides.
type Service struct {
	Store    Store
	Markdown MarkdownRenderer
	Sealer   Sealer
	// Checkpoints signs and verifies audit checkpoints (the sealing key); nil
	// turns checkpoints off.
	Checkpoints CheckpointSigner
	PINs        PasswordHasher
	// SecretKey authenticates signing sessions opened with a code; it is kept
	// outside the database.
	SecretKey []byte
	Now       func() time.Time
	NewID     func() string
	// Limits are the failure limits counted in the database; zero fields take
	// DefaultLimits.
	Limits Limits
	// EvidenceEventLimit bounds the audit events printed on a PDF's evidence page.
	EvidenceEventLimit int
	// Observer is told about consents created and signed and seal durations
	// (metrics); nil observes nothing.
	Observer Observer
	// VerifySlots bounds concurrent PDF verifications (default 2) and
	// VerifyTimeout how long a caller waits for one (default 5 s).
	VerifySlots   int
	VerifyTimeout time.Duration
	verifyGate    verifyGate
	// VerifyLinks checks the verification links printed on sealed PDFs; nil
	// accepts none. PublicUploadSlots bounds public uploads held at once
	// (default 8).
	VerifyLinks       *VerifyLinks
	PublicUploadSlots int
	publicUploads     verifyGate
	// WebhookNetworks says which addresses webhooks may reach (nil: public
	// only); Resolver, when set, resolves endpoint hosts at registration.
	WebhookNetworks *WebhookNetworks
	Resolver        Resolver
	// AccessWindow folds repeated audit reads and scope denials by one actor
	// on one route into one event per window (default 1 min).
	AccessWindow time.Duration
	// FailedAuths folds failed authentications in the audit log per source
	// and window; nil uses one with the defaults on Store.
	FailedAuths *EventFolder
	foldersMu   sync.Mutex
	access      *EventFolder

	dummyOnce sync.Once
	dummyHash string     // see dummyPINHash
	approved  approvals  // see ApprovalOf
	keys      keyCache   // see Authenticate
	renders   renderMemo // see newConsent
}

// FailedAuthLog returns the folder of failed authentications (FailedAuths
// or a default one), whose Run the server starts and stops.
func (s *Service) FailedAuthLog() *EventFolder {
	s.foldersMu.Lock()
	defer s.foldersMu.Unlock()
	if s.FailedAuths == nil {
		s.FailedAuths = &EventFolder{Store: s.Store.Audit()}
	}
	return failedAuths(s.FailedAuths)
}

// accessLog returns the folder of access events (audit reads, scope denials).
func (s *Service) accessLog() *EventFolder {
	s.foldersMu.Lock()
	defer s.foldersMu.Unlock()
	if s.access == nil {
		s.access = &EventFolder{Store: s.Store.Audit(), Window: s.AccessWindow, Key: accessKey,
			Carry: []string{"route", "key_id", "scope", "result"}}
	}
	return s.access
}

// Observer receives measurements from the use cases.
type Observer interface {
	ConsentCreated()
	ConsentSigned()
	SealDuration(time.Duration)
}

// nopObserver stands in when no Observer is set.
type nopObserver struct{}

func (nopObserver) ConsentCreated()            {}
func (nopObserver) ConsentSigned()             {}
func (nopObserver) SealDuration(time.Duration) {}

func (s *Service) observer() Observer {
	if s.Observer == nil {
		return nopObserver{}
	}
	return s.Observer
}

func (s *Service) now() time.Time { return Millis(s.Now()) }

// update runs fn in one write transaction and, when the request carries an
// Idempotency-Key, stores the response in that same transaction.
func update[T any](ctx context.Context, s *Service, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := s.Store.Update(ctx, func(tx Tx) error {
		r, err := fn(tx)
		if err != nil {
			return err
		}
		out = r
		return s.saveIdempotency(ctx, tx.Idempotency(), r, s.now())
	})
	return out, err
}

// updateGrouped runs fn through Store.UpdateGrouped, committed with
// concurrent writers, and returns result, which it must not change: the
// idempotency record of result is encoded and sealed before, so the shared
// transaction holds only SQL.
func updateGrouped[T any](ctx context.Context, s *Service, result T, fn func(tx Tx) error) (T, error) {
	var zero T
	rec, err := s.idempotencyRecord(ctx, result, s.now())
	if err != nil {
		return zero, err
	}
	err = s.Store.UpdateGrouped(ctx, func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		} else if rec != nil {
			return tx.Idempotency().SaveIdempotency(ctx, rec)
		}
		return nil
	})
	if err != nil {
		return zero, err
	}
	return result, nil
}

// randomToken returns n random bytes, base64url-encoded without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("consent: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// event builds an audit event attributed to the request in ctx; rows are the
// rows it creates or changes, as they are after it.
func (s *Service) event(ctx context.Context, typ, consentID string, details map[string]any, rows ...Row) *AuditEvent {
	r := RequestFrom(ctx)
	cleanDetails(details)
	return &AuditEvent{Type: typ, At: s.now(), Actor: r.Actor, ConsentID: consentID, IP: r.IP,
		UserAgent: r.UserAgent, DeviceID: r.DeviceID, Details: details, Rows: rows}
}

// change builds the audit event of a change to one existing row: before is
// the row as read in the transaction, after as written.
func (s *Service) change(ctx context.Context, typ, consentID string, details map[string]any, before, after Row) *AuditEvent {
	e := s.event(ctx, typ, consentID, details, after)
	e.RowsBefore = []Row{before}
	return e
}

// Request describes who is acting and from where; handlers put it in the context.
type Request struct {
	Actor     string // "apikey:<id>", "token:<consent id>", "link:<id>", "system", "cli"
	Channel   string // api | tablet
	IP        string
	UserAgent string
	// DeviceID is recorded in the evidence: "enrolled:<id>" for an enrolled
	// device, otherwise the client's own X-Device-ID claim.
	DeviceID string
	// Device is the ID of the enrolled device the request came from, verified
	// by its token; limits are counted per enrolled device.
	Device     string
	ClientTime string
}

type requestKey struct{}

// WithRequest returns a context carrying r, its fields made valid UTF-8 within
// their byte limits (see CleanEvidence).
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r.clean())
}

// RequestFrom returns the request in ctx, or a system request when there is none.
func RequestFrom(ctx context.Context) Request {
	if r, ok := ctx.Value(requestKey{}).(Request); ok {
		return r
	}
	return Request{Actor: "system", Channel: "system"}
}

func (r Request) evidence() Evidence {
	// DeviceID is already in its evidence form (see DeviceEvidence).
	return Evidence{Channel: r.Channel, IP: r.IP, UserAgent: r.UserAgent, DeviceID: r.DeviceID, Actor: r.Actor, ClientTime: r.ClientTime}
}
