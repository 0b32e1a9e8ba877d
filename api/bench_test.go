package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentd/consentd/internal/app"
	"github.com/consentd/consentd/internal/app/apptest"
	"github.com/consentd/consentd/internal/cputime"
	"github.com/gin-gonic/gin"
)

// benchServer returns the real router on real storage (SQLite, synchronous=FULL)
// to call in-process, without a network hop, with no per-key rate limit
// (the benchmarks measure the server, not the limiter's 429s).
func benchServer(b *testing.B) (*apptest.Server, *gin.Engine) {
	s := apptest.New(b, func(c *app.Config) { c.KeyLimit = app.Limit{} })
	h, err := s.API.Handler()
	if err != nil {
		b.Fatal(err)
	}
	return s, h
}

func serve(b *testing.B, h http.Handler, method, path, key string, body []byte, want int) []byte {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

func BenchmarkCreateConsent(b *testing.B) {
	s, h := benchServer(b)
	body, _ := json.Marshal(apptest.ConsentRequest("en"))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	for i := 0; i < b.N; i++ {
		serve(b, h, "POST", "/v1/consents", s.AdminKey, body, 201)
	}
	cputime.Report(b, cpu)
}

func BenchmarkGetConsent(b *testing.B) {
	s, h := benchServer(b)
	id := s.CreateConsent(b, "en")["id"].(string)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	for i := 0; i < b.N; i++ {
		serve(b, h, "GET", "/v1/consents/"+id, s.AdminKey, nil, 200)
	}
	cputime.Report(b, cpu)
}

// BenchmarkGetConsentParallel measures audited reads from many clients: each
// read's audit event is committed durably, grouped with concurrent ones.
func BenchmarkGetConsentParallel(b *testing.B) { benchReadsParallel(b, "") }

// benchReadsParallel reads one consent from 16 clients (query appended to the path).
func benchReadsParallel(b *testing.B, query string) {
	s, h := benchServer(b)
	id := s.CreateConsent(b, "en")["id"].(string)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	cpu := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, h, "GET", "/v1/consents/"+id+query, s.AdminKey, nil, 200)
		}
	})
	cputime.Report(b, cpu)
}

// BenchmarkSignConsent measures the whole signing of a consent through the
// handler: patient signature, then the clinician's countersignature that
// renders, seals and stores the PDF with synchronous=FULL.
func BenchmarkSignConsent(b *testing.B) {
	s, h := benchServer(b)
	create, _ := json.Marshal(apptest.ConsentRequest("en"))
	var acks []string
	clin, _ := json.Marshal(apptest.ClinicianSignature())
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var c map[string]any
		json.Unmarshal(serve(b, h, "POST", "/v1/consents", s.AdminKey, create, 201), &c)
		if acks == nil {
			acks = apptest.Acknowledged(b, c)
		}
		pat, _ := json.Marshal(apptest.PatientSignature(acks))
		id := c["id"].(string)
		b.StartTimer()
		serve(b, h, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, pat, 201)
		serve(b, h, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin, 201)
	}
	cputime.Report(b, cpu)
}

// BenchmarkSignConsentParallel creates and fully signs consents from many
// clients at once: one op is create + patient signature + clinician
// countersignature (render, seal, store) with synchronous=FULL.
func BenchmarkSignConsentParallel(b *testing.B) {
	s, h := benchServer(b)
	create, _ := json.Marshal(apptest.ConsentRequest("en"))
	acks := apptest.Acknowledged(b, s.CreateConsent(b, "en"))
	pat, _ := json.Marshal(apptest.PatientSignature(acks))
	clin, _ := json.Marshal(apptest.ClinicianSignature())
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	cpu := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var c map[string]any
			json.Unmarshal(serve(b, h, "POST", "/v1/consents", s.AdminKey, create, 201), &c)
			id := c["id"].(string)
			serve(b, h, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, pat, 201)
			serve(b, h, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, clin, 201)
		}
	})
	cputime.Report(b, cpu)
}

// BenchmarkGetConsentSummaryParallel is BenchmarkGetConsentParallel in the
// lean view (?view=summary): the same audited read without the frozen text.
func BenchmarkGetConsentSummaryParallel(b *testing.B) { benchReadsParallel(b, "?view=summary") }

// BenchmarkListConsentSummaryParallel lists a page of the default size (50
// consents, a fifth of them signed) in the summary view from 16 clients:
// each list's 50 audit events are committed durably, grouped with
// concurrent ones, before the answer.
func BenchmarkListConsentSummaryParallel(b *testing.B) { benchListsParallel(b, "?view=summary") }

// BenchmarkListConsentParallel is BenchmarkListConsentSummaryParallel in the
// full view (every consent's frozen documents, drawings and parts).
func BenchmarkListConsentParallel(b *testing.B) { benchListsParallel(b, "") }

// benchListsParallel lists 50 consents from 16 clients (query appended to the path).
func benchListsParallel(b *testing.B, query string) {
	s, h := benchServer(b)
	for i := 0; i < 50; i++ {
		if i%5 == 0 {
			s.SignedConsent(b, "en")
		} else {
			s.CreateConsent(b, "en")
		}
	}
	var l struct{ Data []json.RawMessage }
	if err := json.Unmarshal(serve(b, h, "GET", "/v1/consents"+query, s.AdminKey, nil, 200), &l); err != nil || len(l.Data) != 50 {
		b.Fatalf("the list has %d consents (%v), want 50", len(l.Data), err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	cpu := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, h, "GET", "/v1/consents"+query, s.AdminKey, nil, 200)
		}
	})
	cputime.Report(b, cpu)
}
