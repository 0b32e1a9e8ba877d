// Package consenttest holds what tests of consentd's domain need: an
// in-memory consent.Store that honours the same contract as the databases
// (checked by RunStoreContract, which storage runs against SQLite and
// PostgreSQL too), and fakes for the clock, IDs, the PDF sealer, the PIN
// hasher and the Markdown renderer. Like consent it uses the standard library
// only, so the domain's rules are tested in milliseconds.
package consenttest

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/consentd/consentd/consent"
)

// AuditKey is the audit MAC key of every in-memory store.
var AuditKey = []byte("consenttest audit key, 32 bytes")

// Store is an in-memory consent.Store. Update runs one transaction at a
// time on a copy of the data and swaps it in when fn succeeds, so an error
// leaves nothing behind and a transaction reads its own writes; reads
// outside a transaction see the last commit. Values go in and come out as
// copies, with times at millisecond precision in UTC and audit details as
// JSON values, as the databases store them.
type Store struct {
	now    func() time.Time
	key    []byte
	rowKey []byte

	writeMu sync.Mutex   // one writer at a time, as the databases' write lock
	mu      sync.RWMutex // guards data and head
	data    *state
	head    *consent.AuditHead // the authenticated head, kept "outside the database"
}

var _ consent.Store = (*Store)(nil)

// New returns an empty store whose audit events are sealed with AuditKey and
// stamped by now when they carry no time.
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, key: AuditKey, rowKey: consent.RowDigestKey(AuditKey), data: newState()}
}

type versionKey struct {
	slug    string
	version int
}

type pdfKey struct{ consentID, kind string }

type idemKey struct{ scope, key string }

// state is one snapshot of every table. Maps are copied per transaction
// (shallowly): a stored value is never changed in place, only replaced.
type state struct {
	templates   map[string]consent.Template
	versions    map[versionKey]consent.TemplateVersion
	approvals   map[versionKey]consent.TemplateApproval
	consents    map[string]consent.Consent // without signatures, acknowledgments and PDFs
	signatures  map[string][]consent.Signature
	acks        map[string][]consent.Acknowledgment
	ackSeq      int64
	answers     map[string][]consent.AnswerAttempt
	answerSeq   int64
	pdfs        map[pdfKey]consent.SealedPDF // kind "" is the signed PDF
	links       map[string]consent.DownloadLink
	keys        map[string]consent.APIKey
	staff       map[string]consent.Staff
	devices     map[string]consent.Device
	webhooks    map[string]consent.Webhook
	events      map[string]consent.WebhookEvent
	deliveries  map[string]delivery
	attempts    map[string][]consent.DeliveryAttempt
	idempotency map[idemKey]consent.Idempotency
	audit       []*consent.AuditEvent // by seq; never changed once appended
	checkpoints []consent.AuditCheckpoint
	counters    map[consent.CounterKey]counter
	reconsent   map[versionKey]consent.ReconsentJob
}

func newState() *state {
	return &state{templates: map[string]consent.Template{}, versions: map[versionKey]consent.TemplateVersion{},
		approvals: map[versionKey]consent.TemplateApproval{},
		consents:  map[string]consent.Consent{}, signatures: map[string][]consent.Signature{},
		acks: map[string][]consent.Acknowledgment{}, answers: map[string][]consent.AnswerAttempt{}, pdfs: map[pdfKey]consent.SealedPDF{},
		links: map[string]consent.DownloadLink{}, keys: map[string]consent.APIKey{}, staff: map[string]consent.Staff{},
		devices: map[string]consent.Device{}, webhooks: map[string]consent.Webhook{}, events: map[string]consent.WebhookEvent{},
		deliveries: map[string]delivery{}, attempts: map[string][]consent.DeliveryAttempt{},
		idempotency: map[idemKey]consent.Idempotency{}, counters: map[consent.CounterKey]counter{},
		reconsent: map[versionKey]consent.ReconsentJob{}}
}

// clone copies the maps, so a transaction's writes stay its own until commit.
func (s *state) clone() *state {
	c := *s
	c.templates, c.versions, c.consents = maps.Clone(s.templates), maps.Clone(s.versions), maps.Clone(s.consents)
	c.signatures, c.acks, c.pdfs, c.links = maps.Clone(s.signatures), maps.Clone(s.acks), maps.Clone(s.pdfs), maps.Clone(s.links)
	c.answers = maps.Clone(s.answers)
	c.keys, c.staff, c.devices = maps.Clone(s.keys), maps.Clone(s.staff), maps.Clone(s.devices)
	c.webhooks, c.events, c.deliveries, c.attempts = maps.Clone(s.webhooks), maps.Clone(s.events), maps.Clone(s.deliveries), maps.Clone(s.attempts)
	c.idempotency, c.counters = maps.Clone(s.idempotency), maps.Clone(s.counters)
	c.approvals = maps.Clone(s.approvals)
	c.reconsent = maps.Clone(s.reconsent)
	return &c
}

// view reads one state: the last commit, or a transaction's own copy.
type view struct {
	s  *Store
	st func() *state
}

// tx is a transaction: a view of its own copy, which it writes.
type tx struct {
	view
	w *state
}

func (s *Store) committed() *state {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data
}

func (s *Store) reads() view { return view{s: s, st: s.committed} }

// Update runs fn on a copy of the data and commits the copy if fn returns
// nil; writers run one at a time.
func (s *Store) Update(ctx context.Context, fn func(tx consent.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.write(func(w *state) error {
		t := &tx{w: w}
		t.view = view{s: s, st: func() *state { return t.w }}
		return fn(t)
	})
}

// UpdateGrouped is Update: each unit of work is a transaction of its own,
// which keeps every promise of a grouped commit.
func (s *Store) UpdateGrouped(ctx context.Context, fn func(tx consent.Tx) error) error {
	return s.Update(ctx, fn)
}

// write runs fn on a copy of the data, one writer at a time, and swaps the
// copy in when fn succeeds, advancing the authenticated head past the
// events fn appended.
func (s *Store) write(fn func(w *state) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	w := s.committed().clone()
	if err := fn(w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = w
	if n := len(w.audit); n > 0 && (s.head == nil || w.audit[n-1].Seq > s.head.Seq) {
		last := w.audit[n-1]
		s.head = &consent.AuditHead{Seq: last.Seq, Hash: last.Hash, MAC: last.MAC}
	}
	return nil
}

// The accessors below are the ports, as storage.DB hands them out too.

// Templates returns the template queries.
func (s *Store) Templates() consent.TemplateReader { return s.reads() }

// Consents returns the consent and sealed-PDF queries.
func (s *Store) Consents() consent.ConsentReader { return s.reads() }

// Links returns the download-link queries.
func (s *Store) Links() consent.LinkReader { return s.reads() }

// Access returns the API key, staff and device queries.
func (s *Store) Access() consent.AccessReader { return s.reads() }

// Webhooks returns the webhook queries.
func (s *Store) Webhooks() consent.WebhookReader { return s.reads() }

// Idempotency returns the stored-response query.
func (s *Store) Idempotency() consent.IdempotencyReader { return s.reads() }

// Audit returns the audit log.
func (s *Store) Audit() consent.AuditLog { return auditLog{s.reads()} }

// Counters returns the failure counts.
func (s *Store) Counters() consent.Counters { return counters{s.reads()} }

// Deliveries returns the webhook delivery queue.
func (s *Store) Deliveries() consent.Deliveries { return deliveries{s.reads()} }

// Templates returns the template aggregate inside the transaction.
func (t *tx) Templates() consent.TemplateTx { return t }

// Consents returns the consent aggregate inside the transaction.
func (t *tx) Consents() consent.ConsentTx { return t }

// Links returns the download-link aggregate inside the transaction.
func (t *tx) Links() consent.LinkTx { return t }

// Access returns the keys, staff and devices inside the transaction.
func (t *tx) Access() consent.AccessTx { return t }

// Webhooks returns the webhook aggregate inside the transaction.
func (t *tx) Webhooks() consent.WebhookTx { return t }

// Idempotency returns the stored-response writer inside the transaction.
func (t *tx) Idempotency() consent.IdempotencyWriter { return t }

// Audit returns the audit log inside the transaction.
func (t *tx) Audit() consent.AuditTx { return t }

// ms is a time as stored: UTC, millisecond precision.
func ms(t time.Time) time.Time { return consent.Millis(t) }

func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

func notFound(msg string) error { return consent.Errorf(consent.ENOTFOUND, "%s", msg) }

func conflict(msg string) error { return consent.Errorf(consent.ECONFLICT, "%s", msg) }
