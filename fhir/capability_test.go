package fhir

import (
	"testing"
	"time"
)

func TestCapabilityStatementRules(t *testing.T) {
	tests := []struct {
		name        string
		o           Options
		wantVersion string
		wantDate    string
	}{
		{"configured", testOptions(), "1.2.3", "2026-11-25T09:00:00.123Z"},
		{"defaults", Options{BaseURL: "https://c.example", Now: func() time.Time {
			return time.Date(2027, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
		}}, "unknown", "2027-01-02T02:04:05.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := decode(t, CapabilityStatement(tt.o))
			// Required: status, date, kind, fhirVersion, format 1..*.
			if str(r["resourceType"]) != "CapabilityStatement" || str(r["status"]) != "active" ||
				str(r["kind"]) != "instance" || str(r["fhirVersion"]) != "4.0.1" {
				t.Errorf("resourceType/status/kind/fhirVersion = %v/%v/%v/%v", r["resourceType"], r["status"], r["kind"], r["fhirVersion"])
			}
			if got := str(r["date"]); got != tt.wantDate || !reDateTime.MatchString(got) {
				t.Errorf("date = %q, want %q", got, tt.wantDate)
			}
			if f := list(r["format"]); len(f) < 1 || !containsAny(f, "json") {
				t.Errorf("format = %v", r["format"])
			}
			if got := str(at(r, "software", "version")); got != tt.wantVersion {
				t.Errorf("software.version = %q", got)
			}
			// cpb-1 rest, cpb-2 software/implementation, cpb-14 instance → implementation.
			if r["rest"] == nil || r["implementation"] == nil {
				t.Error("cpb-1/cpb-14: rest and implementation required")
			}
			if got := str(at(r, "implementation", "url")); got != tt.o.FHIRBase() {
				t.Errorf("implementation.url = %q, want %q", got, tt.o.FHIRBase())
			}
			if got := str(at(r, "rest", "0", "mode")); got != "server" {
				t.Errorf("rest.mode = %q", got)
			}
			// cpb-9: each resource described once; the interactions the API serves.
			want := map[string][]string{"Consent": {"read", "search-type"}, "DocumentReference": {"read"}}
			seen := map[string]bool{}
			for _, res := range list(at(r, "rest", "0", "resource")) {
				typ := str(at(res, "type"))
				if seen[typ] {
					t.Errorf("cpb-9: %s described twice", typ)
				}
				seen[typ] = true
				var got []string
				for _, i := range list(at(res, "interaction")) {
					got = append(got, str(at(i, "code")))
				}
				if len(got) != len(want[typ]) {
					t.Errorf("%s interactions = %v, want %v", typ, got, want[typ])
				}
			}
			if len(seen) != len(want) {
				t.Errorf("resources = %v", seen)
			}
		})
	}
}

func containsAny(l []any, s string) bool {
	for _, x := range l {
		if str(x) == s {
			return true
		}
	}
	return false
}
