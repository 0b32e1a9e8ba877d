package api

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/consentd/consentd/consent"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeStrict decodes b, exactly one JSON value in valid UTF-8, into v and
// reads exactly what was sent: a key given twice, a key that matches a field
// only when case is ignored, and an unknown key are refused (400) naming the
// key with its full path (e.g. "locales.en.sections[3].key"). It uses the
// encoding/json/v2 design, which checks names exactly and refuses duplicates.
func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return consent.Errorf(consent.EINVALID, "Request body is empty; send one JSON object.")
	} else if !utf8.Valid(b) {
		return consent.Errorf(consent.EINVALID, "Request body is not valid UTF-8.")
	}
	err := jsonv2.Unmarshal(b, v, jsonv2.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	return decodeError(reflect.TypeOf(v), err)
}

// decodeError turns a decoding error into a message for the client that names
// the JSON field and kinds, never Go types or the library.
func decodeError(t reflect.Type, err error) error {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return consent.FieldErrorf(consent.EINVALID, fieldPath(t, syn.JSONPointer), "duplicate key; send each key once.")
	case errors.As(err, &syn) && errors.Is(syn.Err, io.ErrUnexpectedEOF):
		return consent.Errorf(consent.EINVALID, "Malformed JSON: unexpected end of body.")
	case errors.As(err, &syn) && strings.Contains(syn.Err.Error(), "after top-level value"):
		return consent.Errorf(consent.EINVALID, "Request body must be exactly one JSON value.")
	case errors.As(err, &syn):
		return consent.Errorf(consent.EINVALID, "Malformed JSON at byte %d.", syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName):
		return unknownFieldError(t, sem.JSONPointer)
	case errors.As(err, &sem):
		field := fieldPath(t, sem.JSONPointer)
		if field == "" {
			return consent.Errorf(consent.EINVALID, "Request body must be a JSON object.")
		}
		want, got := "a number", jsonKindName(sem.JSONKind)
		if sem.GoType != nil {
			want = jsonTypeName(sem.GoType)
		}
		if got == "number" && want == "a whole number" {
			return consent.FieldErrorf(consent.EINVALID, field, "expected a whole number within range.")
		} else if got == "" {
			return consent.FieldErrorf(consent.EINVALID, field, "expected %s.", want)
		}
		return consent.FieldErrorf(consent.EINVALID, field, "expected %s, got %s.", want, got)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return consent.Errorf(consent.EINVALID, "Malformed JSON: unexpected end of body.")
	}
	return consent.Errorf(consent.EINVALID, "Malformed JSON.")
}

// unknownFieldError names an unknown key, and the field it was probably meant
// to be when it differs only in case: keys are case-sensitive.
func unknownFieldError(t reflect.Type, ptr jsontext.Pointer) error {
	field := fieldPath(t, ptr)
	name := ptr.LastToken()
	if st := typeAt(t, ptr.Parent()); st != nil && st.Kind() == reflect.Struct {
		for _, known := range jsonFieldNames(st) {
			if strings.EqualFold(known, name) {
				return consent.FieldErrorf(consent.EINVALID, field, "unknown field; keys are case-sensitive (did you mean %q?).", known)
			}
		}
	}
	return consent.FieldErrorf(consent.EINVALID, field, "unknown field.")
}

// fieldPath turns a JSON pointer into the dotted path errors name, with array
// indexes in brackets: /locales/en/sections/3/key → locales.en.sections[3].key.
func fieldPath(t reflect.Type, ptr jsontext.Pointer) string {
	var b strings.Builder
	for tok := range ptr.Tokens() {
		t = deref(t)
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			if _, err := strconv.Atoi(tok); err == nil {
				b.WriteString("[" + tok + "]")
				t = t.Elem()
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
		t = childType(t, tok)
	}
	return b.String()
}

// typeAt returns the Go type at a JSON pointer below t, or nil.
func typeAt(t reflect.Type, ptr jsontext.Pointer) reflect.Type {
	for tok := range ptr.Tokens() {
		t = deref(t)
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			t = t.Elem()
			continue
		}
		t = childType(t, tok)
	}
	return deref(t)
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// childType is the type of member name in a struct or map type, or nil.
func childType(t reflect.Type, name string) reflect.Type {
	switch {
	case t == nil:
		return nil
	case t.Kind() == reflect.Map:
		return t.Elem()
	case t.Kind() == reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
				return f.Type
			}
		}
	}
	return nil
}

func jsonFieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			out = append(out, n)
		}
	}
	return out
}

// jsonTypeName says which JSON value a Go type takes.
func jsonTypeName(t reflect.Type) string {
	switch deref(t).Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	}
	return "a number"
}

// jsonKindName names the kind of JSON value that was sent.
func jsonKindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return ""
}
