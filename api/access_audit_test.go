package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// eventsOf reads events of a type straight from storage (reading them through
// the API would itself be audited).
func eventsOf(t *testing.T, s *apptest.Server, typ string) []*consent.AuditEvent {
	t.Helper()
	list, err := s.DB.ListAuditEvents(context.Background(), consent.AuditFilter{Type: typ, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// countOf sums the count detail of events (JSON numbers may be int or float64).
func countOf(t *testing.T, events []*consent.AuditEvent) int {
	t.Helper()
	n := 0
	for _, e := range events {
		switch c := e.Details["count"].(type) {
		case int:
			n += c
		case float64:
			n += int(c)
		default:
			t.Fatalf("event %d without a count: %v", e.Seq, e.Details)
		}
	}
	return n
}

// TestAuditReadsAreAudited checks reading the audit log leaves a record of
// who read what, and that a poller cannot flood the log: reads within a
// window fold into one counted event.
func TestAuditReadsAreAudited(t *testing.T) {
	s := apptest.New(t)
	id := s.CreateConsent(t, "en")["id"].(string)
	k, err := s.Service.CreateAPIKey(context.Background(), "siem", []string{consent.ScopeAuditRead})
	if err != nil {
		t.Fatal(err)
	}
	want(t, s, 200, "GET", "/v1/audit?type=consent.created", k.Secret, nil)
	want(t, s, 200, "GET", "/v1/consents/"+id+"/audit", k.Secret, nil)
	reads := eventsOf(t, s, consent.EventAuditRead)
	if len(reads) != 2 {
		t.Fatalf("%d audit.read events after two reads", len(reads))
	}
	if r := reads[0]; r.Actor != "apikey:"+k.Key.ID || r.Details["route"] != "/v1/audit" || r.Details["type"] != "consent.created" {
		t.Errorf("audit read: %+v", r)
	}
	if r := reads[1]; r.ConsentID != id || r.Details["route"] != "/v1/consents/:id/audit" {
		t.Errorf("consent audit read: %+v", r)
	}

	for range 40 {
		want(t, s, 200, "GET", "/v1/audit?limit=1", k.Secret, nil)
	}
	if n := len(eventsOf(t, s, consent.EventAuditRead)); n != 2 {
		t.Fatalf("40 more reads in one window wrote %d more events", n-2)
	}
	s.Clock.Advance(2 * time.Minute)
	if err := s.Service.FlushAccessEvents(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	reads = eventsOf(t, s, consent.EventAuditRead)
	if len(reads) != 3 || countOf(t, reads) != 42 {
		t.Fatalf("after the window: %d events counting %d reads, want 3 events counting 42", len(reads), countOf(t, reads))
	}
}

// TestAuditCheckpointReadsAreAudited: the signed checkpoints are part of the
// audit log, so reading them is on record like reading the events, folded
// per reader and window the same way.
func TestAuditCheckpointReadsAreAudited(t *testing.T) {
	s := apptest.New(t)
	s.CreateConsent(t, "en")
	if _, err := s.Service.WriteCheckpoint(context.Background(), consent.CheckpointPolicy{Events: 1}); err != nil {
		t.Fatal(err)
	}
	k, err := s.Service.CreateAPIKey(context.Background(), "ehr", []string{consent.ScopeAuditRead})
	if err != nil {
		t.Fatal(err)
	}
	want(t, s, 200, "GET", "/v1/audit/checkpoints?cursor=0", k.Secret, nil)
	reads := eventsOf(t, s, consent.EventAuditRead)
	if len(reads) != 1 {
		t.Fatalf("%d audit.read events after reading the checkpoints", len(reads))
	}
	if r := reads[0]; r.Actor != "apikey:"+k.Key.ID || r.Details["route"] != "/v1/audit/checkpoints" || r.ConsentID != "" ||
		r.Details["returned"] != float64(1) && r.Details["returned"] != 1 {
		t.Errorf("checkpoint read: %+v", r)
	}
	for range 30 {
		want(t, s, 200, "GET", "/v1/audit/checkpoints", k.Secret, nil)
	}
	if n := len(eventsOf(t, s, consent.EventAuditRead)); n != 1 {
		t.Fatalf("30 more reads in one window wrote %d more events", n-1)
	}
	s.Clock.Advance(2 * time.Minute)
	if err := s.Service.FlushAccessEvents(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if reads = eventsOf(t, s, consent.EventAuditRead); len(reads) != 2 || countOf(t, reads) != 31 {
		t.Fatalf("after the window: %d events counting %d reads, want 2 counting 31", len(reads), countOf(t, reads))
	}
}

// TestScopeDenialsAreAudited checks a 403 for a missing scope is on record
// with the key, route and scope, and that a flood of them is folded into
// counted events per key, route and window.
func TestScopeDenialsAreAudited(t *testing.T) {
	s := apptest.New(t)
	k, err := s.Service.CreateAPIKey(context.Background(), "templates only", []string{consent.ScopeTemplatesRead})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		wantError(t, s, 403, "", "POST", "/v1/consents", k.Secret, apptest.ConsentRequest("en"))
	}
	wantError(t, s, 403, "", "GET", "/v1/audit", k.Secret, nil)
	denials := eventsOf(t, s, consent.EventScopeDenied)
	if len(denials) != 2 {
		t.Fatalf("51 denials on two routes wrote %d events, want 2", len(denials))
	}
	d := denials[0]
	if d.Actor != "apikey:"+k.Key.ID || d.Details["key_id"] != k.Key.ID || d.Details["route"] != "/v1/consents" ||
		d.Details["scope"] != consent.ScopeConsentsWrite || d.IP == "" {
		t.Errorf("denial event: %+v", d)
	}
	s.Clock.Advance(2 * time.Minute)
	wantError(t, s, 403, "", "POST", "/v1/consents", k.Secret, apptest.ConsentRequest("en"))
	if err := s.Service.FlushAccessEvents(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	denials = eventsOf(t, s, consent.EventScopeDenied)
	if len(denials) != 4 || countOf(t, denials) != 52 {
		t.Fatalf("%d events counting %d denials, want 4 counting 52", len(denials), countOf(t, denials))
	}
}
