package consent

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// ApprovalMeaning is what a template approver's signature on a version means.
const ApprovalMeaning = "I reviewed and approve this consent text for use at this clinic"

// EventVersionApproved is the audit event of a template approver signing a
// version; it vouches for the approval's row.
const EventVersionApproved = "template.version_approved"

// TableTemplateApprovals holds the approvals, one per version, append-only.
const TableTemplateApprovals = "template_approvals"

// Approval states of a version, and of the consents made from it.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
)

// RoleTemplateApprover names a template approver's PIN checks in the audit
// log; it is a permission on the staff record, not a signing role.
const RoleTemplateApprover = "template_approver"

// TemplateApproval is a template approver's signature on a published version:
// who (staff ID, and their name at the time), what it means, when (server
// time) and from where. It is a record of its own, so the frozen version is
// never written again; there is at most one per version and it is never
// changed.
type TemplateApproval struct {
	Slug     string
	Version  int
	StaffID  string
	Name     string
	Meaning  string
	At       time.Time
	Evidence Evidence
}

// Approver is the staff member signing an approval: their ID and PIN.
type Approver struct {
	StaffID string
	PIN     string
}

// ApprovalReader finds a version's approval (ENOTFOUND while it has none).
type ApprovalReader interface {
	FindApproval(ctx context.Context, slug string, version int) (*TemplateApproval, error)
}

// RowRef returns the approval's row; its ID is "slug/version" like its version's.
func (a *TemplateApproval) RowRef() RowRef {
	return RowRef{Table: TableTemplateApprovals, ID: a.Slug + "/" + strconv.Itoa(a.Version)}
}

// RowContent returns the approval's signer, meaning, time and evidence.
func (a *TemplateApproval) RowContent() map[string]any {
	return map[string]any{"slug": a.Slug, "version": a.Version, "staff_id": a.StaffID, "name": a.Name,
		"meaning": a.Meaning, "at": rowTime(a.At), "evidence": a.Evidence.rowContent()}
}

// ApproveVersion records a template approver's signature on a published
// version. Errors: EINVALID (input, wrong staff ID or PIN), EFORBIDDEN (not a
// template approver), ERATELIMITED, ENOTFOUND, ECONFLICT (not published, or
// already approved).
func (s *Service) ApproveVersion(ctx context.Context, slug string, version int, by Approver) (*TemplateVersion, error) {
	st, err := s.checkApprover(ctx, by)
	if err != nil {
		return nil, err
	}
	return update(ctx, s, func(tx Tx) (*TemplateVersion, error) {
		v, err := tx.Templates().FindVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		} else if v.Status != VersionPublished {
			return nil, Errorf(ECONFLICT, "Version %d of %s is %s; only a published version is approved on its own (a draft is approved by publishing it).", version, slug, v.Status)
		}
		return v, s.approve(ctx, tx, v, st)
	})
}

// checkApprover checks an approver's PIN within the PIN limits signing uses
// (wrong PINs here count with those) and that they may approve templates.
func (s *Service) checkApprover(ctx context.Context, by Approver) (*Staff, error) {
	if by.StaffID == "" || by.PIN == "" {
		return nil, FieldErrorf(EINVALID, "staff_id", "a template approver approves with their staff ID and PIN (staff_id and pin).")
	} else if len(by.StaffID) > 64 || len(by.PIN) > 64 {
		return nil, FieldErrorf(EINVALID, "staff_id", "staff ID and PIN are at most 64 characters.")
	}
	st, err := s.pinAttempt(ctx, "", RoleTemplateApprover, by.StaffID, by.PIN)
	if err != nil {
		return nil, err
	} else if !st.TemplateApprover {
		return nil, FieldErrorf(EFORBIDDEN, "staff_id", "staff member %s is not a template approver.", st.ID)
	}
	return st, nil
}

// approve writes st's approval of v and its audit event inside tx, after
// checking again that st is active and an approver and v has no approval.
func (s *Service) approve(ctx context.Context, tx Tx, v *TemplateVersion, st *Staff) error {
	now, err := tx.Access().FindStaff(ctx, st.ID)
	if err != nil {
		return err
	} else if now.DeactivatedAt != nil || !now.TemplateApprover {
		return FieldErrorf(EFORBIDDEN, "staff_id", "staff member %s is not an active template approver.", st.ID)
	}
	a := &TemplateApproval{Slug: v.Slug, Version: v.Version, StaffID: now.ID, Name: now.Name, Meaning: ApprovalMeaning,
		At: s.now(), Evidence: RequestFrom(ctx).evidence()}
	if err := tx.Templates().CreateApproval(ctx, a); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return Errorf(ECONFLICT, "Version %d of %s is already approved.", v.Version, v.Slug)
		}
		return err
	}
	return tx.Audit().AppendAudit(ctx, s.event(ctx, EventVersionApproved, "", map[string]any{"slug": v.Slug,
		"version": v.Version, "content_sha256": v.ContentSHA256, "staff_id": a.StaffID, "name": a.Name, "meaning": a.Meaning}, a))
}

// approvals remembers versions known to be approved: an approval is never
// removed, so once seen it holds for good; a pending one is asked again.
type approvals struct{ known sync.Map } // "slug/version" → *TemplateApproval

// ApprovalOf returns the approval of a template version, nil while it is
// pending. Consents show it (derived, never stored with them) and a PDF
// prints it as it stands when sealed.
func (s *Service) ApprovalOf(ctx context.Context, slug string, version int) (*TemplateApproval, error) {
	key := slug + "/" + strconv.Itoa(version)
	if a, ok := s.approved.known.Load(key); ok {
		return a.(*TemplateApproval), nil
	}
	a, err := s.Store.Templates().FindApproval(ctx, slug, version)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	s.approved.known.Store(key, a)
	return a, nil
}

// ApprovalStatus names an approval's state: approved, or pending for nil.
func ApprovalStatus(a *TemplateApproval) string {
	if a == nil {
		return ApprovalPending
	}
	return ApprovalApproved
}
