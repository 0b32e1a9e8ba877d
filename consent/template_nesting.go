package consent

import "fmt"

// MaxMarkdownNesting is how deeply lists and block quotes may nest in a
// section body or disclosure. Every level indents the printed text; a
// consent needs no more than a sub-list inside a quote, and a bound keeps
// templates readable on paper and on the tablet.
const MaxMarkdownNesting = 4

// validateContent checks a version's content: the rules of Validate, then the
// Markdown nesting bound, which needs the service's Markdown parser.
func (s *Service) validateContent(c VersionContent) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return c.CheckNesting(s.Markdown)
}

// CheckNesting refuses section bodies and disclosures whose lists and quotes
// nest deeper than MaxMarkdownNesting; the error names the section.
func (c VersionContent) CheckNesting(md MarkdownRenderer) error {
	for _, code := range sortedKeys(c.Locales) {
		lc := c.Locales[code]
		for i, s := range lc.Sections {
			if n := md.MarkdownNesting(s.Body); n > MaxMarkdownNesting {
				return FieldErrorf(EINVALID, fmt.Sprintf("locales.%s.sections[%d].body", code, i),
					"section %q nests lists and quotes %d levels deep; at most %d levels are allowed.", s.Key, n, MaxMarkdownNesting)
			}
		}
		if n := md.MarkdownNesting(lc.Disclosure); n > MaxMarkdownNesting {
			return FieldErrorf(EINVALID, "locales."+code+".disclosure",
				"the disclosure nests lists and quotes %d levels deep; at most %d levels are allowed.", n, MaxMarkdownNesting)
		}
		if n := md.MarkdownNesting(lc.ChangeSummary); n > MaxMarkdownNesting {
			return FieldErrorf(EINVALID, "locales."+code+".change_summary",
				"the change summary nests lists and quotes %d levels deep; at most %d levels are allowed.", n, MaxMarkdownNesting)
		}
	}
	return nil
}
