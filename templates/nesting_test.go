package templates

import (
	"strings"
	"testing"
)

func TestMarkdownNesting(t *testing.T) {
	tests := []struct {
		md   string
		want int
	}{
		{"plain text", 0},
		{"- a\n- b", 1},
		{"> quote", 1},
		{"- a\n  - b\n    - c", 3},
		{"> - a\n>   > b", 3},
		{strings.Repeat("> ", 60) + "deep", 60},
		{"# heading\n\n1. one\n2. two\n\n> after", 1},
	}
	m := NewMarkdown()
	for _, tt := range tests {
		if got := m.MarkdownNesting(tt.md); got != tt.want {
			t.Errorf("MarkdownNesting(%q) = %d, want %d", tt.md, got, tt.want)
		}
	}
}

// TestShippedTemplatesNesting: every shipped template stays within the bound.
func TestShippedTemplatesNesting(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if err := s.Content.CheckNesting(NewMarkdown()); err != nil {
			t.Errorf("%s v%d: %v", s.Slug, s.Version, err)
		}
	}
}
