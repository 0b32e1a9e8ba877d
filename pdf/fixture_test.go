package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// fixtureTime is the pinned time every fixture timestamp derives from.
var fixtureTime = time.Date(2026, 11, 25, 9, 44, 0, 123e6, time.UTC)

func at(d time.Duration) time.Time { return fixtureTime.Add(d) }

func ptr[T any](v T) *T { return &v }

// fixtureDocuments returns a ketamine-like consent document in English and Spanish.
func fixtureDocuments() map[string]consent.Document {
	en := consent.Document{
		Locale: "en",
		Title:  "Consent to Intravenous Ketamine Treatment",
		Sections: []consent.DocumentSection{
			{Key: "purpose", Kind: "text", Heading: "Purpose of treatment",
				Body: "You are being offered **intravenous (IV) ketamine** for treatment-resistant depression.\nThe plan is *six infusions* over two to three weeks.\n\nKetamine is used \\*off-label\\* for this purpose; it is approved as an anaesthetic."},
			{Key: "risks", Kind: "risks", Heading: "Risks and side effects", RequiresAcknowledgment: true,
				Body: "Common effects during the infusion:\n\n- dissociation, a feeling of being *detached* from your body\n- raised blood pressure and heart rate\n- nausea, dizziness or blurred vision\n\nRare but serious effects:\n\n1. **bladder irritation** with frequent use\n2. a sharp rise in blood pressure requiring treatment\n3. misuse or dependence"},
			{Key: "after", Kind: "instructions", Heading: "After each infusion", RequiresAcknowledgment: true,
				Body: "**Do not drive**, operate machinery or make important decisions until the next day. An adult must take you home.\n\nCall the clinic (ul. Piotrkowska 12, 90-001 Łódź) on +48 42 000 00 00 if you have chest pain, confusion or thoughts of self-harm."},
			{Key: "alternatives", Kind: "text", Heading: "Alternatives",
				Body: "Alternatives include other antidepressant medication, psychotherapy, esketamine nasal spray, electroconvulsive therapy (ECT) and transcranial magnetic stimulation (TMS). You may refuse or stop treatment at any time without affecting your other care."},
		},
		Disclosure:    "You agree to receive and sign this consent **electronically**. An electronic signature has the same effect as a handwritten one. You may ask for a paper copy at any time.",
		Meanings:      map[string]string{"patient": "I have read and understood this information and consent to the treatment.", "clinician": "I explained the treatment, its risks and alternatives, and answered the patient's questions."},
		ContentSHA256: "9f2c4e1b7a6d5c3e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
	}
	es := consent.Document{
		Locale: "es",
		Title:  "Consentimiento para tratamiento con ketamina intravenosa",
		Sections: []consent.DocumentSection{
			{Key: "purpose", Kind: "text", Heading: "Propósito del tratamiento",
				Body: "Se le ofrece **ketamina intravenosa (IV)** para la depresión resistente al tratamiento.\nEl plan consiste en *seis infusiones* durante dos o tres semanas.\n\nLa ketamina se usa \\*fuera de indicación\\* con este fin; está aprobada como anestésico."},
			{Key: "risks", Kind: "risks", Heading: "Riesgos y efectos secundarios", RequiresAcknowledgment: true,
				Body: "Efectos frecuentes durante la infusión:\n\n- disociación, sensación de estar *desconectado* del cuerpo\n- aumento de la tensión arterial y de la frecuencia cardiaca\n- náuseas, mareo o visión borrosa\n\nEfectos raros pero graves:\n\n1. **irritación de la vejiga** con el uso frecuente\n2. una subida brusca de la tensión que requiera tratamiento\n3. mal uso o dependencia"},
			{Key: "after", Kind: "instructions", Heading: "Después de cada infusión", RequiresAcknowledgment: true,
				Body: "**No conduzca**, no maneje maquinaria ni tome decisiones importantes hasta el día siguiente. Un adulto debe acompañarle a casa.\n\nLlame a la clínica (ul. Piotrkowska 12, 90-001 Łódź) al +48 42 000 00 00 si tiene dolor torácico, confusión o pensamientos de autolesión."},
			{Key: "alternatives", Kind: "text", Heading: "Alternativas",
				Body: "Las alternativas incluyen otros antidepresivos, psicoterapia, esketamina en aerosol nasal, terapia electroconvulsiva (TEC) y estimulación magnética transcraneal (EMT). Puede rechazar o interrumpir el tratamiento en cualquier momento sin que ello afecte a su atención."},
		},
		Disclosure:    "Usted acepta recibir y firmar este consentimiento de forma **electrónica**. Una firma electrónica tiene el mismo efecto que una manuscrita. Puede pedir una copia en papel en cualquier momento.",
		Meanings:      map[string]string{"patient": "He leído y entendido esta información y doy mi consentimiento al tratamiento.", "clinician": "He explicado el tratamiento, sus riesgos y alternativas, y he respondido a las preguntas del paciente."},
		ContentSHA256: "4b1d9e0c2a7f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a29180f1e2d3c",
	}
	return map[string]consent.Document{"en": en, "es": es}
}

// drawnStrokes returns a few strokes that look like a handwritten signature on a 600×200 canvas.
func drawnStrokes() [][]consent.Point {
	var loop []consent.Point
	for i := 0; i <= 60; i++ {
		t := float64(i) / 60
		loop = append(loop, consent.Point{X: 60 + 220*t, Y: 120 - 50*math.Sin(t*math.Pi*3)*(1-t*0.5), T: int64(i * 12)})
	}
	var tail []consent.Point
	for i := 0; i <= 40; i++ {
		t := float64(i) / 40
		tail = append(tail, consent.Point{X: 300 + 220*t, Y: 110 + 30*math.Cos(t*math.Pi*4), T: int64(900 + i*10)})
	}
	cross := []consent.Point{{X: 120, Y: 150, T: 1500}, {X: 480, Y: 140, T: 1700}}
	dot := []consent.Point{{X: 540, Y: 70, T: 1900}}
	return [][]consent.Point{loop, tail, cross, dot}
}

// signaturePNG returns a small transparent PNG with a dark scribble.
func signaturePNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 240, 80))
	for x := 10; x < 230; x++ {
		y := 40 + int(25*math.Sin(float64(x)/18))
		for dy := -1; dy <= 1; dy++ {
			img.Set(x, y+dy, color.NRGBA{R: 20, G: 30, B: 110, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// fixtureConsent returns a fully signed consent in the given locale: a patient
// who draws, a clinician who types, and a witness with a PNG signature.
func fixtureConsent(tb testing.TB, locale string) *consent.Consent {
	tb.Helper()
	docs := fixtureDocuments()
	doc := docs[locale]
	ev := func(actor string) consent.Evidence {
		return consent.Evidence{Channel: consent.ChannelTablet, IP: "203.0.113.42", DeviceID: "tablet-07", Actor: actor,
			UserAgent: "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"}
	}
	id := "01JDQ7Z4X8K2M5N9P3R6T1V0WY"
	signed := at(9 * time.Minute)
	return &consent.Consent{
		ID: id, Status: consent.StatusSigned, TemplateSlug: "iv-ketamine", TemplateVersion: 3,
		TemplateSHA256: "c0ffee0000000000000000000000000000000000000000000000000000000042", Locale: locale,
		Patient:   consent.Patient{ID: "MRN-004211", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Variables: map[string]string{"city": "Łódź"},
		Documents: docs, CreatedAt: at(-time.Hour), ExpiresAt: at(23 * time.Hour), CreatedBy: "apikey:01JDQ7Y0000000000000000000",
		SignedAt: &signed,
		Approval: fixtureApproval(),
		Acknowledgments: []consent.Acknowledgment{
			{ConsentID: id, SectionKey: "risks", Locale: locale, At: at(2 * time.Minute), Evidence: ev("token:" + id)},
			{ConsentID: id, SectionKey: "after", Locale: locale, At: at(3*time.Minute + 450*time.Millisecond), Evidence: ev("token:" + id)},
		},
		Signatures: []consent.Signature{
			{ID: "sig1", ConsentID: id, Role: consent.RolePatient, Name: "Zoë Müller", Locale: locale,
				Meaning: doc.Meanings["patient"], SignedAt: at(5 * time.Minute),
				Mark:                       consent.Mark{Type: "drawn", Width: 600, Height: 200, Strokes: drawnStrokes()},
				ElectronicRecordsConsentAt: ptr(at(time.Minute)), Acknowledged: []string{"risks", "after"}, Evidence: ev("token:" + id)},
			{ID: "sig2", ConsentID: id, Role: consent.RoleClinician, Name: "Иван Петров", Locale: locale,
				Meaning: doc.Meanings["clinician"], SignedAt: at(8 * time.Minute), StaffID: "STAFF-0042", IdentityVerified: true,
				Mark: consent.Mark{Type: "typed", Text: "Иван Петров"}, Evidence: ev("apikey:01JDQ7Y0000000000000000000")},
			{ID: "sig3", ConsentID: id, Role: consent.RoleWitness, Name: "Amélie Dubois", Locale: locale,
				Meaning: "I witnessed the patient sign this document.", SignedAt: signed, StaffID: "STAFF-0107",
				Mark: consent.Mark{Type: "image", PNG: signaturePNG(tb)}, Evidence: ev("apikey:01JDQ7Y0000000000000000000")},
		},
	}
}

// fixtureApproval is the approval of the fixture consent's template version.
func fixtureApproval() *consent.TemplateApproval {
	return &consent.TemplateApproval{Slug: "iv-ketamine", Version: 3, StaffID: "MD-0001", Name: "Dr. Grażyna Nowak",
		Meaning: consent.ApprovalMeaning, At: at(-30 * 24 * time.Hour)}
}

// fixtureEvents returns the audit events of the fixture consent.
func fixtureEvents(c *consent.Consent) []*consent.AuditEvent {
	ua := c.Signatures[0].Evidence.UserAgent
	mk := func(seq int64, typ string, t time.Time, actor, ip, agent, device string) *consent.AuditEvent {
		return &consent.AuditEvent{Seq: seq, Type: typ, At: t, Actor: actor, ConsentID: c.ID, IP: ip, UserAgent: agent, DeviceID: device,
			Hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8" + itoa(int(seq)+10)}
	}
	return []*consent.AuditEvent{
		mk(101, consent.EventConsentCreated, c.CreatedAt, c.CreatedBy, "198.51.100.7", "consentd-client/1.0", ""),
		mk(102, consent.EventConsentViewed, at(30*time.Second), "token:"+c.ID, "203.0.113.42", ua, "tablet-07"),
		mk(103, consent.EventAcknowledged, c.Acknowledgments[0].At, "token:"+c.ID, "203.0.113.42", ua, "tablet-07"),
		mk(104, consent.EventAcknowledged, c.Acknowledgments[1].At, "token:"+c.ID, "203.0.113.42", ua, "tablet-07"),
		mk(105, consent.EventSignatureRecorded, c.Signatures[0].SignedAt, "token:"+c.ID, "203.0.113.42", ua, "tablet-07"),
		mk(106, consent.EventSignatureRecorded, c.Signatures[1].SignedAt, c.Signatures[1].Evidence.Actor, "203.0.113.42", ua, "tablet-07"),
		mk(107, consent.EventSignatureRecorded, c.Signatures[2].SignedAt, c.Signatures[2].Evidence.Actor, "203.0.113.42", ua, "tablet-07"),
		mk(108, consent.EventConsentSigned, *c.SignedAt, "system", "", "", ""),
	}
}

// madrid returns the clinic's zone used by the tests.
func madrid(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}
