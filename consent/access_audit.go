package consent

import (
	"context"
	"sync"
	"time"
)

// Audit events for access that changes nothing but must be on record.
const (
	// EventAuditRead records a read of the audit log itself.
	EventAuditRead = "audit.read"
	// EventScopeDenied records a request refused (403) because its API key
	// lacks a scope.
	EventScopeDenied = "auth.forbidden"
)

// accessLog folds repeated access events (same type, actor, route and
// consent) within AccessWindow into one count, so a client polling the audit
// log or hammering a forbidden route cannot grow the log without bound: the
// first event of a window is written at once, the rest are counted and
// written as one event when the window ends. Every occurrence is counted.
type accessLog struct {
	mu   sync.Mutex
	open map[accessKey]*accessWindow
}

type accessKey struct{ typ, actor, route, consentID string }

type accessWindow struct {
	start  time.Time
	req    Request
	base   map[string]any // details shared by every event of the window
	folded int            // occurrences after the first, not yet written
}

func (s *Service) accessWindow() time.Duration {
	if s.AccessWindow > 0 {
		return s.AccessWindow
	}
	return time.Minute
}

// recordAccess writes an access event, or counts it in the open window.
// details go on the first event of a window; base on every event of it.
func (s *Service) recordAccess(ctx context.Context, typ, consentID, route string, base, details map[string]any) error {
	r := RequestFrom(ctx)
	k := accessKey{typ: typ, actor: r.Actor, route: route, consentID: consentID}
	now := s.now()
	var events []*AuditEvent
	s.access.mu.Lock()
	if s.access.open == nil {
		s.access.open = map[accessKey]*accessWindow{}
	}
	if w := s.access.open[k]; w != nil {
		if now.Sub(w.start) < s.accessWindow() {
			w.folded++
			s.access.mu.Unlock()
			return nil
		}
		if w.folded > 0 {
			events = append(events, s.foldedEvent(k, w))
		}
	}
	s.access.open[k] = &accessWindow{start: now, req: r, base: base}
	s.access.mu.Unlock()
	d := map[string]any{"route": route, "count": 1}
	for k, v := range base {
		d[k] = v
	}
	for k, v := range details {
		d[k] = v
	}
	return s.Store.Audit().AppendAuditEvents(ctx, append(events, s.event(ctx, typ, consentID, d))...)
}

// foldedEvent is the event that records a window's counted occurrences.
func (s *Service) foldedEvent(k accessKey, w *accessWindow) *AuditEvent {
	d := map[string]any{"route": k.route, "count": w.folded, "window_start": FormatTime(w.start), "folded": true}
	for k, v := range w.base {
		d[k] = v
	}
	return s.event(WithRequest(context.Background(), w.req), k.typ, k.consentID, d)
}

// FlushAccessEvents writes the counts of windows that have ended (all
// windows when final, e.g. at shutdown) and forgets them; run it
// periodically so counts reach the log even when no further access comes.
func (s *Service) FlushAccessEvents(ctx context.Context, final bool) error {
	now := s.now()
	var events []*AuditEvent
	s.access.mu.Lock()
	for k, w := range s.access.open {
		if !final && now.Sub(w.start) < s.accessWindow() {
			continue
		}
		if w.folded > 0 {
			events = append(events, s.foldedEvent(k, w))
		}
		delete(s.access.open, k)
	}
	s.access.mu.Unlock()
	if len(events) == 0 {
		return nil
	}
	return s.Store.Audit().AppendAuditEvents(ctx, events...)
}

// RecordScopeDenial audits a request refused because its key lacks scope.
func (s *Service) RecordScopeDenial(ctx context.Context, keyID, route, scope string) error {
	return s.recordAccess(ctx, EventScopeDenied, "", route, map[string]any{"key_id": keyID, "scope": scope}, nil)
}

// ListAudit returns audit events and records the read (folded per reader,
// route and consent within AccessWindow). Errors: ENOTFOUND for an unknown
// consent.
func (s *Service) ListAudit(ctx context.Context, route string, f AuditFilter) ([]*AuditEvent, error) {
	if f.ConsentID != "" {
		if _, err := s.Store.Consents().FindConsentByID(ctx, f.ConsentID); err != nil {
			return nil, err
		}
	}
	list, err := s.Store.Audit().ListAuditEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	details := map[string]any{"returned": len(list)}
	if f.Type != "" {
		details["type"] = f.Type
	}
	if f.AfterSeq > 0 {
		details["after_seq"] = f.AfterSeq
	}
	if f.Since != nil {
		details["since"] = FormatTime(*f.Since)
	}
	return list, s.recordAccess(ctx, EventAuditRead, f.ConsentID, route, nil, details)
}

// ListAuditCheckpoints returns stored checkpoints oldest first, after seq
// afterSeq, and records the read like a read of the events (folded per
// reader and route within AccessWindow): the checkpoints are the audit log's
// own record of its head.
func (s *Service) ListAuditCheckpoints(ctx context.Context, route string, afterSeq int64, limit int) ([]*AuditCheckpoint, error) {
	list, err := s.Store.Audit().ListAuditCheckpoints(ctx, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	details := map[string]any{"returned": len(list)}
	if afterSeq > 0 {
		details["after_seq"] = afterSeq
	}
	return list, s.recordAccess(ctx, EventAuditRead, "", route, nil, details)
}
