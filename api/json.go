package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// readBody reads the whole request body within the server's size limit.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	return readBodyLimit(c, limit)
}

// readBodyLimit reads the whole request body, at most limit bytes (ETOOLARGE
// beyond), once per request.
func readBodyLimit(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.Body == nil {
		return nil, nil
	}
	if v, ok := c.Get(bodyKey); ok {
		return v.([]byte), nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, consent.Errorf(consent.ETOOLARGE, "Request body too large (at most %d bytes).", limit)
	} else if err != nil {
		return nil, consent.Errorf(consent.EINVALID, "Could not read the request body.")
	}
	c.Set(bodyKey, b)
	return b, nil
}

const bodyKey = "consentd.body"

// decodeJSON decodes exactly one JSON value in valid UTF-8 into v, rejecting
// unknown fields and naming the offending field in errors.
func (s *Server) decodeJSON(c *gin.Context, v any) error {
	b, err := s.readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return consent.Errorf(consent.EINVALID, "Request body is empty; send one JSON object.")
	} else if !utf8.Valid(b) {
		return consent.Errorf(consent.EINVALID, "Request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		err = jsonError(err)
		if f := consent.ErrorField(err); f != "" && !strings.Contains(f, ".") && strings.HasSuffix(consent.ErrorMessage(err), "unknown field.") {
			var generic any
			if json.Unmarshal(b, &generic) == nil {
				if path := unknownPath(reflect.TypeOf(v), generic, ""); path != "" {
					return consent.FieldErrorf(consent.EINVALID, path, "unknown field.")
				}
			}
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return consent.Errorf(consent.EINVALID, "Request body must be exactly one JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return consent.Errorf(consent.EINVALID, "Request body must be a JSON %s.", "object")
		}
		return consent.FieldErrorf(consent.EINVALID, field, "expected %s, got %s.", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return consent.Errorf(consent.EINVALID, "Malformed JSON at byte %d.", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return consent.Errorf(consent.EINVALID, "Malformed JSON: unexpected end of body.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return consent.FieldErrorf(consent.EINVALID, field, "unknown field.")
	}
	return consent.Errorf(consent.EINVALID, "Malformed JSON.")
}

// unknownPath finds the dotted path of the first object key in val that the Go
// type t has no json field for; encoding/json names only the key itself.
func unknownPath(t reflect.Type, val any, prefix string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := val.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for k, e := range v {
				if p := unknownPath(t.Elem(), e, prefix+k+"."); p != "" {
					return p
				}
			}
			return ""
		} else if t.Kind() != reflect.Struct {
			return ""
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for _, k := range sortedKeys(v) {
			ft, ok := fields[k]
			if !ok {
				return prefix + k
			}
			if p := unknownPath(ft, v[k], prefix+k+"."); p != "" {
				return p
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range v {
				if p := unknownPath(t.Elem(), e, fmt.Sprintf("%s%d].", strings.TrimSuffix(prefix, ".")+"[", i)); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			collectFields(f.Type, out)
		} else if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a number"
}

// ok writes a success response with the given status.
func ok(c *gin.Context, status int, v any) {
	c.JSON(status, v)
}
