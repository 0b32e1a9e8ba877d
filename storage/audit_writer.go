package storage

import (
	"context"
	"errors"

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
	batchQueue[*auditRequest]
}

type auditRequest struct {
	events []*consent.AuditEvent
	err    chan error
}

func (w *auditWriter) start(db *DB) {
	w.batchQueue.start(auditQueue, func() {
		for req := range w.reqs {
			db.commitAudit(w.gather(req, maxBatchRequests))
		}
	})
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
	if err := db.audit.put(ctx, req, errClosed); err != nil {
		return err
	}
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
		err = db.inTx(ctx, func(g *gorm.DB) error {
			if err := db.lockWriters(g); err != nil {
				return err
			}
			p := g.Statement.ConnPool.(*txStmts)
			last, err := p.lastAudit(ctx, db.dialect)
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
			if err := p.insertAudits(ctx, db.dialect, rows); err != nil {
				return err
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
