// Package templates holds the consent templates shipped with consentd as
// human-editable YAML files (embedded in the binary), their loader and
// validator, and the Markdown renderer used to turn template text into HTML.
package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/consentd/consentd/consent"
)

//go:embed files
var files embed.FS

// Shipped is one template version shipped with consentd.
type Shipped struct {
	Slug    string
	Title   string
	Version int
	// ReviewNote is shown to the clinic wherever the shipped text is offered,
	// because it is a starting point that its medical director must approve.
	ReviewNote string
	// Reconsent is the file's top-level `reconsent` (required, recommended
	// or none), the policy used when consentd publishes it itself; outside
	// the content hash. Every version after the first declares one.
	Reconsent string
	Content   consent.VersionContent
}

// Parse decodes one template file and validates its content; every error is an
// EINVALID domain error whose message names the file and whose Field names the
// offending field (for example "locales.es.sections[3].key").
func Parse(name string, data []byte) (*Shipped, error) {
	f, err := decodeFile(data)
	if err != nil {
		return nil, inFile(name, err)
	}
	if err := f.validateHeader(); err != nil {
		return nil, inFile(name, err)
	}
	c := f.content()
	if err := c.Validate(); err != nil {
		return nil, inFile(name, err)
	}
	return &Shipped{Slug: f.Slug, Title: f.Title, Version: f.Version, ReviewNote: strings.TrimSpace(f.ReviewNote),
		Reconsent: f.Reconsent, Content: c}, nil
}

// All parses every embedded template file, sorted by slug then version. Each
// file must live at files/<slug>/<version>.yaml matching its own slug and version.
func All() ([]*Shipped, error) {
	var out []*Shipped
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if path.Ext(p) != ".yaml" {
			return consent.Errorf(consent.EINVALID, "%s: template files must end in .yaml.", p)
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		s, err := Parse(p, data)
		if err != nil {
			return err
		}
		want := fmt.Sprintf("files/%s/%d.yaml", s.Slug, s.Version)
		if p != want {
			return consent.Errorf(consent.EINVALID, "%s: slug %q version %d belongs in %s.", p, s.Slug, s.Version, want)
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Shipped) int {
		if c := strings.Compare(a.Slug, b.Slug); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return out, nil
}

// inFile prefixes a domain error's message with the file name, keeping its
// code and field, so a failing file is easy to find.
func inFile(name string, err error) error {
	e, ok := err.(*consent.Error)
	if !ok {
		return &consent.Error{Code: consent.EINVALID, Message: name + ": " + err.Error()}
	}
	return &consent.Error{Code: e.Code, Field: e.Field, Message: name + ": " + e.Message}
}

func (f *file) validateHeader() error {
	if err := consent.ValidateSlug("slug", f.Slug); err != nil {
		return err
	} else if err := consent.CheckName("title", f.Title, 200); err != nil {
		return err
	} else if f.Version < 1 {
		return consent.FieldErrorf(consent.EINVALID, "version", "must be a positive integer, got %s.", strconv.Itoa(f.Version))
	} else if err := consent.CheckText("review_note", f.ReviewNote, 2000); err != nil {
		return err
	} else if f.Reconsent != "" && !slices.Contains(consent.ReconsentPolicies, f.Reconsent) {
		return consent.FieldErrorf(consent.EINVALID, "reconsent", "must be one of required, recommended, none.")
	} else if f.Reconsent == "" && f.Version > 1 {
		return consent.FieldErrorf(consent.EINVALID, "reconsent",
			"is required from version 2 on: the policy for consents on earlier versions (required, recommended or none).")
	}
	return nil
}
