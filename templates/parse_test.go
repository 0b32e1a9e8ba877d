package templates

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

// minimal is the smallest valid template; the table below breaks it one way at a time.
const minimal = `# a comment
review_note: Must be reviewed by the medical director before use.
slug: demo
title: Demo
version: 1
variables:
  - {name: clinic_name, label: Clinic name, required: true}
required_signers: [patient, clinician]
signature_forms: [drawn, typed]
expires_after_hours: 24
locales:
  en:
    title: Demo
    sections:
      - key: overview
        kind: overview
        heading: Overview
        requires_acknowledgment: false
        body: |
          Treatment at {{clinic_name}}.
      - key: rights
        kind: rights
        heading: Rights
        requires_acknowledgment: true
        body: You may refuse.
    disclosure: Electronic records at {{ clinic_name }}.
    meanings:
      patient: I agree.
      representative: I agree for the patient.
      clinician: I explained.
  es:
    title: Demostración
    sections:
      - key: overview
        kind: overview
        heading: Resumen
        requires_acknowledgment: false
        body: Tratamiento en {{clinic_name}}.
      - key: rights
        kind: rights
        heading: Derechos
        requires_acknowledgment: true
        body: Puede negarse.
    disclosure: Registros electrónicos.
    meanings:
      patient: Acepto.
      representative: Acepto en nombre del paciente.
      clinician: Lo expliqué.
`

// edit applies one replacement to minimal and fails if old does not occur
// exactly once, so a stale fixture cannot make a case pass vacuously.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if n := strings.Count(minimal, old); n != 1 {
		t.Fatalf("fixture: %q occurs %d times, want 1", old, n)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestParseMinimal(t *testing.T) {
	s, err := Parse("demo.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if s.Slug != "demo" || s.Title != "Demo" || s.Version != 1 || s.ReviewNote == "" {
		t.Errorf("header = %q %q %d %q", s.Slug, s.Title, s.Version, s.ReviewNote)
	}
	want := []consent.Section{
		{Key: "overview", Kind: "overview", Heading: "Resumen", Body: "Tratamiento en {{clinic_name}}."},
		{Key: "rights", Kind: "rights", Heading: "Derechos", Body: "Puede negarse.", RequiresAcknowledgment: true},
	}
	if d := cmp.Diff(want, s.Content.Locales["es"].Sections); d != "" {
		t.Errorf("es sections (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]consent.Variable{{Name: "clinic_name", Label: "Clinic name", Required: true}}, s.Content.Variables); d != "" {
		t.Errorf("variables (-want +got):\n%s", d)
	}
	if got := s.Content.Locales["en"].Sections[0].Body; got != "Treatment at {{clinic_name}}.\n" {
		t.Errorf("block scalar body = %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string // one edit of minimal, or (old empty) the whole file
		wantField string
		wantIn    string // also expected in the message
	}{
		{"unknown top-level field", "version: 1\n", "version: 1\ncolour: red\n",
			"colour", "unknown field (line 6)"},
		{"unknown section field", "body: Puede negarse.\n", "body: Puede negarse.\n        bodyy: x\n", "locales.es.sections[1].bodyy", "unknown field"},
		{"unknown locale field", "    disclosure: Registros electrónicos.\n", "    disclosure: Registros electrónicos.\n    footer: x\n", "locales.es.footer", "unknown field"},
		{"unknown variable field", "required: true}", "required: true, deflaut: x}",
			"variables[0].deflaut", "unknown field"},
		{"default on two lines", "required: true}", "required: true, default: \"a\\nb\"}",
			"variables[0].default", "single line"},
		{"default with a control character", "required: true}", "required: true, default: \"a\\u0007\"}",
			"variables[0].default", "control character"},
		{"default too long", "required: true}", "required: true, default: " + strings.Repeat("x", 501) + "}",
			"variables[0].default", "too long"},
		{"default the PDF cannot print", "required: true}", "required: true, default: \"नमस्ते\"}",
			"variables[0].default", "U+0928"},
		{"change summary with an undeclared variable", "    disclosure: Registros electrónicos.\n",
			"    disclosure: Registros electrónicos.\n    change_summary: Nuevo en {{clinica}}.\n",
			"locales.es.change_summary", `undeclared variable "clinica"`},
		{"change summary the PDF cannot print", "    disclosure: Registros electrónicos.\n",
			"    disclosure: Registros electrónicos.\n    change_summary: \"नया\"\n", "locales.es.change_summary", "U+0928"},
		{"change summary with a control character", "    disclosure: Registros electrónicos.\n",
			"    disclosure: Registros electrónicos.\n    change_summary: \"a\\u0007\"\n", "locales.es.change_summary", "control character"},
		{"change summary too long", "    disclosure: Registros electrónicos.\n",
			"    disclosure: Registros electrónicos.\n    change_summary: " + strings.Repeat("x", 5001) + "\n", "locales.es.change_summary", "too long"},
		{"unknown kind", "        kind: rights\n        heading: Rights", "        kind: rihgts\n        heading: Rights", "locales.en.sections[1].kind", `unknown kind "rihgts"`},
		{"duplicate section key", "      - key: rights\n        kind: rights\n        heading: Derechos", "      - key: overview\n        kind: rights\n        heading: Derechos", "locales.es.sections[1].key", `duplicate section key "overview"`},
		{"locale with a missing section", "      - key: rights\n        kind: rights\n        heading: Derechos\n        requires_acknowledgment: true\n        body: Puede negarse.\n", "", "locales.es.sections", "has 1 sections but locale en has 2"},
		{"section key differs between locales", "      - key: rights\n        kind: rights\n        heading: Derechos", "      - key: derechos\n        kind: rights\n        heading: Derechos", "locales.es.sections[1]", "must match locale en"},
		{"acknowledgment differs between locales", "heading: Derechos\n        requires_acknowledgment: true", "heading: Derechos\n        requires_acknowledgment: false", "locales.es.sections[1]", "requires_acknowledgment must match"},
		{"undeclared variable in body", "Tratamiento en {{clinic_name}}", "Tratamiento en {{clinic_nmae}}",
			"locales.es.sections[0].body", `undeclared variable "clinic_nmae"`},
		{"undeclared variable in disclosure", "{{ clinic_name }}", "{{ clinic_phone }}",
			"locales.en.disclosure", `undeclared variable "clinic_phone"`},
		{"bad required signer", "[patient, clinician]", "[patient, nurse]",
			"required_signers[1]", `unknown role "nurse"`},
		{"representative as required signer", "[patient, clinician]", "[representative, clinician]",
			"required_signers[0]", "representative"},
		{"bad role in meanings", "      clinician: Lo expliqué.\n", "      clinician: Lo expliqué.\n      nurse: Vi.\n",
			"locales.es.meanings.nurse", "unknown role"},
		{"missing meaning of a required signer", "      clinician: I explained.\n", "",
			"locales.en.meanings.clinician", "is required"},
		{"bad signature form", "[drawn, typed]", "[drawn, stamp]",
			"signature_forms[1]", "must be one of"},
		{"expiry out of range", "expires_after_hours: 24", "expires_after_hours: 0",
			"expires_after_hours", "between 1 and"},
		{"wrong type for version", "version: 1", "version: one",
			"version", "cannot unmarshal"},
		{"wrong type for requires_acknowledgment", "heading: Rights\n        requires_acknowledgment: true", "heading: Rights\n        requires_acknowledgment: maybe", "locales.en.sections[1].requires_acknowledgment", "cannot unmarshal"},
		{"bad slug", "slug: demo", "slug: Demo Template", "slug", "lowercase"},
		{"version zero", "version: 1", "version: 0", "version", "positive"},
		{"missing review note", "review_note: Must be reviewed by the medical director before use.\n", "", "review_note", "required"},
		{"bad locale code", "  es:\n", "  spanish:\n", "locales.spanish", "not a valid locale"},
		{"malformed YAML", "slug: demo\n", "slug: [demo\n", "", "malformed YAML"},
		{"tab indentation", "  en:\n", "\ten:\n", "", "malformed YAML"},
		{"duplicate YAML key", "slug: demo\n", "slug: demo\nslug: other\n",
			"slug", `"slug" already defined`},
		{"second document", "", minimal + "---\nslug: other\n", "", "exactly one YAML document"},
		{"empty file", "", "# nothing\n", "", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.new
			if tt.old != "" {
				data = edit(t, tt.old, tt.new)
			}
			_, err := Parse("files/demo/1.yaml", []byte(data))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if code := consent.ErrorCode(err); code != consent.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, consent.EINVALID, err)
			}
			if got := consent.ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tt.wantField, err)
			}
			msg := consent.ErrorMessage(err)
			if !strings.HasPrefix(msg, "files/demo/1.yaml: ") {
				t.Errorf("message %q does not start with the file name", msg)
			}
			if tt.wantField != "" && !strings.Contains(msg, tt.wantField+":") {
				t.Errorf("message %q does not name field %q", msg, tt.wantField)
			}
			if !strings.Contains(msg, tt.wantIn) {
				t.Errorf("message %q does not contain %q", msg, tt.wantIn)
			}
		})
	}
}

// TestParseDefaultAndChangeSummary: a variable's default and a locale's
// change summary are read from the file into the version's content.
func TestParseDefaultAndChangeSummary(t *testing.T) {
	data := edit(t, "required: true}", "required: true, default: Calm Waters Clinic}")
	data = strings.Replace(data, "    disclosure: Registros electrónicos.\n",
		"    disclosure: Registros electrónicos.\n    change_summary: |\n      - Nueva sección sobre el **costo** en {{clinic_name}}.\n", 1)
	s, err := Parse("demo.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []consent.Variable{{Name: "clinic_name", Label: "Clinic name", Required: true, Default: "Calm Waters Clinic"}}
	if d := cmp.Diff(want, s.Content.Variables); d != "" {
		t.Errorf("variables (-want +got):\n%s", d)
	}
	if got := s.Content.Locales["es"].ChangeSummary; got != "- Nueva sección sobre el **costo** en {{clinic_name}}.\n" {
		t.Errorf("es change summary = %q", got)
	}
	if got := s.Content.Locales["en"].ChangeSummary; got != "" {
		t.Errorf("en change summary = %q, want none", got)
	}
}

// TestChangeSummaryNesting: the change summary is held to the same Markdown
// nesting bound as bodies, and the error names it.
func TestChangeSummaryNesting(t *testing.T) {
	data := strings.Replace(minimal, "    disclosure: Registros electrónicos.\n",
		"    disclosure: Registros electrónicos.\n    change_summary: \""+strings.Repeat("> ", 5)+"deep\"\n", 1)
	s, err := Parse("demo.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Content.CheckNesting(NewMarkdown())
	if got := consent.ErrorField(err); got != "locales.es.change_summary" {
		t.Errorf("field = %q, want locales.es.change_summary (%v)", got, err)
	}
	if _, _, err := Lint("demo.yaml", []byte(data)); consent.ErrorField(err) != "locales.es.change_summary" {
		t.Errorf("Lint error = %v, want the change summary's nesting", err)
	}
}

func TestParseMalformedNamesLine(t *testing.T) {
	_, err := Parse("x.yaml", []byte(edit(t, "slug: demo\n", "slug: [demo\n")))
	if msg := consent.ErrorMessage(err); !strings.Contains(msg, "line ") {
		t.Errorf("message %q does not name a line", msg)
	}
}
