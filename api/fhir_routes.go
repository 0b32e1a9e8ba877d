package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/fhir"
	"github.com/gin-gonic/gin"
)

const fhirKey = "consentd.fhir"

// isFHIR reports whether a request is under /fhir/r4, where every error is an
// OperationOutcome: matched routes, and unknown types or wrong methods, which
// no FHIR route's middleware sees.
func isFHIR(c *gin.Context) bool {
	p := c.Request.URL.Path
	return c.GetBool(fhirKey) || p == fhirBase || strings.HasPrefix(p, fhirBase+"/")
}

const fhirBase = "/fhir/r4"

// fhirRoutes registers the read-only FHIR R4 endpoints; their errors are
// OperationOutcomes.
func (s *Server) fhirRoutes(r *gin.Engine) {
	g := r.Group(fhirBase, func(c *gin.Context) { c.Set(fhirKey, true) })
	g.GET("/metadata", s.fhirMetadata)
	g.GET("/Consent", s.requireScope(consent.ScopeConsentsRead), s.fhirSearchConsents)
	g.GET("/Consent/:id", s.requireScope(consent.ScopeConsentsRead), s.fhirConsent)
	g.GET("/DocumentReference/:id", s.requireScope(consent.ScopeConsentsRead), s.fhirDocumentReference)
}

func (s *Server) fhirOptions() fhir.Options {
	return fhir.Options{BaseURL: s.PublicURL, PatientIdentifierSystem: s.FHIRIdentifierSystem,
		OrganizationName: s.ClinicName, Version: s.Version, Now: s.Service.Now}
}

// fhirJSON writes a FHIR resource with the FHIR media type.
func fhirJSON(c *gin.Context, status int, v any) {
	c.Header("Content-Type", fhir.ContentType+"; charset=utf-8")
	c.Render(status, fhirRender{v})
}

// failFHIR writes err as an OperationOutcome.
func (s *Server) failFHIR(c *gin.Context, err error) {
	status, body := fhir.OperationOutcome(err)
	if status == http.StatusInternalServerError {
		s.log(c).Error("internal error", "route", c.FullPath(), "err", err)
	}
	fhirJSON(c, status, body)
	c.Abort()
}

func (s *Server) fhirMetadata(c *gin.Context) {
	fhirJSON(c, http.StatusOK, fhir.CapabilityStatement(s.fhirOptions()))
}

func (s *Server) fhirConsent(c *gin.Context) {
	cs, err := s.Service.GetConsent(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	fhirJSON(c, http.StatusOK, fhir.Consent(cs, s.fhirOptions()))
}

func (s *Server) fhirDocumentReference(c *gin.Context) {
	ctx := c.Request.Context()
	cs, err := s.Service.GetConsent(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if cs.PDF == nil {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "Consent %s has no sealed PDF yet.", cs.ID))
		return
	}
	p, err := s.Service.Store.Consents().FindPDF(ctx, cs.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	doc, err := fhir.DocumentReference(cs, fhir.AttachmentHash(p.Bytes), s.fhirOptions())
	if err != nil {
		s.fail(c, err)
		return
	}
	fhirJSON(c, http.StatusOK, doc)
}

// fhirSearchConsents implements Consent?patient:identifier=[system|]value with
// _count and a _cursor for the next page.
func (s *Server) fhirSearchConsents(c *gin.Context) {
	ctx := c.Request.Context()
	ident := c.Query("patient:identifier")
	if ident == "" {
		s.fail(c, consent.FieldErrorf(consent.EINVALID, "patient:identifier", "search by patient:identifier=[system|]value."))
		return
	}
	system, value, hasSystem := strings.Cut(ident, "|")
	if !hasSystem {
		value, system = ident, ""
	}
	count := 50
	if v := c.Query("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			s.fail(c, consent.FieldErrorf(consent.EINVALID, "_count", "must be 1 to 200."))
			return
		}
		count = n
	}
	self := "/fhir/r4/Consent?" + c.Request.URL.RawQuery
	opts := s.fhirOptions()
	wantSystem := opts.PatientIdentifierSystem
	if wantSystem == "" {
		wantSystem = fhir.DefaultPatientIDSys
	}
	if value == "" || (hasSystem && system != "" && system != wantSystem) {
		fhirJSON(c, http.StatusOK, fhir.SearchBundle(nil, 0, self, "", opts))
		return
	}
	page, next, err := s.Service.ListConsents(ctx, consent.ConsentFilter{PatientID: value, Limit: count, Cursor: c.Query("_cursor")})
	if err != nil {
		s.fail(c, err)
		return
	}
	total, err := s.Service.Store.Consents().CountConsents(ctx, consent.ConsentFilter{PatientID: value})
	if err != nil {
		s.fail(c, err)
		return
	}
	nextURL := ""
	if next != "" {
		q := url.Values{"patient:identifier": {ident}, "_count": {strconv.Itoa(count)}, "_cursor": {next}}
		nextURL = "/fhir/r4/Consent?" + q.Encode()
	}
	fhirJSON(c, http.StatusOK, fhir.SearchBundle(page, total, self, nextURL, opts))
}
