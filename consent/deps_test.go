package consent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainUsesStandardLibraryOnly keeps the domain, and its in-memory store
// and fakes, free of gin, gorm, gofpdf and every other non-standard package.
func TestDomainUsesStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".", "./consenttest").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/consentd/consentd/consent" && p != "github.com/consentd/consentd/consent/consenttest" {
			t.Errorf("consent depends on non-standard package %s", p)
		}
	}
}
