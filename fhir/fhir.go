// Package fhir maps consentd's domain values to FHIR R4 (4.0.1) JSON resources:
// Consent, DocumentReference, a searchset Bundle, the CapabilityStatement and
// OperationOutcome. It is a pure mapping: no HTTP, no storage.
//
// Privacy choice: FHIR consumers are authorised EHRs (API scope consents:read),
// so references to the patient carry the patient's name as display, but birth
// dates never leave consentd through FHIR.
package fhir

import (
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
)

// ContentType is the media type of every FHIR response.
const ContentType = "application/fhir+json"

// FHIRVersion is the FHIR release the resources conform to.
const FHIRVersion = "4.0.1"

// Code systems and codes used by the mapping.
const (
	SystemConsentScope  = "http://terminology.hl7.org/CodeSystem/consentscope"
	SystemLOINC         = "http://loinc.org"
	SystemURI           = "urn:ietf:rfc:3986"
	CodePatientConsent  = "59284-0"
	DefaultPatientIDSys = "urn:consentd:patient-id"
	DefaultStaffIDSys   = "urn:consentd:staff-id"
)

// Options carries the deployment facts the mapping needs.
type Options struct {
	// BaseURL is the absolute public URL of the server (CONSENTD_PUBLIC_URL),
	// e.g. "https://consent.example.org"; the FHIR base is BaseURL+"/fhir/r4".
	BaseURL string
	// PatientIdentifierSystem names the clinic's patient identifiers (MRNs);
	// default DefaultPatientIDSys.
	PatientIdentifierSystem string
	// StaffIdentifierSystem names staff IDs of clinicians; default DefaultStaffIDSys.
	StaffIdentifierSystem string
	// OrganizationName is the clinic, shown as organization and custodian.
	OrganizationName string
	// Version is the software version reported by the CapabilityStatement.
	Version string
	// Now is the clock for CapabilityStatement.date; nil means time.Now.
	Now func() time.Time
}

// FHIRBase returns the absolute FHIR base URL, BaseURL+"/fhir/r4".
func (o Options) FHIRBase() string {
	return o.base() + "/fhir/r4"
}

func (o Options) base() string {
	return strings.TrimRight(o.BaseURL, "/")
}

func (o Options) patientSystem() string {
	if o.PatientIdentifierSystem == "" {
		return DefaultPatientIDSys
	}
	return o.PatientIdentifierSystem
}

func (o Options) staffSystem() string {
	if o.StaffIdentifierSystem == "" {
		return DefaultStaffIDSys
	}
	return o.StaffIdentifierSystem
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// absolute turns a server-relative path ("/fhir/r4/...") into an absolute URL.
func (o Options) absolute(u string) string {
	if strings.HasPrefix(u, "/") {
		return o.base() + u
	}
	return u
}

// instant formats t as a FHIR instant (also a valid dateTime): UTC, milliseconds, Z.
func instant(t time.Time) string {
	return consent.FormatTime(t)
}

// coding returns a CodeableConcept with one coding.
func coding(system, code, display string) map[string]any {
	c := map[string]any{"system": system, "code": code}
	if display != "" {
		c["display"] = display
	}
	return map[string]any{"coding": []any{c}}
}

// patientRef is a logical reference to the patient by identifier; FHIR has no
// Patient resource here, so there is no literal reference.
func patientRef(p consent.Patient, o Options) map[string]any {
	ref := map[string]any{
		"type":       "Patient",
		"identifier": map[string]any{"system": o.patientSystem(), "value": p.ID},
	}
	if name := strings.TrimSpace(p.FullName()); name != "" {
		ref["display"] = name
	}
	return ref
}

// putString sets m[k] = v unless v is empty: FHIR JSON forbids empty strings.
func putString(m map[string]any, k, v string) {
	if v = strings.TrimSpace(v); v != "" {
		m[k] = v
	}
}
