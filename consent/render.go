package consent

import (
	"fmt"
	"slices"
	"strings"
)

// EscapeMarkdown backslash-escapes every ASCII punctuation character, so a value
// such as "**x**" or "<script>" is shown literally when inserted into Markdown.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maxVariableValue bounds a variable's value and its default, in characters.
const maxVariableValue = 500

// maxChangeSummary bounds a locale's change summary, in characters.
const maxChangeSummary = 5000

// CheckVariables validates the values given for a version's variables: every
// required one present or defaulted, no undeclared one, each a short single line.
func CheckVariables(decl []Variable, vals map[string]string) error {
	for _, name := range sortedKeys(vals) {
		if !slices.ContainsFunc(decl, func(v Variable) bool { return v.Name == name }) {
			return FieldErrorf(EINVALID, "variables."+name, "not a variable of this template version.")
		}
		if err := CheckName("variables."+name, vals[name], maxVariableValue); err != nil {
			return err
		}
	}
	for _, v := range decl {
		if _, ok := vals[v.Name]; v.Required && !ok && v.Default == "" {
			return FieldErrorf(EINVALID, "variables."+v.Name, "is required (%s).", v.Label)
		}
	}
	return nil
}

// WithDefaults returns the values a consent uses: those given, and the
// default of every declared variable not given. The consent keeps this map,
// so its record shows every value its documents were rendered with.
func WithDefaults(decl []Variable, vals map[string]string) map[string]string {
	out := make(map[string]string, len(decl))
	for k, v := range vals {
		out[k] = v
	}
	for _, v := range decl {
		if _, ok := out[v.Name]; !ok && v.Default != "" {
			out[v.Name] = v.Default
		}
	}
	return out
}

// FillMarkdown replaces the {{name}} placeholders of a Markdown text with
// the values, escaped so they show literally; unknown names become empty.
func FillMarkdown(md string, vals map[string]string) string {
	return fill(md, vals, true)
}

// fill replaces {{name}} placeholders; markdown selects escaping for Markdown text.
func fill(text string, vals map[string]string, markdown bool) string {
	return variablePattern.ReplaceAllStringFunc(text, func(m string) string {
		v := vals[variablePattern.FindStringSubmatch(m)[1]]
		if markdown {
			return EscapeMarkdown(v)
		}
		return v
	})
}

// RenderDocument renders one locale of a version for the given variable values
// and computes its content hash.
func RenderDocument(v *TemplateVersion, locale string, vals map[string]string, md MarkdownRenderer) (Document, error) {
	lc, ok := v.Locales[locale]
	if !ok {
		return Document{}, FieldErrorf(EINVALID, "locale", "version %d of %s has no locale %q (it has %s).", v.Version, v.Slug, locale, strings.Join(v.SortedLocales(), ", "))
	}
	d := Document{Locale: locale, Title: fill(lc.Title, vals, false), Disclosure: fill(lc.Disclosure, vals, true), Meanings: map[string]string{}}
	var err error
	if d.DisclosureHTML, err = md.MarkdownToHTML(d.Disclosure); err != nil {
		return Document{}, fmt.Errorf("render disclosure: %w", err)
	}
	if lc.ChangeSummary != "" {
		d.ChangeSummary = fill(lc.ChangeSummary, vals, true)
		if d.ChangeSummaryHTML, err = md.MarkdownToHTML(d.ChangeSummary); err != nil {
			return Document{}, fmt.Errorf("render change summary: %w", err)
		}
	}
	for role, m := range lc.Meanings {
		d.Meanings[role] = fill(m, vals, false)
	}
	for _, s := range lc.Sections {
		ds := DocumentSection{Key: s.Key, Kind: s.Kind, Heading: fill(s.Heading, vals, false), Body: fill(s.Body, vals, true),
			RequiresAcknowledgment: s.RequiresAcknowledgment, Questions: fillQuestions(s.Questions, vals)}
		if ds.BodyHTML, err = md.MarkdownToHTML(ds.Body); err != nil {
			return Document{}, fmt.Errorf("render section %s: %w", s.Key, err)
		}
		d.Sections = append(d.Sections, ds)
	}
	if d.ContentSHA256, err = CanonicalSHA256(d.CanonicalMap(v.Slug, v.Version)); err != nil {
		return Document{}, err
	}
	return d, nil
}
