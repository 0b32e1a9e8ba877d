package consent

import (
	"strings"
	"testing"
	"time"
)

func TestCanTransition(t *testing.T) {
	allowed := map[[2]string]bool{
		{StatusPending, StatusSigned}: true, {StatusPending, StatusDeclined}: true, {StatusPending, StatusCancelled}: true,
		{StatusPending, StatusExpired}: true, {StatusSigned, StatusWithdrawn}: true, {StatusSigned, StatusVoided}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := CanTransition(from, to); got != allowed[[2]string{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func TestComplete(t *testing.T) {
	sig := func(roles ...string) []Signature {
		var out []Signature
		for _, r := range roles {
			out = append(out, Signature{Role: r})
		}
		return out
	}
	req := []string{RolePatient, RoleClinician}
	tests := []struct {
		sigs []Signature
		want bool
	}{
		{nil, false},
		{sig(RolePatient), false},
		{sig(RolePatient, RoleClinician), true},
		{sig(RoleRepresentative, RoleClinician), true},
		{sig(RoleWitness, RoleClinician), false},
	}
	for i, tt := range tests {
		if got := complete(tt.sigs, req); got != tt.want {
			t.Errorf("case %d: complete = %v, want %v", i, got, tt.want)
		}
	}
}

func TestPatientValidate(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	ok := Patient{ID: "MRN-1", GivenName: "Zoë", FamilyName: "Müller", BirthDate: "1980-04-02"}
	tests := []struct {
		edit  func(p *Patient)
		field string
	}{
		{func(p *Patient) {}, ""},
		{func(p *Patient) { p.BirthDate = "1980-4-2" }, "patient.birth_date"},
		{func(p *Patient) { p.BirthDate = "2026-11-26" }, "patient.birth_date"},
		{func(p *Patient) { p.BirthDate = "1800-01-01" }, "patient.birth_date"},
		{func(p *Patient) { p.ID = " MRN" }, "patient.id"},
		{func(p *Patient) { p.GivenName = strings.Repeat("a", 101) }, "patient.given_name"},
		{func(p *Patient) { p.FamilyName = "a\u0085b" }, "patient.family_name"},
	}
	for i, tt := range tests {
		p := ok
		tt.edit(&p)
		if err := p.Validate(now); ErrorField(err) != tt.field {
			t.Errorf("case %d: %v, want field %q", i, err, tt.field)
		}
	}
}

func TestEscapeMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"**x**":       `\*\*x\*\*`,
		"<script>":    `\<script\>`,
		"Dr. O'Brien": `Dr\. O\'Brien`,
		"Zoë Müller":  "Zoë Müller",
	} {
		if got := EscapeMarkdown(in); got != want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSigningCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c := newSigningCode()
		if len(c) != 9 || c[4] != '-' || strings.Trim(strings.Replace(c, "-", "", 1), signingCodeAlphabet) != "" {
			t.Fatalf("bad code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 195 {
		t.Fatalf("codes repeat: %d distinct of 200", len(seen))
	}
	if got := NormalizeSigningCode(" k7qm-4xpd "); got != "K7QM4XPD" {
		t.Fatalf("normalize: %q", got)
	}
}
