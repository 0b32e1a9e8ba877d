package pdf

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

func newTestSealer(tb testing.TB, dir string) *Sealer {
	tb.Helper()
	s, err := NewSealer(Config{DataDir: dir, ClinicName: "Clínica Serena", TimeZone: madrid(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func sealFixture(tb testing.TB, s *Sealer, locale string) *consent.SealedPDF {
	tb.Helper()
	c := fixtureConsent(tb, locale)
	p, err := s.SealConsent(context.Background(), c, fixtureEvents(c))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestSealAndVerify(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	for _, locale := range []string{"en", "es"} {
		t.Run(locale, func(t *testing.T) {
			p := sealFixture(t, s, locale)
			c := fixtureConsent(t, locale)
			want := &Verification{Valid: true, ConsentID: c.ID, ContentSHA256: c.Document().ContentSHA256,
				SignedAt: *c.SignedAt, Signers: []string{"Zoë Müller (patient)", "Иван Петров (clinician)", "Amélie Dubois (witness)"},
				CertSHA256: s.CertSHA256(), FileSHA256: p.Info.SHA256}
			if diff := cmp.Diff(want, s.Verify(p.Bytes)); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
			wantInfo := consent.PDFInfo{SHA256: p.Info.SHA256, Size: len(p.Bytes), CreatedAt: *c.SignedAt, CertSHA256: s.CertSHA256()}
			if diff := cmp.Diff(wantInfo, p.Info); diff != "" || p.ConsentID != c.ID {
				t.Errorf("PDFInfo (-want +got):\n%s", diff)
			}
		})
	}
}

// flipInStream changes one byte inside the first content stream, which lies in the signed range.
func flipInStream(tb testing.TB, b []byte) []byte {
	tb.Helper()
	out := bytes.Clone(b)
	i := bytes.Index(out, []byte("stream\n"))
	if i < 0 {
		tb.Fatal("no stream in PDF")
	}
	out[i+30] ^= 0x01
	return out
}

func TestVerifyRejects(t *testing.T) {
	dir := t.TempDir()
	s := newTestSealer(t, dir)
	p := sealFixture(t, s, "en")
	other := sealFixture(t, newTestSealer(t, t.TempDir()), "en")
	c := fixtureConsent(t, "en")
	unsigned, err := Render(c, nil, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		in     []byte
		reason string
	}{
		{"byte flipped in signed range", flipInStream(t, p.Bytes), ReasonTampered},
		{"signed date edited", bytes.Replace(p.Bytes, []byte("/CreationDate (D:20261125"), []byte("/CreationDate (D:20261126"), 1), ReasonTampered},
		{"bytes appended after seal", append(bytes.Clone(p.Bytes), "\n% appended\n"...), ReasonTampered},
		{"truncated", p.Bytes[:len(p.Bytes)*2/3], ReasonNotPDF},
		{"not a PDF", []byte("GIF89a not a pdf at all"), ReasonNotPDF},
		{"empty", nil, ReasonNotPDF},
		{"unsigned PDF", unsigned, ReasonNoSignature},
		{"sealed by an unknown CA", other.Bytes, ReasonUnknownIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bytes.Equal(tt.in, p.Bytes) {
				t.Fatal("test input equals the sealed file")
			}
			v := s.Verify(tt.in)
			if v.Valid || v.Reason != tt.reason {
				t.Errorf("Verify = valid %v reason %q, want invalid %q", v.Valid, v.Reason, tt.reason)
			}
			if v.ConsentID != "" || v.Signers != nil {
				t.Errorf("invalid file reported metadata: %+v", v)
			}
		})
	}
}

func TestSealConsentRejects(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	unsigned := fixtureConsent(t, "en")
	unsigned.Signatures = nil
	noDoc := fixtureConsent(t, "fr")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		c    *consent.Consent
		code string
	}{
		{"nil consent", context.Background(), nil, consent.EINVALID},
		{"no signatures", context.Background(), unsigned, consent.EINVALID},
		{"no document in the locale", context.Background(), noDoc, consent.EINVALID},
		{"cancelled", ctx, fixtureConsent(t, "en"), consent.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.SealConsent(tt.ctx, tt.c, nil)
			if err == nil || p != nil || consent.ErrorCode(err) != tt.code {
				t.Errorf("SealConsent = %v, %v; want code %s", p, err, tt.code)
			}
		})
	}
}

func TestSealConsentConcurrent(t *testing.T) {
	s := newTestSealer(t, t.TempDir())
	var wg sync.WaitGroup
	results := make([]*consent.SealedPDF, 6)
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := fixtureConsent(t, []string{"en", "es"}[i%2])
			c.ID = "01JDQ7Z4X8K2M5N9P3R6T1V0W" + string(rune('A'+i))
			results[i], errs[i] = s.SealConsent(context.Background(), c, fixtureEvents(c))
		}()
	}
	wg.Wait()
	for i, p := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if v := s.Verify(p.Bytes); !v.Valid || v.ConsentID != p.ConsentID {
			t.Errorf("document %d: %+v", i, v)
		}
	}
}

func TestSealConsentUsesTSA(t *testing.T) {
	hits := 0
	tsa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Error(w, "no time today", http.StatusServiceUnavailable)
	}))
	defer tsa.Close()
	s, err := NewSealer(Config{DataDir: t.TempDir(), TSAURL: tsa.URL})
	must(t, err)
	c := fixtureConsent(t, "en")
	if p, err := s.SealConsent(context.Background(), c, nil); err == nil || p != nil {
		t.Errorf("SealConsent with a failing TSA = %v, %v; want an error", p, err)
	}
	if hits == 0 {
		t.Error("the TSA was not asked for a time-stamp")
	}
}
