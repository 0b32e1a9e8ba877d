package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/consentd/consentd/consent"
)

// file is one template version as a YAML file: a header naming the version,
// and its content in the domain's own shape (consent.VersionContent's yaml
// tags are the file format of the content).
type file struct {
	ReviewNote string `yaml:"review_note"`
	Slug       string `yaml:"slug"`
	Title      string `yaml:"title"`
	Version    int    `yaml:"version"`
	// Reconsent is the re-consent policy consentd publishes the version with
	// when it publishes the file itself (first start). It is a property of
	// the publication, not of the text, so it stays outside the content hash.
	Reconsent              string `yaml:"reconsent"`
	consent.VersionContent `yaml:",inline"`
}

// content returns the file's version content.
func (f *file) content() consent.VersionContent { return f.VersionContent }

var yamlLine = regexp.MustCompile(`line (\d+)`)

// decodeFile decodes data strictly: malformed YAML, unknown fields, values of
// the wrong type and trailing documents are errors naming the field and line.
func decodeFile(data []byte) (*file, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, consent.Errorf(consent.EINVALID, "malformed YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil, consent.Errorf(consent.EINVALID, "the file is empty.")
	}
	lines := map[int]string{}
	if err := checkFields(root.Content[0], reflect.TypeFor[file](), "", lines); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, yamlError(err, lines)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, consent.Errorf(consent.EINVALID, "the file must hold exactly one YAML document.")
	}
	return &f, nil
}

// yamlError turns a yaml.v3 decoding error into a domain error that names the
// field found on the line the error reports.
func yamlError(err error, lines map[int]string) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if field, ok := lines[n]; ok {
			return consent.FieldErrorf(consent.EINVALID, field, "%s", msg)
		}
	}
	return consent.Errorf(consent.EINVALID, "invalid YAML: %s", msg)
}

// checkFields walks the YAML tree alongside the Go type it decodes into,
// rejecting keys the type does not have with their full path, and records
// which field each line holds so later type errors can name it.
func checkFields(n *yaml.Node, t reflect.Type, path string, lines map[int]string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		if _, seen := lines[n.Line]; !seen {
			lines[n.Line] = path
		}
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[key.Value]
			if !ok {
				return consent.FieldErrorf(consent.EINVALID, join(path, key.Value),
					"unknown field (line %d); allowed here: %s.", key.Line, strings.Join(sortedNames(fields), ", "))
			}
			if err := checkFields(val, ft, join(path, key.Value), lines); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkFields(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), lines); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			if err := checkFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines); err != nil {
				return err
			}
		}
	}
	return nil
}

// yamlFields maps the YAML keys of struct type t to their types, with the
// keys of inlined structs as t's own.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			maps.Copy(fields, yamlFields(f.Type))
		} else if name != "" {
			fields[name] = f.Type
		}
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedNames(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
