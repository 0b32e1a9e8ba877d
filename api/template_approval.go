package api

import (
	"context"
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// approvalJSON is a version's approval (and a consent's, derived from its
// version): pending, or the approver's signature.
type approvalJSON struct {
	Status  string  `json:"status"`
	StaffID string  `json:"staff_id,omitempty"`
	Name    string  `json:"name,omitempty"`
	At      *string `json:"at,omitempty"`
	Meaning string  `json:"meaning,omitempty"`
}

func toApprovalJSON(a *consent.TemplateApproval) *approvalJSON {
	if a == nil {
		return &approvalJSON{Status: consent.ApprovalPending}
	}
	return &approvalJSON{Status: consent.ApprovalApproved, StaffID: a.StaffID, Name: a.Name, At: tsp(&a.At), Meaning: a.Meaning}
}

// approveRequest is a template approver's signature: staff ID and PIN.
type approveRequest struct {
	StaffID string `json:"staff_id"`
	PIN     string `json:"pin"`
}

func (r approveRequest) approver() consent.Approver {
	return consent.Approver{StaffID: r.StaffID, PIN: r.PIN}
}

// errApprovedBy refuses the free-text approval publishing used to take.
var errApprovedBy = consent.FieldErrorf(consent.EINVALID, "approved_by",
	"is no longer accepted: a template approver signs the publication with their staff_id and pin (see docs/API.md).")

// versionView renders a version with its approval as it stands.
func (s *Server) versionView(ctx context.Context) func(*consent.TemplateVersion) (any, error) {
	return func(v *consent.TemplateVersion) (any, error) {
		a, err := s.Service.ApprovalOf(ctx, v.Slug, v.Version)
		if err != nil {
			return nil, err
		}
		return toVersionJSON(v, a), nil
	}
}

// answerVersion writes a version with its approval.
func (s *Server) answerVersion(c *gin.Context, v *consent.TemplateVersion) {
	out, err := s.versionView(c.Request.Context())(v)
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) approveVersion(c *gin.Context) {
	n, err := versionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req approveRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusOK, func(ctx context.Context) (*consent.TemplateVersion, error) {
		return s.Service.ApproveVersion(ctx, c.Param("slug"), n, req.approver())
	}, s.versionView(c.Request.Context()))
}
