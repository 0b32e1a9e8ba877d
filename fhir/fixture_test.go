package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/consentd/consentd/consent"
)

var (
	t0 = time.Date(2026, 11, 25, 9, 0, 0, 123_000_000, time.UTC)
	t1 = t0.Add(44 * time.Minute) // signed
	t2 = t0.Add(72 * time.Hour)   // later transition
)

// testPDF stands in for sealed PDF bytes; only its hashes and size matter here.
var testPDF = []byte("%PDF-1.7\n% consentd test bytes\n%%EOF\n")

func testOptions() Options {
	return Options{
		BaseURL:                 "https://consent.example.org/",
		PatientIdentifierSystem: "https://clinic.example/mrn",
		OrganizationName:        "Example Ketamine Clinic",
		Version:                 "1.2.3",
		Now:                     func() time.Time { return t0 },
	}
}

func pdfSHA1() string { return AttachmentHash(testPDF) }

func ptr(t time.Time) *time.Time { return &t }

// testConsent returns a consent in the given status with the timestamps,
// signatures and PDF that status implies.
func testConsent(status string) *consent.Consent {
	c := &consent.Consent{
		ID:              "01JDQ7ZK3M5V8W2X4Y6Z8A0B1C",
		Status:          status,
		TemplateSlug:    "ketamine-iv",
		TemplateVersion: 1,
		TemplateSHA256:  hex.EncodeToString(make([]byte, 32)),
		Locale:          "en",
		Patient:         consent.Patient{ID: "MRN-1001", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"},
		Documents: map[string]consent.Document{
			"en": {Locale: "en", Title: "Consent for IV ketamine <infusion> & care"},
		},
		CreatedAt: t0,
		ExpiresAt: t0.Add(168 * time.Hour),
		CreatedBy: "apikey:01JDQ7ZK3M5V8W2X4Y6Z8A0B1D",
	}
	switch status {
	case consent.StatusSigned, consent.StatusWithdrawn, consent.StatusVoided:
		c.SignedAt = ptr(t1)
		c.StatusChangedAt = ptr(t1)
		c.Signatures = []consent.Signature{
			{ID: "sig1", Role: consent.RolePatient, Name: "Zoë Müller", SignedAt: t1.Add(-time.Minute)},
			{ID: "sig2", Role: consent.RoleWitness, Name: "W. Itness", StaffID: "staff-7", SignedAt: t1.Add(-30 * time.Second)},
			{ID: "sig3", Role: consent.RoleClinician, Name: "Dr. A. Clinician", StaffID: "staff-1", SignedAt: t1},
		}
		sum := sha256.Sum256(testPDF)
		c.PDF = &consent.PDFInfo{SHA256: hex.EncodeToString(sum[:]), Size: len(testPDF), CreatedAt: t1}
		if status != consent.StatusSigned {
			c.StatusChangedAt = ptr(t2)
			c.StatusReason = "patient changed their mind"
		}
	case consent.StatusDeclined, consent.StatusCancelled, consent.StatusExpired:
		c.StatusChangedAt = ptr(t2)
		c.StatusReason = "no"
	}
	return c
}

// representativeConsent is a signed consent where a representative signed in
// the patient's place.
func representativeConsent() *consent.Consent {
	c := testConsent(consent.StatusSigned)
	c.Signatures[0] = consent.Signature{ID: "sig1", Role: consent.RoleRepresentative, Name: "Hans Müller",
		Relationship: "father", SignedAt: t1.Add(-time.Minute)}
	return c
}
