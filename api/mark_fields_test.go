package api_test

import (
	"encoding/base64"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// Each signature form carries exactly its own fields: a drawn mark with a text
// and an image smuggled in, a typed mark with an image or a canvas, an image
// with strokes, are refused (400 naming the field) and nothing is stored.
func TestSignatureFormsCarryOnlyTheirOwnFields(t *testing.T) {
	s := apptest.New(t)
	png := base64.StdEncoding.EncodeToString(pngBytes(t, 300, 100))
	drawn := func(extra map[string]any) map[string]any {
		m := map[string]any{"width": 600, "height": 200, "strokes": apptest.Strokes()}
		for k, v := range extra {
			m[k] = v
		}
		return mark("drawn", m)
	}
	outside := apptest.Strokes()
	outside[0].([]any)[3] = map[string]any{"x": 600.5, "y": 100, "t": 48}
	tests := []struct {
		name  string
		mark  map[string]any
		field string
	}{
		{"drawn with text and junk image", drawn(map[string]any{"text": "Mallory", "png_base64": "bm90IGEgcG5n"}), "signature.png_base64"},
		{"drawn with text", drawn(map[string]any{"text": "Mallory"}), "signature.text"},
		{"drawn with empty text", drawn(map[string]any{"text": ""}), "signature.text"},
		{"drawn with a real image", drawn(map[string]any{"png_base64": png}), "signature.png_base64"},
		{"drawn stroke outside the canvas", drawn(map[string]any{"strokes": outside}), "signature.strokes[0][3]"},
		{"typed with junk image", mark("typed", map[string]any{"text": "Zoë Müller", "png_base64": "bm90IGEgcG5n"}), "signature.png_base64"},
		{"typed with strokes", mark("typed", map[string]any{"text": "Zoë Müller", "strokes": apptest.Strokes()}), "signature.strokes"},
		{"typed with a canvas", mark("typed", map[string]any{"text": "Zoë Müller", "width": 600}), "signature.width"},
		{"image with strokes", mark("image", map[string]any{"png_base64": png, "strokes": apptest.Strokes()}), "signature.strokes"},
		{"image with empty strokes", mark("image", map[string]any{"png_base64": png, "strokes": []any{}}), "signature.strokes"},
		{"image with a canvas", mark("image", map[string]any{"png_base64": png, "height": 200}), "signature.height"},
		{"image with text", mark("image", map[string]any{"png_base64": png, "text": "Mallory"}), "signature.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := s.CreateConsent(t, "en")
			id := c["id"].(string)
			body := apptest.PatientSignature(apptest.Acknowledged(t, c))
			body["signature"] = tt.mark
			wantError(t, s, 400, tt.field, "POST", "/v1/consents/"+id+"/signatures", s.AdminKey, body)
			if n := len(getConsent(t, s, id)["signatures"].([]any)); n != 0 {
				t.Fatalf("%d signatures stored from a mark with foreign fields", n)
			}
		})
	}
	// Each form with exactly its own fields still signs.
	for _, m := range []map[string]any{drawn(nil), mark("typed", map[string]any{"text": "Zoë Müller"}), mark("image", map[string]any{"png_base64": png})} {
		c := s.CreateConsent(t, "en")
		body := apptest.PatientSignature(apptest.Acknowledged(t, c))
		body["signature"] = m
		want(t, s, 201, "POST", "/v1/consents/"+c["id"].(string)+"/signatures", s.AdminKey, body)
	}
}
