package consent

import "testing"

// The domain holds the rule too: a Mark from any caller carries only its
// form's data.
func TestMarkCarriesOnlyItsOwnFields(t *testing.T) {
	tests := []struct {
		name  string
		mark  Mark
		field string
	}{
		{"drawn with text", Mark{Type: "drawn", Width: 600, Height: 200, Text: "Mallory"}, "signature.text"},
		{"drawn with image", Mark{Type: "drawn", Width: 600, Height: 200, PNG: []byte("not a png")}, "signature.png_base64"},
		{"typed with image", Mark{Type: "typed", Text: "Zoë", PNG: []byte("x")}, "signature.png_base64"},
		{"typed with canvas", Mark{Type: "typed", Text: "Zoë", Height: 10}, "signature.height"},
		{"image with strokes", Mark{Type: "image", PNG: []byte("x"), Strokes: [][]Point{{{X: 1, Y: 1}}}}, "signature.strokes"},
		{"image with text", Mark{Type: "image", PNG: []byte("x"), Text: "Mallory"}, "signature.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.mark.Validate(SignatureForms, "Zoë")
			if ErrorCode(err) != EINVALID || ErrorField(err) != tt.field {
				t.Fatalf("Validate = %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}
