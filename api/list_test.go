package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/google/go-cmp/cmp"
)

func createFor(t *testing.T, s *apptest.Server, patientID string) string {
	t.Helper()
	body := apptest.ConsentRequest("en")
	body["patient"].(map[string]any)["id"] = patientID
	s.Clock.Advance(time.Millisecond) // distinct created_at, so "newest first" is one order
	return wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, body)["id"].(string)
}

// listIDs pages through GET path with the given limit and returns the IDs in order.
func listIDs(t *testing.T, s *apptest.Server, path string, limit int, between func()) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		q := url.Values{"limit": {itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		sep := "?"
		if strings.HasSuffix(path, "?") {
			sep = ""
		} else if strings.Contains(path, "?") {
			sep = "&"
		}
		m := wantJSON(t, s, 200, "GET", path+sep+q.Encode(), s.AdminKey, nil)
		data := m["data"].([]any)
		if len(data) > limit {
			t.Fatalf("page of %d with limit %d", len(data), limit)
		}
		for _, e := range data {
			e := e.(map[string]any)
			if id, ok := e["id"].(string); ok {
				ids = append(ids, id)
			} else {
				ids = append(ids, itoa(int(e["seq"].(float64))))
			}
		}
		cursor, _ = m["next_cursor"].(string)
		if cursor == "" {
			return ids
		}
		if page > 50 {
			t.Fatal("paging does not end")
		}
		if between != nil {
			between()
		}
	}
}

func TestListConsentsPaging(t *testing.T) {
	s := apptest.New(t)
	var created []string
	for i := 0; i < 7; i++ {
		created = append(created, createFor(t, s, "MRN-P"))
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)
	if diff := cmp.Diff(newestFirst, listIDs(t, s, "/v1/consents", 3, nil)); diff != "" {
		t.Fatalf("paging with limit 3 (-want +got):\n%s", diff)
	}
	// Consents created while paging are newer than the cursor: no repeats, no gaps.
	var late []string
	got := listIDs(t, s, "/v1/consents?patient_id=MRN-P", 3, func() { late = append(late, createFor(t, s, "MRN-P")) })
	if diff := cmp.Diff(newestFirst, got); diff != "" {
		t.Fatalf("paging under inserts (-want +got):\n%s", diff)
	}
	if len(late) != 2 || len(listIDs(t, s, "/v1/consents?patient_id=MRN-P", 200, nil)) != 9 {
		t.Fatalf("late inserts %d", len(late))
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=-1", "limit=abc"} {
		wantError(t, s, 400, "limit", "GET", "/v1/consents?"+q, s.AdminKey, nil)
	}
	for _, q := range []string{"cursor=garbage", "cursor=e30", "cursor=" + url.QueryEscape("!!")} {
		wantError(t, s, 400, "cursor", "GET", "/v1/consents?"+q, s.AdminKey, nil)
	}
	wantError(t, s, 400, "status", "GET", "/v1/consents?status=finished", s.AdminKey, nil)
	if n := len(wantJSON(t, s, 200, "GET", "/v1/consents?limit=200", s.AdminKey, nil)["data"].([]any)); n != 9 {
		t.Fatalf("limit=200 lists %d", n)
	}
	wantError(t, s, 403, "", "GET", "/v1/consents", s.Key(t, "consents:write"), nil)
}

func TestListConsentsFilters(t *testing.T) {
	s := apptest.New(t)
	want(t, s, 201, "POST", "/v1/templates", s.AdminKey, map[string]any{"slug": "list-test", "title": "L"})
	want(t, s, 201, "POST", "/v1/templates/list-test/versions", s.AdminKey, templateContent())
	want(t, s, 200, "POST", "/v1/templates/list-test/versions/1/publish", s.AdminKey, apptest.Approval())

	a1, a2 := createFor(t, s, "MRN-A"), createFor(t, s, "MRN-A")
	b1 := createFor(t, s, "MRN-B")
	s.Clock.Advance(time.Millisecond)
	other := wantJSON(t, s, 201, "POST", "/v1/consents", s.AdminKey, consentFor("list-test", 0))["id"].(string) // patient MRN-77
	want(t, s, 200, "POST", "/v1/consents/"+a1+"/decline", s.AdminKey, map[string]any{"reason": "no"})
	signed := s.SignedConsent(t, "en") // patient MRN-1001

	tests := []struct {
		query string
		want  []string
	}{
		{"patient_id=MRN-A", []string{a2, a1}},
		{"patient_id=MRN-B", []string{b1}},
		{"patient_id=MRN-NONE", nil},
		{"patient_id=MRN", nil}, // exact, not a prefix
		{"status=declined", []string{a1}},
		{"status=signed", []string{signed}},
		{"status=pending", []string{other, b1, a2}},
		{"status=pending&patient_id=MRN-A", []string{a2}},
		{"template=list-test", []string{other}},
		{"template=ketamine-iv&status=pending", []string{b1, a2}},
		{"template=nope", nil},
		{"", []string{signed, other, b1, a2, a1}},
	}
	for _, tt := range tests {
		name := tt.query
		if name == "" {
			name = "no filter"
		}
		t.Run(name, func(t *testing.T) {
			got := listIDs(t, s, "/v1/consents?"+tt.query, 2, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestListAudit(t *testing.T) {
	s := apptest.New(t)
	c := s.CreateConsent(t, "en")
	id := c["id"].(string)
	s.Clock.Advance(time.Minute)
	since := s.Clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	signPatient(t, s, c)
	want(t, s, 201, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, apptest.ClinicianSignature())
	s.CreateConsent(t, "es")

	all := wantJSON(t, s, 200, "GET", "/v1/audit?limit=200", s.AdminKey, nil)["data"].([]any)
	var seqs []string
	prevHash := ""
	for i, e := range all {
		e := e.(map[string]any)
		seqs = append(seqs, itoa(int(e["seq"].(float64))))
		if i > 0 && e["prev_hash"] != prevHash {
			t.Fatalf("seq %v: prev_hash %v, previous hash %v", e["seq"], e["prev_hash"], prevHash)
		}
		if !sha256Hex.MatchString(e["hash"].(string)) {
			t.Fatalf("hash %v", e["hash"])
		}
		prevHash = e["hash"].(string)
	}
	// The first read above is itself audited (one audit.read event after the
	// events it returned); the paged reads fold into that event's window.
	paged := listIDs(t, s, "/v1/audit", 4, nil)
	if len(paged) != len(seqs)+1 {
		t.Fatalf("paging found %d events, want the %d read before plus its audit.read", len(paged), len(seqs))
	}
	if diff := cmp.Diff(seqs, paged[:len(seqs)]); diff != "" {
		t.Fatalf("cursor paging of /v1/audit (-all +paged):\n%s", diff)
	}
	for i := 1; i < len(seqs); i++ {
		if len(seqs[i]) < len(seqs[i-1]) || (len(seqs[i]) == len(seqs[i-1]) && seqs[i] <= seqs[i-1]) {
			t.Fatalf("seq order %v", seqs)
		}
	}

	created := wantJSON(t, s, 200, "GET", "/v1/audit?type=consent.created", s.AdminKey, nil)["data"].([]any)
	if len(created) != 2 {
		t.Fatalf("%d consent.created events, want 2", len(created))
	}
	recent := wantJSON(t, s, 200, "GET", "/v1/audit?limit=200&since="+url.QueryEscape(since), s.AdminKey, nil)["data"].([]any)
	for _, e := range recent {
		e := e.(map[string]any)
		if e["at"].(string) < since {
			t.Fatalf("since=%s returned an event at %v", since, e["at"])
		}
		if e["type"] == "consent.created" && e["consent_id"] == id {
			t.Fatal("since returned the first consent's creation")
		}
	}
	if len(recent) == 0 || len(recent) >= len(all) {
		t.Fatalf("since kept %d of %d events", len(recent), len(all))
	}
	signedEvents := wantJSON(t, s, 200, "GET", "/v1/consents/"+id+"/audit?type=consent.signed", s.AdminKey, nil)["data"].([]any)
	if len(signedEvents) != 1 {
		t.Fatalf("%d consent.signed events for the consent", len(signedEvents))
	}
	var perConsent []string
	for _, e := range auditEvents(t, s, id) {
		if e["consent_id"] != id {
			t.Fatalf("consent audit lists an event of %v", e["consent_id"])
		}
		perConsent = append(perConsent, itoa(int(e["seq"].(float64))))
	}
	if diff := cmp.Diff(perConsent, listIDs(t, s, "/v1/consents/"+id+"/audit", 2, nil)); diff != "" {
		t.Fatalf("cursor paging of a consent's audit (-all +paged):\n%s", diff)
	}
	for _, q := range []string{"since=yesterday", "since=2026-13-01T00:00:00Z", "cursor=-1", "cursor=x", "limit=0", "limit=201"} {
		b := want(t, s, 400, "GET", "/v1/audit?"+q, s.AdminKey, nil)
		if code, _, _ := errorOf(t, b); code != "invalid" {
			t.Fatalf("%s: %s", q, b)
		}
	}
	wantError(t, s, 404, "", "GET", "/v1/consents/nope/audit", s.AdminKey, nil)
	wantError(t, s, 403, "", "GET", "/v1/audit", s.Key(t, "consents:read", "consents:write"), nil)
	want(t, s, 200, "GET", "/v1/audit", s.Key(t, "audit:read"), nil)
}
