package consent

import (
	"context"
	"maps"
)

// Audit events for access that changes nothing but must be on record.
const (
	// EventAuditRead records a read of the audit log itself.
	EventAuditRead = "audit.read"
	// EventScopeDenied records a request refused (403) because its API key
	// lacks a scope.
	EventScopeDenied = "auth.forbidden"
)

// accessKey folds access events of one type by one actor on one route (and
// consent), so a client polling the audit log or hammering a forbidden route
// cannot grow the log without bound (see EventFolder).
func accessKey(_ context.Context, e *AuditEvent) string {
	route, _ := e.Details["route"].(string)
	return e.Type + "|" + e.Actor + "|" + route + "|" + e.ConsentID
}

// recordAccess writes an access event, or counts it in its open window.
// details go on the first event of a window; base on every event of it.
func (s *Service) recordAccess(ctx context.Context, typ, consentID, route string, base, details map[string]any) error {
	d := map[string]any{"route": route}
	maps.Copy(d, base)
	maps.Copy(d, details)
	return s.accessLog().Record(ctx, s.event(ctx, typ, consentID, d))
}

// FlushAccessEvents writes the counts of windows that have ended (all
// windows when final, e.g. at shutdown) and forgets them; run it
// periodically so counts reach the log even when no further access comes.
func (s *Service) FlushAccessEvents(ctx context.Context, final bool) error {
	if final {
		return s.accessLog().Flush(ctx, s.now())
	}
	return s.accessLog().FlushEnded(ctx, s.now())
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
