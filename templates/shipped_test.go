package templates

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/consentd/consentd/consent"
)

const reviewStatement = "This template must be reviewed and approved by the clinic's medical director before use. It is not medical or legal advice."

func shipped(t *testing.T, slug string, version int) *Shipped {
	t.Helper()
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Slug == slug && s.Version == version {
			return s
		}
	}
	t.Fatalf("%s version %d is not shipped", slug, version)
	return nil
}

func TestAllParsesAndValidates(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no shipped templates")
	}
	for i, s := range all {
		if err := s.Content.Validate(); err != nil {
			t.Errorf("%s v%d: %v", s.Slug, s.Version, err)
		}
		if s.ReviewNote != reviewStatement {
			t.Errorf("%s v%d: review note = %q, want %q", s.Slug, s.Version, s.ReviewNote, reviewStatement)
		}
		if i > 0 && (all[i-1].Slug > s.Slug || all[i-1].Slug == s.Slug && all[i-1].Version >= s.Version) {
			t.Errorf("not sorted: %s v%d before %s v%d", all[i-1].Slug, all[i-1].Version, s.Slug, s.Version)
		}
		data, err := files.ReadFile("files/" + s.Slug + "/" + strconv.Itoa(s.Version) + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "# REVIEW REQUIRED: ") || !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(string(data), "#", "")), " "), reviewStatement) {
			t.Errorf("%s v%d: the file does not open with the review comment", s.Slug, s.Version)
		}
	}
}

// TestShippedVariablesUsed catches a declared variable that no text uses: the
// clinic would be asked for a value that never appears.
func TestShippedVariablesUsed(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		for _, v := range s.Content.Variables {
			for code, lc := range s.Content.Locales {
				text := lc.Title + lc.Disclosure
				for _, sec := range lc.Sections {
					text += sec.Heading + sec.Body
				}
				if !strings.Contains(text, "{{"+v.Name+"}}") {
					t.Errorf("%s v%d %s: variable %s is declared but never used", s.Slug, s.Version, code, v.Name)
				}
			}
		}
	}
}

func TestShippedTextIsClean(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		for code, lc := range s.Content.Locales {
			for _, sec := range lc.Sections {
				if !utf8.ValidString(sec.Body) || strings.Contains(sec.Body, "\t") || strings.Contains(sec.Body, "<") {
					t.Errorf("%s %s %s: tabs, raw HTML or invalid UTF-8 in body", s.Slug, code, sec.Key)
				}
				if strings.Contains(sec.Body, "TODO") || strings.Contains(sec.Body, "XXX") {
					t.Errorf("%s %s %s: placeholder text left in", s.Slug, code, sec.Key)
				}
			}
		}
	}
}

func section(t *testing.T, s *Shipped, code, key string) consent.Section {
	t.Helper()
	for _, sec := range s.Content.Locales[code].Sections {
		if sec.Key == key {
			return sec
		}
	}
	t.Fatalf("%s has no section %s", code, key)
	return consent.Section{}
}

func sortedLocales(c consent.VersionContent) []string {
	v := consent.TemplateVersion{VersionContent: consent.VersionContent{Locales: c.Locales}}
	return v.SortedLocales()
}

func BenchmarkAll(b *testing.B) {
	for b.Loop() {
		if _, err := All(); err != nil {
			b.Fatal(err)
		}
	}
}
