package api

import (
	"net/http"
	"strconv"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

type templateJSON struct {
	Slug           string   `json:"slug"`
	Title          string   `json:"title"`
	CurrentVersion *int     `json:"current_version"`
	Locales        []string `json:"locales"`
	CreatedAt      string   `json:"created_at"`
}

type templateSectionJSON struct {
	Key                    string `json:"key"`
	Kind                   string `json:"kind"`
	Heading                string `json:"heading"`
	Body                   string `json:"body"`
	RequiresAcknowledgment bool   `json:"requires_acknowledgment"`
}

type localeJSON struct {
	Title         string                `json:"title"`
	Sections      []templateSectionJSON `json:"sections"`
	Disclosure    string                `json:"disclosure"`
	Meanings      map[string]string     `json:"meanings"`
	ChangeSummary string                `json:"change_summary,omitempty"`
}

// contentJSON is a version's content, as sent to create or edit a draft.
type contentJSON struct {
	Locales           map[string]localeJSON `json:"locales"`
	Variables         []consent.Variable    `json:"variables"`
	RequiredSigners   []string              `json:"required_signers"`
	SignatureForms    []string              `json:"signature_forms"`
	ExpiresAfterHours int                   `json:"expires_after_hours"`
}

// versionSummaryJSON is a version as listed: its lifecycle, not its content.
type versionSummaryJSON struct {
	Slug          string  `json:"slug"`
	Version       int     `json:"version"`
	Status        string  `json:"status"`
	ContentSHA256 string  `json:"content_sha256"`
	PublishedAt   *string `json:"published_at"`
	ApprovedBy    string  `json:"approved_by,omitempty"`
	RetiredAt     *string `json:"retired_at,omitempty"`
	CreatedAt     string  `json:"created_at"`
}

// versionJSON is a full version: lifecycle and content.
type versionJSON struct {
	versionSummaryJSON
	contentJSON
}

func (j contentJSON) toDomain() consent.VersionContent {
	out := consent.VersionContent{Locales: map[string]consent.LocaleContent{}, RequiredSigners: j.RequiredSigners,
		SignatureForms: j.SignatureForms, ExpiresAfterHours: j.ExpiresAfterHours, Variables: j.Variables}
	for code, l := range j.Locales {
		lc := consent.LocaleContent{Title: l.Title, Disclosure: l.Disclosure, Meanings: l.Meanings, ChangeSummary: l.ChangeSummary}
		for _, s := range l.Sections {
			lc.Sections = append(lc.Sections, consent.Section{Key: s.Key, Kind: s.Kind, Heading: s.Heading, Body: s.Body,
				RequiresAcknowledgment: s.RequiresAcknowledgment})
		}
		out.Locales[code] = lc
	}
	return out
}

func toContentJSON(c consent.VersionContent) contentJSON {
	out := contentJSON{Locales: map[string]localeJSON{}, Variables: []consent.Variable{}, RequiredSigners: c.RequiredSigners,
		SignatureForms: c.SignatureForms, ExpiresAfterHours: c.ExpiresAfterHours}
	for code, l := range c.Locales {
		lj := localeJSON{Title: l.Title, Disclosure: l.Disclosure, Meanings: l.Meanings, ChangeSummary: l.ChangeSummary,
			Sections: []templateSectionJSON{}}
		for _, s := range l.Sections {
			lj.Sections = append(lj.Sections, templateSectionJSON{Key: s.Key, Kind: s.Kind, Heading: s.Heading, Body: s.Body,
				RequiresAcknowledgment: s.RequiresAcknowledgment})
		}
		out.Locales[code] = lj
	}
	out.Variables = append(out.Variables, c.Variables...)
	return out
}

func toTemplateJSON(t *consent.Template) templateJSON {
	locales := t.Locales
	if locales == nil {
		locales = []string{}
	}
	return templateJSON{Slug: t.Slug, Title: t.Title, CurrentVersion: t.CurrentVersion, Locales: locales, CreatedAt: ts(t.CreatedAt)}
}

func toVersionSummaryJSON(v *consent.TemplateVersion) versionSummaryJSON {
	return versionSummaryJSON{Slug: v.Slug, Version: v.Version, Status: v.Status, ContentSHA256: v.ContentSHA256,
		PublishedAt: tsp(v.PublishedAt), ApprovedBy: v.ApprovedBy, RetiredAt: tsp(v.RetiredAt), CreatedAt: ts(v.CreatedAt)}
}

func toVersionJSON(v *consent.TemplateVersion) versionJSON {
	return versionJSON{versionSummaryJSON: toVersionSummaryJSON(v), contentJSON: toContentJSON(v.Content())}
}

type createTemplateRequest struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

func (s *Server) createTemplate(c *gin.Context) {
	var req createTemplateRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	render := func(r any) any { return toTemplateJSON(r.(*consent.Template)) }
	t, err := s.Service.CreateTemplate(s.idem(c, http.StatusCreated, render), req.Slug, req.Title)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusCreated, render(t))
}

func (s *Server) listTemplates(c *gin.Context) {
	list, err := s.Service.Store.ListTemplates(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[templateJSON]{Data: []templateJSON{}}
	for _, t := range list {
		out.Data = append(out.Data, toTemplateJSON(t))
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) getTemplate(c *gin.Context) {
	t, err := s.Service.Store.FindTemplate(c.Request.Context(), c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, toTemplateJSON(t))
}

func (s *Server) listVersions(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := s.Service.Store.FindTemplate(ctx, c.Param("slug")); err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Service.Store.ListVersions(ctx, c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[versionSummaryJSON]{Data: []versionSummaryJSON{}}
	for _, v := range list {
		out.Data = append(out.Data, toVersionSummaryJSON(v))
	}
	ok(c, http.StatusOK, out)
}

// versionParam parses the :version path parameter.
func versionParam(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		return 0, consent.Errorf(consent.ENOTFOUND, "No such template version.")
	}
	return n, nil
}

func (s *Server) getVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.Store.FindVersion(c.Request.Context(), c.Param("slug"), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, toVersionJSON(v))
}

func renderVersion(r any) any { return toVersionJSON(r.(*consent.TemplateVersion)) }

func (s *Server) createVersion(c *gin.Context) {
	b, err := s.readBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var content *consent.VersionContent
	if len(b) > 0 {
		var req contentJSON
		if err := decodeStrict(b, &req); err != nil {
			s.fail(c, err)
			return
		}
		d := req.toDomain()
		content = &d
	}
	v, err := s.Service.CreateVersion(s.idem(c, http.StatusCreated, renderVersion), c.Param("slug"), content)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusCreated, renderVersion(v))
}

func (s *Server) updateVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req contentJSON
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.UpdateDraft(c.Request.Context(), c.Param("slug"), n, req.toDomain())
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, renderVersion(v))
}

type publishRequest struct {
	ApprovedBy string `json:"approved_by"`
}

func (s *Server) publishVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req publishRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.PublishVersion(s.idem(c, http.StatusOK, renderVersion), c.Param("slug"), n, req.ApprovedBy)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, renderVersion(v))
}

func (s *Server) retireVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.RetireVersion(s.idem(c, http.StatusOK, renderVersion), c.Param("slug"), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, renderVersion(v))
}
