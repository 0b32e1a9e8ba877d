package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplatesLint runs "consentd templates lint FILE" on the shipped files
// and on broken copies: exit 0 with every section's figures when the file is
// valid and plain, 1 when a limit is broken or the file is invalid.
func TestTemplatesLint(t *testing.T) {
	v2, err := os.ReadFile("templates/files/ketamine-iv/2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := strings.Replace(string(v2), "          Ketamine is a medicine that doctors have used",
		"          "+strings.Repeat("This sentence goes on and on ", 6)+"without a stop.\n\n          Ketamine is a medicine that doctors have used", 1)
	hard := strings.Replace(string(v2), "          Ketamine is a medicine that doctors have used",
		"          "+strings.Repeat("Pharmacological neuropsychiatric considerations necessitate individualized evaluation. ", 8)+"\n\n          Ketamine is a medicine that doctors have used", 1)
	tests := []struct {
		name     string
		file     string
		wantErr  error
		wantOut  []string
		wantNone []string
	}{
		{"version 2", "templates/files/ketamine-iv/2.yaml", nil,
			[]string{"ketamine-iv version 2: valid", "en     overview", "es     cost", "Flesch–Kincaid", "Fernández-Huerta", "change_summary", "\nOK\n"}, []string{"FAIL"}},
		{"grandfathered version 1", "templates/files/ketamine-iv/1.yaml", nil,
			[]string{"ketamine-iv version 1: valid", "FAIL: grade", "grandfathered", "OK (grandfathered"}, nil},
		{"a sentence over 25 words", write("long.yaml", long), exitError(1),
			[]string{"en     overview", "a sentence of 39 words (at most 25)", "FAIL: 1 readability problem(s)"}, nil},
		{"a grade above 8", write("hard.yaml", hard), exitError(1), []string{"is above 8"}, nil},
		{"invalid structure", write("bad.yaml", strings.Replace(string(v2), "kind: cost", "kind: price", 2)), exitError(1),
			[]string{"INVALID:", "bad.yaml", `unknown kind "price"`}, []string{"readability of"}},
		{"missing file", filepath.Join(dir, "none.yaml"), nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o bytes.Buffer
			err := run(context.Background(), []string{"templates", "lint", tt.file}, env(nil), &o)
			if tt.name == "missing file" {
				if err == nil || err == exitError(0) {
					t.Fatalf("lint of a missing file: %v", err)
				}
				return
			}
			if err != tt.wantErr {
				t.Fatalf("exit = %v, want %v\n%s", err, tt.wantErr, o.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(o.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, o.String())
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(o.String(), w) {
					t.Errorf("output has %q:\n%s", w, o.String())
				}
			}
		})
	}
	var o bytes.Buffer
	if err := run(context.Background(), []string{"templates", "lint"}, env(nil), &o); err == nil {
		t.Error("lint without a file succeeded")
	}
}
