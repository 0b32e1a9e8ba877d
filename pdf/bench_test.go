package pdf

import (
	"context"
	"testing"
)

func BenchmarkRender(b *testing.B) {
	c := fixtureConsent(b, "en")
	events := fixtureEvents(c)
	opts := RenderOptions{ClinicName: "Clínica Serena", TimeZone: madrid(b), CertSHA256: "5d41402abc4b2a76b9719d911017c592ae1f5e6d3c4b2a19f8e7d6c5b4a39281"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(c, events, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeal(b *testing.B) {
	s := newTestSealer(b, b.TempDir())
	c := fixtureConsent(b, "en")
	unsigned, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena", CertSHA256: s.CertSHA256()})
	if err != nil {
		b.Fatal(err)
	}
	at := signedAt(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.seal(unsigned, c.ID, at); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderAndSeal(b *testing.B) {
	s := newTestSealer(b, b.TempDir())
	c := fixtureConsent(b, "en")
	events := fixtureEvents(c)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SealConsent(ctx, c, events); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newTestSealer(b, b.TempDir())
	p := sealFixture(b, s, "en")
	b.ReportAllocs()
	for b.Loop() {
		if v := s.Verify(p.Bytes); !v.Valid {
			b.Fatal(v.Reason)
		}
	}
}

// BenchmarkSealCJK renders and seals the ketamine consent for a patient with
// a Chinese, a Japanese and a Korean name part (budget: 40 ms).
func BenchmarkSealCJK(b *testing.B) {
	s := newTestSealer(b, b.TempDir())
	c := ketamineConsent(b, "en")
	c.Patient.GivenName, c.Patient.FamilyName = "小明 さくら", "王 김민준"
	c.Signatures[0].Name = c.Patient.GivenName + " " + c.Patient.FamilyName
	events := ketamineEvents(c)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SealConsent(ctx, c, events); err != nil {
			b.Fatal(err)
		}
	}
}
