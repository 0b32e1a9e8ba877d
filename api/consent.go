package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type createConsentRequest struct {
	Template  string            `json:"template"`
	Version   *int              `json:"version"`
	Locale    string            `json:"locale"`
	Patient   patientJSON       `json:"patient"`
	Variables map[string]string `json:"variables"`
}

// writeJSON writes already encoded JSON.
func writeJSON(c *gin.Context, status int, b []byte) {
	c.Data(status, "application/json; charset=utf-8", b)
}

func (s *Server) createConsent(c *gin.Context) {
	var req createConsentRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in := consent.CreateConsentInput{Template: req.Template, Locale: req.Locale, Variables: req.Variables,
		Patient: consent.Patient{ID: req.Patient.ID, GivenName: req.Patient.GivenName, FamilyName: req.Patient.FamilyName, BirthDate: req.Patient.BirthDate}}
	if req.Version != nil {
		if *req.Version < 1 {
			s.fail(c, consent.FieldErrorf(consent.EINVALID, "version", "must be a positive version number."))
			return
		}
		in.Version = *req.Version
	}
	view, err := readView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	encode := s.createdEncoder(c.Request.Context(), view)
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedConsent, error) {
		return s.Service.CreateConsent(ctx, in)
	}, encode)
}

// createdEncoder encodes a new consent in view with its signing link and
// code, shown only in the creation response.
func (s *Server) createdEncoder(ctx context.Context, view string) func(*consent.CreatedConsent) (any, error) {
	encode := s.viewEncoder(ctx, view)
	return func(out *consent.CreatedConsent) (any, error) {
		return encode(out.Consent, &signingJSON{URL: "/sign/" + out.SigningToken, Code: out.SigningCode, ExpiresAt: ts(out.Consent.ExpiresAt)})
	}
}

func (s *Server) getConsent(c *gin.Context) {
	view, err := readView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.ReadConsent(c.Request.Context(), c.Param("id"), view)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := s.viewEncoder(c.Request.Context(), view)(out, nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, b)
}

type listResponse[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageLimit parses the limit query parameter: default 50, at most 200.
func pageLimit(c *gin.Context) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, consent.FieldErrorf(consent.EINVALID, "limit", "must be a whole number from 1 to 200.")
	}
	return n, nil
}

func (s *Server) listConsents(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	view, err := readView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := consent.ConsentFilter{PatientID: c.Query("patient_id"),
		Status: c.Query("status"), TemplateSlug: c.Query("template"), Limit: limit, Cursor: c.Query("cursor")}
	if f.ReconsentDue, err = flagParam(c, "reconsent_due"); err != nil {
		s.fail(c, err)
		return
	} else if f.RenewalDue, err = flagParam(c, "renewal_due"); err != nil {
		s.fail(c, err)
		return
	}
	list, next, err := s.Service.ListConsentsView(c.Request.Context(), f, view)
	if err != nil {
		s.fail(c, err)
		return
	}
	encode := s.viewEncoder(c.Request.Context(), view)
	items := make([]json.RawMessage, 0, len(list))
	for _, x := range list {
		b, err := encode(x, nil)
		if err != nil {
			s.fail(c, err)
			return
		}
		items = append(items, b)
	}
	writeJSON(c, http.StatusOK, rawList(items, next))
}

// rawList encodes a listResponse of items that json.Marshal encoded, byte
// for byte as json.Marshal encodes the listResponse, without what it would
// do again: validate and compact every item (about a seventh of a summary
// list's CPU, and megabytes of frozen text per full list). Items from
// json.Marshal are compact and HTML-escaped already.
func rawList(items []json.RawMessage, next string) []byte {
	n := len(`{"data":[]}`) + len(items)
	for _, b := range items {
		n += len(b)
	}
	out := make([]byte, 0, n+len(next)+len(`,"next_cursor":""`))
	out = append(out, `{"data":[`...)
	for i, b := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, ']')
	if next != "" {
		cur, _ := json.Marshal(next) // a string always encodes
		out = append(append(out, `,"next_cursor":`...), cur...)
	}
	return append(out, '}')
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// transition handles decline, cancel, withdraw and void; a key without
// consents:read gets the consent's new state, not its patient data.
func (s *Server) transition(to string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req reasonRequest
		if err := s.decodeJSON(c, &req); err != nil {
			s.fail(c, err)
			return
		}
		encode, err := s.consentEncoder(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		write(s, c, http.StatusOK, func(ctx context.Context) (*consent.Consent, error) {
			return s.Service.Transition(ctx, c.Param("id"), to, req.Reason)
		}, func(cs *consent.Consent) (any, error) { return encode(cs) })
	}
}

// flagParam parses a list filter flag: absent or "false" (no filter) or "true".
func flagParam(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, consent.FieldErrorf(consent.EINVALID, name, "must be true or false.")
}

type reconsentRequest struct {
	Variables map[string]string `json:"variables"`
}

// reconsent creates a re-consent of a consent on its template's current
// version; the response is a created consent, with its signing link.
func (s *Server) reconsent(c *gin.Context) {
	b, err := s.readBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req reconsentRequest
	if len(b) > 0 { // the body is optional
		if err := decodeStrict(b, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	view, err := readView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedConsent, error) {
		return s.Service.Reconsent(ctx, c.Param("id"), consent.ReconsentInput{Variables: req.Variables})
	}, s.createdEncoder(c.Request.Context(), view))
}
