package api

import (
	"context"
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

// versionSummaryJSON is a version as listed: its lifecycle, not its content
// (storage's row has other columns and types).
type versionSummaryJSON struct {
	Slug          string  `json:"slug"`
	Version       int     `json:"version"`
	Status        string  `json:"status"`
	ContentSHA256 string  `json:"content_sha256"`
	PublishedAt   *string `json:"published_at"`
	ApprovedBy    string  `json:"approved_by,omitempty"` // legacy free text, versions published before approvals
	Reconsent     string  `json:"reconsent,omitempty"`
	RetiredAt     *string `json:"retired_at,omitempty"`
	CreatedAt     string  `json:"created_at"`
	// Approval is the approver's signature, or status pending; drafts have none.
	Approval *approvalJSON `json:"approval,omitempty"`
}

// versionJSON is a full version: lifecycle and content, in the domain's own
// JSON form (consent.VersionContent), whose lists are never null.
type versionJSON struct {
	versionSummaryJSON
	consent.VersionContent
}

// withLists returns c with empty lists and maps where c has none, so a
// version shows [] and {} rather than null.
func withLists(c consent.VersionContent) consent.VersionContent {
	out := c
	out.Locales = make(map[string]consent.LocaleContent, len(c.Locales))
	for code, l := range c.Locales {
		if l.Sections == nil {
			l.Sections = []consent.Section{}
		}
		out.Locales[code] = l
	}
	if out.Variables == nil {
		out.Variables = []consent.Variable{}
	}
	return out
}

func toTemplateJSON(t *consent.Template) templateJSON {
	locales := t.Locales
	if locales == nil {
		locales = []string{}
	}
	return templateJSON{Slug: t.Slug, Title: t.Title, CurrentVersion: t.CurrentVersion, Locales: locales, CreatedAt: ts(t.CreatedAt)}
}

func toVersionSummaryJSON(v *consent.TemplateVersion, a *consent.TemplateApproval) versionSummaryJSON {
	out := versionSummaryJSON{Slug: v.Slug, Version: v.Version, Status: v.Status, ContentSHA256: v.ContentSHA256,
		PublishedAt: tsp(v.PublishedAt), ApprovedBy: v.ApprovedBy, Reconsent: v.Reconsent, RetiredAt: tsp(v.RetiredAt), CreatedAt: ts(v.CreatedAt)}
	if v.Status != consent.VersionDraft {
		out.Approval = toApprovalJSON(a)
	}
	return out
}

func toVersionJSON(v *consent.TemplateVersion, a *consent.TemplateApproval) versionJSON {
	return versionJSON{versionSummaryJSON: toVersionSummaryJSON(v, a), VersionContent: withLists(v.Content())}
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
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.Template, error) {
		return s.Service.CreateTemplate(ctx, req.Slug, req.Title)
	}, view(toTemplateJSON))
}

func (s *Server) listTemplates(c *gin.Context) {
	answerList(s, c, s.Service.Store.Templates().ListTemplates, toTemplateJSON)
}

func (s *Server) getTemplate(c *gin.Context) {
	t, err := s.Service.Store.Templates().FindTemplate(c.Request.Context(), c.Param("slug"))
	answer(s, c, t, err, toTemplateJSON)
}

func (s *Server) listVersions(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := s.Service.Store.Templates().FindTemplate(ctx, c.Param("slug")); err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Service.Store.Templates().ListVersions(ctx, c.Param("slug"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[versionSummaryJSON]{Data: []versionSummaryJSON{}}
	for _, v := range list {
		a, err := s.Service.ApprovalOf(ctx, v.Slug, v.Version)
		if err != nil {
			s.fail(c, err)
			return
		}
		out.Data = append(out.Data, toVersionSummaryJSON(v, a))
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
	v, err := s.Service.Store.Templates().FindVersion(c.Request.Context(), c.Param("slug"), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerVersion(c, v)
}

func (s *Server) createVersion(c *gin.Context) {
	b, err := s.readBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var content *consent.VersionContent
	if len(b) > 0 {
		content = &consent.VersionContent{}
		if err := decodeStrict(b, content); err != nil {
			s.fail(c, err)
			return
		}
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.TemplateVersion, error) {
		return s.Service.CreateVersion(ctx, c.Param("slug"), content)
	}, s.versionView(c.Request.Context()))
}

func (s *Server) updateVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req consent.VersionContent
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.UpdateDraft(c.Request.Context(), c.Param("slug"), n, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerVersion(c, v)
}

// publishRequest is the approver's signature on the draft. approved_by, the
// free text that used to stand for it, is refused by name.
type publishRequest struct {
	StaffID    string  `json:"staff_id"`
	PIN        string  `json:"pin"`
	ApprovedBy *string `json:"approved_by"`
	Reconsent  string  `json:"reconsent"` // required, recommended or none; needed after a published version
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
	} else if req.ApprovedBy != nil {
		s.fail(c, errApprovedBy)
		return
	}
	write(s, c, http.StatusOK, func(ctx context.Context) (*consent.TemplateVersion, error) {
		return s.Service.PublishVersion(ctx, c.Param("slug"), n, consent.PublishInput{Approver: consent.Approver{StaffID: req.StaffID, PIN: req.PIN},
			Reconsent: req.Reconsent})
	}, s.versionView(c.Request.Context()))
}

func (s *Server) retireVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusOK, func(ctx context.Context) (*consent.TemplateVersion, error) {
		return s.Service.RetireVersion(ctx, c.Param("slug"), n)
	}, s.versionView(c.Request.Context()))
}
