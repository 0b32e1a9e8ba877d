package api

import (
	"encoding/json"
	"net/http"

	"github.com/consentd/consentd/fhir"
)

// fhirRender writes JSON with the FHIR media type (gin's JSON renderer would
// overwrite it with application/json).
type fhirRender struct{ v any }

func (r fhirRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return json.NewEncoder(w).Encode(r.v)
}

func (r fhirRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", fhir.ContentType+"; charset=utf-8")
}
