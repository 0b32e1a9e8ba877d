package fhir

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/google/go-cmp/cmp"
)

// r4ConsentState is the R4 ConsentState value set (required binding).
var r4ConsentState = []string{"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"}

func TestConsentStatus(t *testing.T) {
	tests := map[string]string{
		consent.StatusPending:   "proposed",
		consent.StatusSigned:    "active",
		consent.StatusDeclined:  "rejected",
		consent.StatusWithdrawn: "inactive",
		consent.StatusExpired:   "inactive",
		consent.StatusCancelled: "inactive",
		consent.StatusVoided:    "entered-in-error",
		"":                      "entered-in-error",
		"bogus":                 "entered-in-error",
	}
	for in, want := range tests {
		if got := ConsentStatus(in); got != want {
			t.Errorf("ConsentStatus(%q) = %q, want %q", in, got, want)
		}
	}
	// A status added to the domain must get a deliberate mapping here.
	for _, s := range consent.Statuses {
		if _, ok := tests[s]; !ok {
			t.Errorf("status %q has no expected FHIR status in this test", s)
		}
		if !contains(r4ConsentState, ConsentStatus(s)) {
			t.Errorf("status %q maps outside ConsentState", s)
		}
	}
}

func TestConsentRules(t *testing.T) {
	o := testOptions()
	type want struct {
		status     string
		signed     bool // provision.period.start, dateTime = signed_at
		periodEnd  bool
		source     bool
		performers []string // reference types, in order
	}
	signers := []string{"Patient", "Practitioner"}
	tests := []struct {
		name string
		c    *consent.Consent
		want want
	}{
		{"pending", testConsent(consent.StatusPending), want{status: "proposed"}},
		{"signed", testConsent(consent.StatusSigned), want{"active", true, false, true, signers}},
		{"withdrawn", testConsent(consent.StatusWithdrawn), want{"inactive", true, true, true, signers}},
		{"voided", testConsent(consent.StatusVoided), want{"entered-in-error", true, true, true, signers}},
		{"expired", testConsent(consent.StatusExpired), want{status: "inactive"}},
		{"declined", testConsent(consent.StatusDeclined), want{status: "rejected"}},
		{"cancelled", testConsent(consent.StatusCancelled), want{status: "inactive"}},
		{"representative", representativeConsent(), want{"active", true, false, true, []string{"RelatedPerson", "Practitioner"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			r := decode(t, Consent(c, o))
			if got := str(r["resourceType"]); got != "Consent" {
				t.Fatalf("resourceType = %q", got)
			}
			if id := str(r["id"]); id != c.ID || !reID.MatchString(id) {
				t.Errorf("id = %q, want %q matching the id regex", id, c.ID)
			}
			// status 1..1 from the required value set.
			if got := str(r["status"]); got != tt.want.status || !contains(r4ConsentState, got) {
				t.Errorf("status = %q, want %q", got, tt.want.status)
			}
			// scope 1..1 treatment; category 1..* with LOINC 59284-0.
			if !hasCoding(r["scope"], SystemConsentScope, "treatment") {
				t.Errorf("scope = %v", r["scope"])
			}
			if cats := list(r["category"]); len(cats) < 1 || !hasCoding(cats[0], SystemLOINC, "59284-0") {
				t.Errorf("category = %v", r["category"])
			}
			// ppc-1: policy or policyRule; the policy is the template version.
			if r["policy"] == nil && r["policyRule"] == nil {
				t.Error("ppc-1: neither policy nor policyRule")
			}
			wantPolicy := "https://consent.example.org/v1/templates/ketamine-iv/versions/1"
			if got := str(at(r, "policy", "0", "uri")); got != wantPolicy {
				t.Errorf("policy[0].uri = %q, want %q", got, wantPolicy)
			}
			// ppc-2..5: scope treatment (and any other) needs a patient.
			checkLogicalRef(t, "patient", r["patient"], "Patient")
			if diff := cmp.Diff(map[string]any{"system": "https://clinic.example/mrn", "value": "MRN-1001"},
				at(r, "patient", "identifier")); diff != "" {
				t.Errorf("patient.identifier (-want +got):\n%s", diff)
			}
			if got := str(at(r, "patient", "display")); got != "Zoë Müller" {
				t.Errorf("patient.display = %q", got)
			}
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), c.Patient.BirthDate) {
				t.Error("the birth date leaks into the resource")
			}
			// Timestamps.
			if !reInstant.MatchString(str(at(r, "meta", "lastUpdated"))) {
				t.Errorf("meta.lastUpdated = %v", at(r, "meta", "lastUpdated"))
			}
			wantDate := consent.FormatTime(c.CreatedAt)
			if tt.want.signed {
				wantDate = consent.FormatTime(*c.SignedAt)
			}
			if got := str(r["dateTime"]); got != wantDate || !reDateTime.MatchString(got) {
				t.Errorf("dateTime = %q, want %q", got, wantDate)
			}
			// provision: permit; period only once signed; end only after withdrawal/void.
			if got := str(at(r, "provision", "type")); got != "permit" {
				t.Errorf("provision.type = %q", got)
			}
			start, end := str(at(r, "provision", "period", "start")), str(at(r, "provision", "period", "end"))
			if tt.want.signed != (start != "") || tt.want.periodEnd != (end != "") {
				t.Errorf("provision.period = %v, want start %v end %v", at(r, "provision", "period"), tt.want.signed, tt.want.periodEnd)
			}
			if start != "" && start != consent.FormatTime(*c.SignedAt) {
				t.Errorf("period.start = %q, want signed_at", start)
			}
			if end != "" && (end != consent.FormatTime(*c.StatusChangedAt) || end < start) {
				t.Errorf("period.end = %q (start %q), want the status change time", end, start)
			}
			// source[x]: sourceReference to the DocumentReference once a PDF exists.
			if r["sourceAttachment"] != nil {
				t.Error("sourceAttachment given; use sourceReference")
			}
			if tt.want.source {
				checkLogicalRef(t, "sourceReference", r["sourceReference"], "DocumentReference")
				if got := str(at(r, "sourceReference", "reference")); got != "DocumentReference/"+c.ID {
					t.Errorf("sourceReference.reference = %q", got)
				}
			} else if r["sourceReference"] != nil {
				t.Errorf("sourceReference = %v without a PDF", r["sourceReference"])
			}
			// performer: who agreed, and the clinician.
			var types []string
			for i, p := range list(r["performer"]) {
				checkLogicalRef(t, "performer", p, "Organization", "Patient", "Practitioner", "RelatedPerson", "PractitionerRole")
				types = append(types, str(at(p, "type")))
				if str(at(p, "type")) == "Practitioner" && str(at(p, "identifier", "value")) != "staff-1" {
					t.Errorf("performer[%d] clinician identifier = %v", i, at(p, "identifier"))
				}
			}
			if diff := cmp.Diff(tt.want.performers, types); diff != "" {
				t.Errorf("performer types (-want +got):\n%s", diff)
			}
			if got := str(at(r, "organization", "0", "display")); got != o.OrganizationName {
				t.Errorf("organization[0].display = %q", got)
			}
			// Narrative: generated XHTML with the required namespace, escaped.
			div := str(at(r, "text", "div"))
			if str(at(r, "text", "status")) != "generated" || !strings.HasPrefix(div, `<div xmlns="http://www.w3.org/1999/xhtml">`) ||
				strings.Contains(div, "<infusion>") || !strings.Contains(div, "&lt;infusion&gt;") {
				t.Errorf("text = %v", r["text"])
			}
		})
	}
}

func TestConsentRepresentativeDisplay(t *testing.T) {
	r := decode(t, Consent(representativeConsent(), testOptions()))
	if got := str(at(r, "performer", "0", "display")); got != "Hans Müller (father)" {
		t.Errorf("representative display = %q", got)
	}
	if at(r, "performer", "0", "identifier") != nil {
		t.Error("representative has an identifier; consentd has none for them")
	}
}

func TestConsentDefaults(t *testing.T) {
	c := testConsent(consent.StatusSigned)
	c.Patient.GivenName, c.Patient.FamilyName = "", ""
	c.Signatures[0].Name = ""
	r := decode(t, Consent(c, Options{BaseURL: "https://c.example"}))
	if got := str(at(r, "patient", "identifier", "system")); got != DefaultPatientIDSys {
		t.Errorf("default patient system = %q", got)
	}
	if got := str(at(r, "performer", "1", "identifier", "system")); got != DefaultStaffIDSys {
		t.Errorf("default staff system = %q", got)
	}
	if at(r, "patient", "display") != nil || at(r, "performer", "0", "display") != nil {
		t.Error("empty names must leave display out, not empty")
	}
	if r["organization"] != nil {
		t.Error("organization without OrganizationName")
	}
}

func TestConsentLastUpdated(t *testing.T) {
	for _, s := range consent.Statuses {
		c := testConsent(s)
		want := c.CreatedAt
		if c.StatusChangedAt != nil {
			want = *c.StatusChangedAt
		}
		r := decode(t, Consent(c, testOptions()))
		if got := str(at(r, "meta", "lastUpdated")); got != consent.FormatTime(want) {
			t.Errorf("%s: lastUpdated = %q, want %q", s, got, consent.FormatTime(want))
		}
	}
}

// dueConsent is a signed consent flagged both reconsent_due and renewal_due.
func dueConsent() *consent.Consent {
	c := testConsent(consent.StatusSigned)
	c.ReconsentDue = &consent.ReconsentDue{Reason: "Version 3 of ketamine-iv was published with re-consent required.",
		Version: 3, Policy: consent.ReconsentRequired}
	c.RenewalDue = &consent.RenewalDue{Reason: "Valid for 365 days.", ValidForDays: 365, DueAt: c.SignedAt.Add(365 * 24 * time.Hour)}
	return c
}

func TestConsentShowsDueFlagsAsExtensions(t *testing.T) {
	r := Consent(dueConsent(), testOptions())
	ext, _ := r["extension"].([]any)
	if len(ext) != 2 {
		t.Fatalf("extensions %v", r["extension"])
	}
	re := ext[0].(map[string]any)
	sub := re["extension"].([]any)
	if re["url"] != ExtReconsentDue || sub[1].(map[string]any)["valueCode"] != "required" || sub[2].(map[string]any)["valuePositiveInt"] != 3 {
		t.Errorf("reconsent-due extension %v", re)
	}
	if ext[1].(map[string]any)["url"] != ExtRenewalDue {
		t.Errorf("renewal-due extension %v", ext[1])
	}
	// The period stays the signed one: a recommended re-consent does not end it.
	if p := r["provision"].(map[string]any)["period"].(map[string]any); p["end"] != nil {
		t.Errorf("provision.period.end set: %v", p)
	}
	if r := Consent(testConsent(consent.StatusSigned), testOptions()); r["extension"] != nil {
		t.Errorf("extension without flags: %v", r["extension"])
	}
}
