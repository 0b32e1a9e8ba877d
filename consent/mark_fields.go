package consent

// markFields lists, per signature form, the fields of a Mark it may carry
// besides its type: a drawn mark is a canvas and strokes, an image a PNG, a
// typed mark a text. Anything else would be stored in the signature record
// without being what the signer made.
var markFields = map[string][]string{
	"drawn": {"width", "height", "strokes"},
	"image": {"png_base64"},
	"typed": {"text"},
}

// MarkFieldAllowed reports whether a mark of type form may carry field (as
// named in the API: width, height, strokes, png_base64, text).
func MarkFieldAllowed(form, field string) bool {
	for _, f := range markFields[form] {
		if f == field {
			return true
		}
	}
	return false
}

// checkOwnFields refuses a mark holding data of another form (EINVALID naming
// the first such field), so each form carries exactly its own fields.
func (m *Mark) checkOwnFields() error {
	present := []struct {
		field string
		set   bool
	}{
		{"width", m.Width != 0}, {"height", m.Height != 0}, {"strokes", len(m.Strokes) > 0},
		{"png_base64", len(m.PNG) > 0}, {"text", m.Text != ""},
	}
	for _, p := range present {
		if p.set && !MarkFieldAllowed(m.Type, p.field) {
			return FieldErrorf(EINVALID, "signature."+p.field, "not part of a %s signature; send only its own fields.", m.Type)
		}
	}
	return nil
}
