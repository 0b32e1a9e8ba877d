package api_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/app/apptest"
)

// stuckVerifier stands in for a PDF that the library takes minutes to parse
// (it ignores contexts): it blocks until released, then verifies for real.
type stuckVerifier struct {
	real    consent.PDFVerifier
	release chan struct{}
	started atomic.Int32
}

func (v *stuckVerifier) VerifyPDF(b []byte) *consent.PDFVerification {
	v.started.Add(1)
	<-v.release
	return v.real.VerifyPDF(b)
}

// TestVerifyBounds checks POST /v1/verify never burns a core: over the size
// of the largest sealed consent → 413, junk behind a PDF header → 422 without
// parsing (it took the PDF library minutes), and slow work → 503 at the
// deadline while the slot stays taken until the work really ends.
func TestVerifyBounds(t *testing.T) {
	s := apptest.New(t)
	s.Service.VerifySlots = 1 // read at the first verification
	ro := s.Key(t, consent.ScopeConsentsRead)
	pdf := want(t, s, 200, "GET", "/v1/consents/"+s.SignedConsent(t, "en")+"/pdf", s.AdminKey, nil)

	st, b := s.Do(t, "POST", "/v1/verify", ro, make([]byte, consent.MaxSealedPDFBytes+1), "Content-Type", "application/pdf")
	if code, _, _ := errorOf(t, b); st != 413 || code != consent.ETOOLARGE {
		t.Fatalf("over the cap: %d %s", st, b)
	}
	junk := make([]byte, 2<<20)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	copy(junk, "%PDF-1.4\n")
	junkWithTail := append(bytes.Clone(junk), "\nstartxref\n1000\n%%EOF\n"...)
	for name, in := range map[string][]byte{"junk": junk, "junk with a PDF tail": junkWithTail} {
		st, b := s.Do(t, "POST", "/v1/verify", ro, in, "Content-Type", "application/pdf")
		if code, _, _ := errorOf(t, b); st != 422 || code != consent.EUNPROCESSABLE {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}

	stuck := &stuckVerifier{real: s.Sealer, release: make(chan struct{})}
	s.API.Verifier = stuck
	s.Service.VerifyTimeout = 50 * time.Millisecond
	for i := range 3 {
		req, _ := http.NewRequest("POST", s.URL+"/v1/verify", bytes.NewReader(pdf))
		req.Header.Set("Authorization", "Bearer "+ro)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("request %d to a stuck verifier: %d, Retry-After %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if n := stuck.started.Load(); n != 1 {
		t.Fatalf("%d verifications started with one slot; the slot must stay taken until the work ends", n)
	}
	close(stuck.release)
	s.Service.VerifyTimeout = time.Minute
	if v := wantJSON(t, s, 200, "POST", "/v1/verify", ro, pdf); v["valid"] != true {
		t.Fatalf("after the stuck work ended: %v", v)
	}
}

// TestVerifyDoesNotBlockShutdown checks that graceful shutdown finishes
// while a verification the library cannot interrupt is still running.
func TestVerifyDoesNotBlockShutdown(t *testing.T) {
	s := apptest.New(t)
	ro := s.Key(t, consent.ScopeConsentsRead)
	pdf := want(t, s, 200, "GET", "/v1/consents/"+s.SignedConsent(t, "en")+"/pdf", s.AdminKey, nil)
	stuck := &stuckVerifier{real: s.Sealer, release: make(chan struct{})}
	defer close(stuck.release)
	s.API.Verifier = stuck
	s.Service.VerifyTimeout = 200 * time.Millisecond

	h, err := s.API.Handler()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	var wg sync.WaitGroup
	wg.Add(1)
	status := 0
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/verify", bytes.NewReader(pdf))
		req.Header.Set("Authorization", "Bearer "+ro)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
	}()
	for stuck.started.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stuck verification: %v", err)
	}
	wg.Wait()
	if status != 503 {
		t.Fatalf("the in-flight verification answered %d, want 503", status)
	}
}

// TestVerifyBoundsCoverWithdrawalCopies: a withdrawn consent's second sealed
// PDF goes through the same bounds as the signed one: its structure is checked
// before parsing (a truncated copy is 422), it waits for a slot and a deadline
// (503 with Retry-After), and once verified it says which file it is.
func TestVerifyBoundsCoverWithdrawalCopies(t *testing.T) {
	s := apptest.New(t)
	s.Service.VerifySlots = 1 // read at the first verification
	ro := s.Key(t, consent.ScopeConsentsRead)
	id := s.SignedConsent(t, "en")
	wantJSON(t, s, 200, "POST", "/v1/consents/"+id+"/withdraw", s.AdminKey, map[string]any{"reason": "Patient changed their mind"})
	copyPDF := want(t, s, 200, "GET", "/v1/consents/"+id+"/pdf/withdrawn", s.AdminKey, nil)

	st, b := s.Do(t, "POST", "/v1/verify", ro, copyPDF[:len(copyPDF)-200], "Content-Type", "application/pdf")
	if code, _, _ := errorOf(t, b); st != 422 || code != consent.EUNPROCESSABLE {
		t.Fatalf("truncated withdrawal copy: %d %s", st, b)
	}

	stuck := &stuckVerifier{real: s.Sealer, release: make(chan struct{})}
	s.API.Verifier = stuck
	s.Service.VerifyTimeout = 50 * time.Millisecond
	req, _ := http.NewRequest("POST", s.URL+"/v1/verify", bytes.NewReader(copyPDF))
	req.Header.Set("Authorization", "Bearer "+ro)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("withdrawal copy to a stuck verifier: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(stuck.release)
	s.Service.VerifyTimeout = time.Minute
	if v := wantJSON(t, s, 200, "POST", "/v1/verify", ro, copyPDF); v["valid"] != true || v["kind"] != "withdrawn" || v["withdrawn_at"] == nil {
		t.Fatalf("withdrawal copy after the stuck work ended: %v", v)
	}
}
