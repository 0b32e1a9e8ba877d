package api_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/npmtools"
)

// TestOpenAPILintsClean runs Redocly CLI's recommended rules (with the rules
// redocly.yaml switches off, each with its reason) on the committed document:
// zero errors and zero warnings.
func TestOpenAPILintsClean(t *testing.T) {
	cli := filepath.Join(npmtools.Module(t, "@redocly/cli"), "bin", "cli.js")
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	out, err := npmtools.Node(dir, cli, "lint", "--config", "redocly.yaml", "--format", "json",
		"--max-problems", "1000", "openapi.json").Output()
	if out == nil && err != nil {
		t.Fatalf("redocly: %v", err)
	}
	var res struct {
		Totals   struct{ Errors, Warnings, Ignored int }
		Problems []struct {
			RuleID, Severity, Message string
			Location                  []struct{ Pointer string }
		}
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("redocly output (%v): %v\n%s", err, jerr, out)
	}
	var lines []string
	for _, p := range res.Problems {
		at := ""
		if len(p.Location) > 0 {
			at = p.Location[0].Pointer
		}
		lines = append(lines, p.Severity+" "+p.RuleID+" at "+at+": "+p.Message)
	}
	if res.Totals.Errors+res.Totals.Warnings > 0 || err != nil {
		t.Errorf("redocly lint: %d errors, %d warnings (fix them in api/internal/openapigen, or switch the rule off in "+
			"api/redocly.yaml with its reason):\n%s", res.Totals.Errors, res.Totals.Warnings, strings.Join(lines, "\n"))
	}
	if res.Totals.Ignored > 0 {
		t.Errorf("%d problems ignored through an ignore file; switch rules off in redocly.yaml with a reason instead", res.Totals.Ignored)
	}
}
