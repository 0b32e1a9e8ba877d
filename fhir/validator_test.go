package fhir

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// allResources returns every kind of resource the package produces, named for
// error messages: Consent in every status, DocumentReference for each consent
// with a PDF, search bundles, the CapabilityStatement and OperationOutcomes.
func allResources(t *testing.T) map[string]map[string]any {
	t.Helper()
	o := testOptions()
	out := map[string]map[string]any{}
	for _, s := range consent.Statuses {
		c := testConsent(s)
		out["consent-"+s] = Consent(c, o)
		if c.PDF != nil {
			d, err := DocumentReference(c, pdfSHA1(), o)
			if err != nil {
				t.Fatalf("DocumentReference(%s): %v", s, err)
			}
			out["documentreference-"+s] = d
		}
	}
	out["consent-representative"] = Consent(representativeConsent(), o)
	out["consent-reconsent-due"] = Consent(dueConsent(), o)
	bare := testConsent(consent.StatusPending)
	bare.Patient.GivenName, bare.Patient.FamilyName = "", ""
	out["consent-nameless"] = Consent(bare, Options{BaseURL: "https://c.example"})

	page := []*consent.Consent{testConsent(consent.StatusSigned), testConsent(consent.StatusPending)}
	page[1].ID = "01JDQ7ZK3M5V8W2X4Y6Z8A0B1E"
	out["bundle-page"] = SearchBundle(page, 3, "/fhir/r4/Consent?patient:identifier=MRN-1001",
		"/fhir/r4/Consent?patient:identifier=MRN-1001&_cursor=abc", o)
	out["bundle-last"] = SearchBundle(page[:1], 3, "https://consent.example.org/fhir/r4/Consent?_cursor=abc", "", o)
	out["bundle-empty"] = SearchBundle(nil, 0, "/fhir/r4/Consent?patient:identifier=nobody", "", o)
	out["bundle-unknown-total"] = SearchBundle(page, -1, "/fhir/r4/Consent", "", o)
	out["capabilitystatement"] = CapabilityStatement(o)
	out["capabilitystatement-defaults"] = CapabilityStatement(Options{BaseURL: "https://c.example"})
	for _, code := range []string{consent.EINVALID, consent.EUNAUTHORIZED, consent.EFORBIDDEN, consent.ENOTFOUND,
		consent.ECONFLICT, consent.EGONE, consent.ETOOLARGE, consent.ERATELIMITED, consent.EINTERNAL, consent.EMETHOD,
		consent.EUNSUPPORTED} {
		_, body := OperationOutcome(consent.Errorf(code, "Something about %s.", code))
		out["operationoutcome-"+code] = body
	}
	_, out["operationoutcome-plain"] = OperationOutcome(errors.New("disk on fire"))
	_, out["operationoutcome-nil"] = OperationOutcome(nil)
	return out
}

// validatorScript returns the path of the node validator, skipping the test
// when node or the installed packages are missing, unless CI is set.
func validatorScript(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "validator"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "fhir")); err != nil {
		missing = "validator packages are not installed (run fhir/testdata/install-validator.sh)"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("FHIR validator unavailable in CI: %s", missing)
		}
		t.Skipf("FHIR validator unavailable: %s", missing)
	}
	return filepath.Join(dir, "validate.js")
}

// runValidator writes each resource to a file and runs the validator on all of
// them; it returns the validator's output and whether it accepted them all.
func runValidator(t *testing.T, script string, resources map[string]map[string]any) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	names := make([]string, 0, len(resources))
	for name := range resources {
		names = append(names, name)
	}
	sort.Strings(names)
	args := []string{script}
	for _, name := range names {
		b, err := json.MarshalIndent(resources[name], "", "  ")
		if err != nil {
			t.Fatalf("marshal %s: %v", name, err)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command("node", args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running validator: %v\n%s", err, out)
	}
	return string(out), err == nil
}

func TestValidatorAcceptsResources(t *testing.T) {
	script := validatorScript(t)
	resources := allResources(t)
	out, ok := runValidator(t, script, resources)
	if !ok {
		t.Fatalf("FHIR R4 validator rejected the resources:\n%s", out)
	}
	if !strings.Contains(out, "validated "+strconv.Itoa(len(resources))+" resources: 0 errors") {
		t.Fatalf("validator did not check every resource:\n%s", out)
	}
	t.Logf("%s", strings.TrimSpace(out))
}

// TestValidatorRejectsBrokenResources proves the validator run can fail: each
// resource breaks one R4 rule that one of the checkers must catch. All go in
// one validator run (node start-up and schema compilation take seconds).
func TestValidatorRejectsBrokenResources(t *testing.T) {
	script := validatorScript(t)
	o := testOptions()
	consentWith := func(f func(r map[string]any)) map[string]any {
		r := Consent(testConsent(consent.StatusWithdrawn), o)
		f(r)
		return r
	}
	attachment := func(d map[string]any) map[string]any {
		return d["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	}
	docRefWith := func(f func(r map[string]any)) map[string]any {
		d, err := DocumentReference(testConsent(consent.StatusSigned), pdfSHA1(), o)
		if err != nil {
			t.Fatal(err)
		}
		f(d)
		return d
	}
	tests := []struct {
		name string
		want string // text expected on one of the file's error lines
		res  map[string]any
	}{
		{"status-not-in-valueset", "Consent.status", consentWith(func(r map[string]any) { r["status"] = "signed" })},
		{"no-category", "category", consentWith(func(r map[string]any) { delete(r, "category") })},
		{"no-scope", "scope", consentWith(func(r map[string]any) { delete(r, "scope") })},
		{"ppc-1", "ppc-1", consentWith(func(r map[string]any) { delete(r, "policy") })},
		{"ppc-5", "ppc-5", consentWith(func(r map[string]any) { delete(r, "patient") })},
		{"bad-datetime", ".dateTime", consentWith(func(r map[string]any) { r["dateTime"] = "2026-11-25 09:44" })},
		{"datetime-no-zone", ".dateTime", consentWith(func(r map[string]any) { r["dateTime"] = "2026-11-25T09:44:00" })},
		{"unknown-element", "foo", consentWith(func(r map[string]any) { r["foo"] = "bar" })},
		{"empty-string", "display", consentWith(func(r map[string]any) { r["patient"].(map[string]any)["display"] = "" })},
		{"empty-object", "ele-1", consentWith(func(r map[string]any) { r["patient"] = map[string]any{} })},
		{"source-choice-twice", "source[x]", consentWith(func(r map[string]any) {
			r["sourceAttachment"] = map[string]any{"contentType": "application/pdf"}
		})},
		{"period-backwards", "per-1", consentWith(func(r map[string]any) {
			r["provision"] = map[string]any{"type": "permit", "period": map[string]any{
				"start": "2026-11-25T10:00:00.000Z", "end": "2026-11-25T09:00:00.000Z"}}
		})},
		{"bundle-total-on-collection", "bdl-1", func() map[string]any {
			b := SearchBundle([]*consent.Consent{testConsent(consent.StatusSigned)}, 1, "/fhir/r4/Consent", "", o)
			b["type"] = "collection"
			return b
		}()},
		{"docref-size-negative", "size", docRefWith(func(d map[string]any) { attachment(d)["size"] = -1 })},
		{"docref-hash-not-base64", "hash", docRefWith(func(d map[string]any) { attachment(d)["hash"] = "not base64!" })},
		{"docref-no-content", "content", docRefWith(func(d map[string]any) { delete(d, "content") })},
		{"docref-bad-status", "status", docRefWith(func(d map[string]any) { d["status"] = "final" })},
		{"capability-no-kind", "kind", func() map[string]any {
			c := CapabilityStatement(o)
			delete(c, "kind")
			return c
		}()},
		{"capability-cpb-14", "cpb-14", func() map[string]any {
			c := CapabilityStatement(o)
			delete(c, "implementation")
			return c
		}()},
		{"outcome-bad-code", "code", func() map[string]any {
			_, b := OperationOutcome(consent.Errorf(consent.ENOTFOUND, "x"))
			b["issue"].([]any)[0].(map[string]any)["code"] = "not_found"
			return b
		}()},
	}
	resources := map[string]map[string]any{}
	for _, tt := range tests {
		resources[tt.name] = tt.res
	}
	out, ok := runValidator(t, script, resources)
	if ok {
		t.Fatalf("validator accepted broken resources:\n%s", out)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "/"+tt.name+".json: [") && strings.Contains(line, "] error: ") &&
					strings.Contains(line, tt.want) {
					return
				}
			}
			t.Errorf("no error line mentioning %q for %s:\n%s", tt.want, tt.name, out)
		})
	}
}
