package pdf

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/cputime"
	"github.com/consentd/consentd/templates"
)

// ketamineOptions are the render options of the shipped-template fixtures.
func ketamineOptions(tb testing.TB) RenderOptions {
	return RenderOptions{ClinicName: "Clínica Serena · Ketamine Therapy", TimeZone: madrid(tb),
		CertSHA256: "5d41402abc4b2a76b9719d911017c592ae1f5e6d3c4b2a19f8e7d6c5b4a39281", VerifyURL: testVerifyURL(ketamineID)}
}

// ketamineID is the ID of the ketamine fixture consent.
const ketamineID = "01JDQ7Z4X8K2M5N9P3R6T1V0WY"

// ketamineConsent returns a consent signed on the shipped ketamine-iv
// template in a locale: the patient draws, the clinician types, every section
// that needs it is acknowledged.
func ketamineConsent(tb testing.TB, locale string) *consent.Consent {
	tb.Helper()
	all, err := templates.All()
	if err != nil {
		tb.Fatal(err)
	}
	var s *templates.Shipped
	for _, t := range all {
		if t.Slug == "ketamine-iv" && (s == nil || t.Version > s.Version) {
			s = t
		}
	}
	if s == nil {
		tb.Fatal("no shipped ketamine-iv template")
	}
	v := &consent.TemplateVersion{Slug: s.Slug, Version: s.Version}
	if err := v.SetContent(s.Content); err != nil {
		tb.Fatal(err)
	}
	vals := map[string]string{"clinic_name": "Clínica Serena", "clinician_name": "Dr. Иван Петров", "clinic_phone": "+48 42 000 00 00",
		"after_hours_phone": "+48 42 000 00 99", "infusion_fee": "1 800 zł"}
	if err := consent.CheckVariables(v.Variables, vals); err != nil {
		tb.Fatalf("variables for %s v%d: %v", v.Slug, v.Version, err)
	}
	vals = consent.WithDefaults(v.Variables, vals)
	md := templates.NewMarkdown()
	docs := map[string]consent.Document{}
	for _, l := range v.SortedLocales() {
		if docs[l], err = consent.RenderDocument(v, l, vals, md); err != nil {
			tb.Fatal(err)
		}
	}
	doc := docs[locale]
	ev := func(actor string) consent.Evidence {
		return consent.Evidence{Channel: consent.ChannelTablet, IP: "203.0.113.42", DeviceID: "tablet-07", Actor: actor,
			UserAgent: "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"}
	}
	id := ketamineID
	signed := at(19 * time.Minute)
	c := &consent.Consent{
		ID: id, Status: consent.StatusSigned, TemplateSlug: s.Slug, TemplateVersion: s.Version,
		TemplateSHA256: v.ContentSHA256, Locale: locale,
		Patient:   consent.Patient{ID: "MRN-004211", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: vals, Documents: docs, CreatedAt: at(-time.Hour), ExpiresAt: at(167 * time.Hour),
		CreatedBy: "apikey:01JDQ7Y0000000000000000000", SignedAt: &signed, Approval: fixtureApproval(),
	}
	for i, sec := range doc.Sections {
		if sec.RequiresAcknowledgment {
			c.Acknowledgments = append(c.Acknowledgments, consent.Acknowledgment{ConsentID: id, SectionKey: sec.Key,
				Locale: locale, At: at(time.Duration(i+2) * time.Minute), Evidence: ev("token:" + id)})
		}
	}
	c.Signatures = []consent.Signature{
		{ID: "sig1", ConsentID: id, Role: consent.RolePatient, Name: "Zoë Müller", Locale: locale,
			Meaning: doc.Meanings["patient"], SignedAt: at(15 * time.Minute),
			Mark:                       consent.Mark{Type: "drawn", Width: 600, Height: 200, Strokes: drawnStrokes()},
			ElectronicRecordsConsentAt: ptr(at(time.Minute)), Evidence: ev("token:" + id)},
		{ID: "sig2", ConsentID: id, Role: consent.RoleClinician, Name: "Иван Петров", Locale: locale,
			Meaning: doc.Meanings["clinician"], SignedAt: signed, StaffID: "STAFF-0042", IdentityVerified: true,
			Mark: consent.Mark{Type: "typed", Text: "Иван Петров"}, Evidence: ev("apikey:01JDQ7Y0000000000000000000")},
	}
	for _, a := range c.Acknowledgments {
		c.Signatures[0].Acknowledged = append(c.Signatures[0].Acknowledged, a.SectionKey)
	}
	return c
}

// ketamineEvents returns about twenty audit events for a ketamine consent.
func ketamineEvents(c *consent.Consent) []*consent.AuditEvent {
	ua := c.Signatures[0].Evidence.UserAgent
	var out []*consent.AuditEvent
	add := func(typ string, t time.Time, actor, ip, agent, device string) {
		seq := int64(200 + len(out))
		out = append(out, &consent.AuditEvent{Seq: seq, Type: typ, At: t, Actor: actor, ConsentID: c.ID, IP: ip,
			UserAgent: agent, DeviceID: device, Hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8" + itoa(int(seq)%100+10)})
	}
	tok := "token:" + c.ID
	add(consent.EventConsentCreated, c.CreatedAt, c.CreatedBy, "198.51.100.7", "consentd-client/1.0", "")
	for i := range 4 {
		add(consent.EventConsentViewed, at(time.Duration(10+i*15)*time.Second), tok, "203.0.113.42", ua, "tablet-07")
	}
	for _, a := range c.Acknowledgments {
		add(consent.EventAcknowledged, a.At, tok, "203.0.113.42", ua, "tablet-07")
	}
	for i, s := range c.Signatures {
		for j := range 3 {
			add(consent.EventConsentViewed, s.SignedAt.Add(time.Duration(j-3)*time.Minute), s.Evidence.Actor, "203.0.113.42", ua, "tablet-07")
		}
		add(consent.EventSignatureRecorded, s.SignedAt.Add(time.Duration(i)*time.Millisecond), s.Evidence.Actor, "203.0.113.42", ua, "tablet-07")
	}
	add(consent.EventConsentSigned, *c.SignedAt, "system", "", "", "")
	return out
}

func renderKetamine(tb testing.TB, locale string) []byte {
	tb.Helper()
	c := ketamineConsent(tb, locale)
	b, err := Render(c, ketamineEvents(c), ketamineOptions(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRenderKetamineDeterministic(t *testing.T) {
	for _, l := range []string{"en", "es"} {
		t.Run(l, func(t *testing.T) {
			a, b := renderKetamine(t, l), renderKetamine(t, l)
			if !bytes.Equal(a, b) {
				t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
			}
			if n := len(ketamineEvents(ketamineConsent(t, l))); n < 18 {
				t.Errorf("only %d audit events", n)
			}
			if dir := os.Getenv("PDF_OUT"); dir != "" {
				os.WriteFile(dir+"/ketamine-"+l+".pdf", a, 0o644)
			}
		})
	}
}

func BenchmarkRenderKetamine(b *testing.B) {
	for _, l := range []string{"en", "es"} {
		b.Run(l, func(b *testing.B) {
			c := ketamineConsent(b, l)
			events := ketamineEvents(c)
			opts := ketamineOptions(b)
			b.ReportAllocs()
			var size int
			cpu := cputime.Used()
			for b.Loop() {
				out, err := Render(c, events, opts)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			cputime.Report(b, cpu)
			b.ReportMetric(float64(size), "bytes/pdf")
		})
	}
}

// BenchmarkSealKetamine renders and seals the ketamine consent with its
// verification QR codes.
func BenchmarkSealKetamine(b *testing.B) {
	s, err := NewSealer(Config{DataDir: b.TempDir(), ClinicName: "Clínica Serena", TimeZone: madrid(b), VerifyURL: testVerifyURL})
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range []string{"en", "es"} {
		b.Run(l, func(b *testing.B) {
			c := ketamineConsent(b, l)
			events := ketamineEvents(c)
			ctx := b.Context()
			b.ReportAllocs()
			var size int
			cpu := cputime.Used()
			for b.Loop() {
				p, err := s.SealConsent(ctx, c, events)
				if err != nil {
					b.Fatal(err)
				}
				size = p.Info.Size
			}
			cputime.Report(b, cpu)
			b.ReportMetric(float64(size), "bytes/pdf")
		})
	}
}
