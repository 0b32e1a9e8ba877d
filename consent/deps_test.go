package consent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainUsesStandardLibraryOnly keeps the domain free of gin, gorm, gofpdf
// and every other non-standard package.
func TestDomainUsesStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/consentd/consentd/consent" {
			t.Errorf("consent depends on non-standard package %s", p)
		}
	}
}
