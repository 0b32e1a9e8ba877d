package storage

import (
	"context"
	"errors"
	"sync"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// Group commit limits: one transaction appends the events of at most
// maxBatchRequests callers; auditQueue callers may wait meanwhile.
const (
	maxBatchRequests = 256
	auditQueue       = 1024
)

var errClosed = errors.New("storage: database is closed")

// auditWriter is the single goroutine that appends AppendAuditEvents' events.
// Callers queue; the writer takes everything queued, appends it in one
// transaction (one fsync), and releases every caller with that commit's
// result. While it commits, the next batch gathers, so the batch size grows
// with the load and throughput is no longer bound by one fsync per event.
type auditWriter struct {
	mu     sync.RWMutex // held for reading while enqueuing, for writing by stop
	closed bool
	reqs   chan *auditRequest
	done   chan struct{}
}

type auditRequest struct {
	events []*consent.AuditEvent
	err    chan error
}

func (w *auditWriter) start(db *DB) {
	w.reqs = make(chan *auditRequest, auditQueue)
	w.done = make(chan struct{})
	go w.run(db)
}

// stop lets the writer commit what is queued, then waits for it to exit.
func (w *auditWriter) stop() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *auditWriter) run(db *DB) {
	defer close(w.done)
	for req := range w.reqs {
		batch := []*auditRequest{req}
	gather:
		for len(batch) < maxBatchRequests {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		db.commitAudit(batch)
	}
}

// AppendAuditEvents durably appends events in their own transaction, grouped
// with concurrent callers' events into one commit. It assigns each event's
// Seq, PrevHash, Hash and MAC. Once queued, the call waits for the commit
// even if ctx ends, so the events are never mutated after it returns.
func (db *DB) AppendAuditEvents(ctx context.Context, events ...*consent.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	req := &auditRequest{events: events, err: make(chan error, 1)}
	w := &db.audit
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	return <-req.err
}

// commitAudit appends a batch in one write transaction. A request whose events
// cannot be sealed fails alone; a database failure fails the whole batch.
func (db *DB) commitAudit(batch []*auditRequest) {
	ctx := context.Background()
	results := make([]error, len(batch))
	var head consent.AuditHead
	err := db.lockWrite(ctx)
	if err == nil {
		err = db.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			if err := db.lockWriters(g); err != nil {
				return err
			}
			last, err := lastAudit(g)
			if err != nil {
				return err
			}
			var rows []auditRow
			for i, req := range batch {
				reqRows, next, err := db.chainAll(req.events, last)
				if err != nil {
					results[i] = err
					continue
				}
				rows, last = append(rows, reqRows...), next
			}
			for _, row := range rows {
				if err := insertAudit(g, row); err != nil {
					return err
				}
			}
			head = last
			return nil
		})
		db.unlockWrite()
	}
	if err == nil && head.Seq > 0 {
		db.advanceHead(head)
	}
	for i, req := range batch {
		if results[i] == nil {
			results[i] = err
		}
		req.err <- results[i]
	}
}

// chainAll chains one caller's events after last, all or none.
func (db *DB) chainAll(events []*consent.AuditEvent, last consent.AuditHead) ([]auditRow, consent.AuditHead, error) {
	rows := make([]auditRow, 0, len(events))
	for _, e := range events {
		row, err := db.chain(e, last)
		if err != nil {
			return nil, last, err
		}
		rows = append(rows, row)
		last = consent.AuditHead{Seq: e.Seq, Hash: e.Hash, MAC: e.MAC}
	}
	return rows, last, nil
}
