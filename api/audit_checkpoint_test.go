package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/webhook"
)

// checkpoint writes a checkpoint with the given policy and fails unless the
// answer is as expected (nil: none due).
func checkpoint(t *testing.T, s *apptest.Server, p consent.CheckpointPolicy, wantOne bool) *consent.AuditCheckpoint {
	t.Helper()
	cp, err := s.Service.WriteCheckpoint(t.Context(), p)
	if err != nil || (cp != nil) != wantOne {
		t.Fatalf("WriteCheckpoint(%+v) = %+v, %v; want one written: %v", p, cp, err, wantOne)
	}
	return cp
}

// TestAuditCheckpointsAreServedAndSent writes checkpoints by count and by
// time, serves them page by page to audit:read keys only, delivers each as an
// audit.checkpoint webhook, and checks that what an EHR receives verifies
// against the chain.
func TestAuditCheckpointsAreServedAndSent(t *testing.T) {
	s := apptest.New(t, func(c *app.Config) { c.WebhookAllowNets = "127.0.0.0/8" })
	rcv := newReceiver(t)
	hook := wantJSON(t, s, 201, "POST", "/v1/webhooks", s.AdminKey, map[string]any{"url": rcv.URL, "events": []string{"audit.checkpoint"}})

	// By count: due once 5 events were added since the last checkpoint (none yet).
	byCount := consent.CheckpointPolicy{Events: 5}
	first := checkpoint(t, s, byCount, true)
	checkpoint(t, s, byCount, false) // nothing new
	s.CreateConsent(t, "en")         // one event: not yet five
	checkpoint(t, s, byCount, false)
	s.SignedConsent(t, "en")
	second := checkpoint(t, s, byCount, true)
	// By time: due once the interval has passed and events were added.
	byTime := consent.CheckpointPolicy{Interval: time.Hour}
	s.CreateConsent(t, "es")
	checkpoint(t, s, byTime, false)
	s.Clock.Advance(61 * time.Minute)
	third := checkpoint(t, s, byTime, true)
	checkpoint(t, s, consent.CheckpointPolicy{Events: 1, Interval: time.Second}, false)

	reader := s.Key(t, consent.ScopeAuditRead)
	page := wantJSON(t, s, 200, "GET", "/v1/audit/checkpoints?limit=2", reader, nil)
	if page["next_cursor"] != strconv.FormatInt(second.Seq, 10) || len(page["data"].([]any)) != 2 {
		t.Fatalf("first page: %v", page)
	}
	rest := wantJSON(t, s, 200, "GET", "/v1/audit/checkpoints?limit=2&cursor="+page["next_cursor"].(string), reader, nil)
	if _, more := rest["next_cursor"]; more || len(rest["data"].([]any)) != 1 {
		t.Fatalf("second page: %v", rest)
	}
	wantError(t, s, 403, "", "GET", "/v1/audit/checkpoints", s.Key(t, consent.ScopeConsentsRead), nil)
	wantError(t, s, 400, "cursor", "GET", "/v1/audit/checkpoints?cursor=x", reader, nil)

	// The pages, as served, are a checkpoints file.
	served, err := consent.ReadCheckpoints(bytes.NewReader(append(want(t, s, 200, "GET", "/v1/audit/checkpoints?limit=2", reader, nil),
		want(t, s, 200, "GET", "/v1/audit/checkpoints?limit=2&cursor="+page["next_cursor"].(string), reader, nil)...)))
	if err != nil || len(served) != 3 {
		t.Fatalf("served checkpoints: %d, %v", len(served), err)
	}
	for i, want := range []*consent.AuditCheckpoint{first, second, third} {
		got := served[i]
		if got.Seq != want.Seq || got.Hash != want.Hash || !got.At.Equal(want.At) || !bytes.Equal(got.Signature.Value, want.Signature.Value) {
			t.Errorf("checkpoint %d served as %+v, want %+v", i, got, want)
		}
		if err := s.Sealer.VerifyCheckpoint(got.SignedBytes(), got.Signature); err != nil {
			t.Errorf("checkpoint %d does not verify: %v", i, err)
		}
		evs, err := s.DB.ListAuditEvents(t.Context(), consent.AuditFilter{AfterSeq: got.Seq - 1, Limit: 1})
		if err != nil || len(evs) != 1 || evs[0].Hash != got.Hash {
			t.Errorf("checkpoint %d names seq %d hash %s; the chain has %+v, %v", i, got.Seq, got.Hash, evs, err)
		}
	}

	// Each checkpoint goes out as a signed webhook; the bodies, kept one per
	// line as an EHR might, are a checkpoints file too.
	// At most two deliveries to one endpoint run at a time: two rounds.
	d, delivered := dispatcher(s), 0
	for range 2 {
		n, err := d.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		delivered += n
	}
	if delivered != 3 {
		t.Fatalf("delivered %d; want 3", delivered)
	}
	var log bytes.Buffer
	for _, r := range rcv.received() {
		if err := webhook.Verify(hook["secret"].(string), r.header.Get("Consentd-Signature"), r.body, s.Clock.Now(), 5*time.Minute); err != nil {
			t.Fatalf("webhook signature: %v", err)
		}
		var ev map[string]any
		if err := json.Unmarshal(r.body, &ev); err != nil || ev["type"] != consent.EventAuditCheckpoint {
			t.Fatalf("webhook body %s", r.body)
		}
		log.Write(append(r.body, '\n'))
	}
	sent, err := consent.ReadCheckpoints(&log)
	slices.SortFunc(sent, func(a, b *consent.AuditCheckpoint) int { return int(a.Seq - b.Seq) }) // delivered in any order
	if err != nil || len(sent) != 3 || sent[2].Seq != third.Seq || sent[2].Hash != third.Hash {
		t.Fatalf("checkpoints from webhooks: %+v, %v", sent, err)
	}
	report, err := s.Service.VerifyAuditIntegrity(t.Context(), sent, "webhooks")
	if err != nil || !report.Intact() || report.Checkpoints != 6 {
		t.Fatalf("integrity with 3 stored and 3 sent checkpoints: %+v, %v", report, err)
	}
}
