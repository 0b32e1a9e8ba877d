package consent

import (
	"strings"
	"testing"
	"time"
)

// benchConsent is about the size of a real ketamine consent: two locales of
// twelve sections, each with its Markdown and HTML.
func benchConsent() *Consent {
	c := testConsent("01JBENCHCONSENT0000000000", "1980-04-02")
	c.Documents = map[string]Document{}
	for _, l := range []string{"en", "es"} {
		d := Document{Locale: l, Title: "Intravenous ketamine", Disclosure: strings.Repeat("Electronic records. ", 40),
			Meanings: map[string]string{"patient": "I have read and understood.", "clinician": "I explained."}, ContentSHA256: strings.Repeat("ab", 32)}
		for i := range 12 {
			body := strings.Repeat("Ketamine can cause dissociation, nausea and raised blood pressure. ", 25)
			d.Sections = append(d.Sections, DocumentSection{Key: "s" + itoa(int64(i)), Kind: "other", Heading: "Section",
				Body: body, BodyHTML: "<p>" + body + "</p>", RequiresAcknowledgment: i%3 == 0})
		}
		c.Documents[l] = d
	}
	c.Variables = map[string]string{"clinic_name": "Calm Waters", "clinician_name": "Dr. Ana Ruiz"}
	return c
}

func benchSignature() *Signature {
	s := &Signature{ID: "01JBENCHSIG", ConsentID: "01JBENCHCONSENT", Role: RolePatient, Name: "Zoë Müller", SignedAt: time.Now(),
		Mark: Mark{Type: "drawn", Width: 600, Height: 200}}
	for i := range 8 {
		var st []Point
		for j := range 60 {
			st = append(st, Point{X: float64(i*60+j) / 3, Y: float64(j%40) * 1.25, T: int64(i*1000 + j*16)})
		}
		s.Mark.Strokes = append(s.Mark.Strokes, st)
	}
	return s
}

func BenchmarkRowDigestConsent(b *testing.B) {
	c := benchConsent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RowDigest(rowKey, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRowDigestSignature(b *testing.B) {
	s := benchSignature()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RowDigest(rowKey, s); err != nil {
			b.Fatal(err)
		}
	}
}
