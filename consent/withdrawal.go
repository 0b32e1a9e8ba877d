package consent

import (
	"context"
	"slices"
	"time"
)

// A signed consent's sealed PDF is never changed. Withdrawing it seals one
// more PDF, the withdrawal copy: the same document marked withdrawn on every
// page, with the withdrawal on its evidence page. It is stored as an
// additional append-only row; the patient's download links serve it, the API
// lists it beside the signed PDF, and both verify as this server's.

// withdraw moves a signed consent to withdrawn and seals its withdrawal copy:
// rendered and sealed before the write transaction (like a signing), then
// stored with the transition, its audit event and webhook in one transaction.
func (s *Service) withdraw(ctx context.Context, id, reason string) (*Consent, error) {
	c, err := s.Store.Consents().FindConsentByID(ctx, id)
	if err != nil {
		return nil, err
	} else if c.IsExpired(s.now()) || c.Status == StatusExpired {
		return nil, Errorf(EGONE, "This consent expired at %s.", FormatTime(c.ExpiresAt))
	} else if !CanTransition(c.Status, StatusWithdrawn) || c.PDF == nil {
		return nil, Errorf(ECONFLICT, "A %s consent cannot become %s.", c.Status, StatusWithdrawn)
	}
	now := s.now()
	after := *c
	after.Status, after.StatusChangedAt, after.StatusReason = StatusWithdrawn, &now, reason
	ev := s.event(ctx, EventConsentWithdrawn, id, map[string]any{"from": c.Status, "to": StatusWithdrawn, "reason": reason})
	pdf, err := s.sealWithdrawal(ctx, &after, []*AuditEvent{ev}, time.Time{})
	if err != nil {
		return nil, err
	}
	ev.Details["withdrawal_pdf_sha256"] = pdf.Info.SHA256
	return update(ctx, s, func(tx Tx) (*Consent, error) {
		cur, err := tx.Consents().FindConsentByID(ctx, id)
		if err != nil {
			return nil, err
		} else if cur.Status != c.Status {
			return nil, Errorf(ECONFLICT, "A %s consent cannot become %s.", cur.Status, StatusWithdrawn)
		}
		if err := tx.Consents().TransitionConsent(ctx, id, c.Status, StatusWithdrawn, now, reason); err != nil {
			return nil, err
		}
		// The event vouches for the consent row as read here and as written,
		// and for the withdrawal copy it stores.
		row := *cur
		row.Status, row.StatusChangedAt, row.StatusReason = StatusWithdrawn, &now, reason
		ev.Rows, ev.RowsBefore = []Row{&row, pdf}, []Row{cur}
		if err := tx.Consents().StoreAdditionalPDF(ctx, pdf); err != nil {
			return nil, err
		} else if err := tx.Audit().AppendAudit(ctx, ev); err != nil {
			return nil, err
		}
		after.WithdrawalPDF = &pdf.Info
		return &after, s.notify(ctx, tx.Webhooks(), EventConsentWithdrawn, &after,
			map[string]any{"from": c.Status, "withdrawal_pdf_sha256": pdf.Info.SHA256})
	})
}

// sealWithdrawal renders and seals the withdrawal copy of c (already marked
// withdrawn), with the consent's audit trail up to and including the
// withdrawal: the events stored so far (those up to until, when set) and extra.
func (s *Service) sealWithdrawal(ctx context.Context, c *Consent, extra []*AuditEvent, until time.Time) (*SealedPDF, error) {
	limit := s.EvidenceEventLimit
	if limit <= 0 {
		limit = 500
	}
	events, err := s.Store.Audit().ListAuditEvents(ctx, AuditFilter{ConsentID: c.ID, Limit: limit})
	if err != nil {
		return nil, err
	}
	if !until.IsZero() {
		events = slices.DeleteFunc(events, func(e *AuditEvent) bool { return e.At.After(until) })
	}
	start := time.Now()
	pdf, err := s.Sealer.SealWithdrawal(ctx, c, append(events, extra...))
	s.observer().SealDuration(time.Since(start))
	if err != nil {
		return nil, err
	}
	pdf.ConsentID, pdf.Kind = c.ID, PDFKindWithdrawn
	return pdf, nil
}

// withdrawalPDF returns a withdrawn consent's withdrawal copy. A consent
// withdrawn before copies existed gets one now, once, from its stored record
// and audit trail (audited as consent.withdrawal_pdf_sealed).
func (s *Service) withdrawalPDF(ctx context.Context, c *Consent) (*SealedPDF, error) {
	p, err := s.Store.Consents().FindAdditionalPDF(ctx, c.ID, PDFKindWithdrawn)
	if ErrorCode(err) != ENOTFOUND {
		return p, err
	} else if c.Status != StatusWithdrawn || c.StatusChangedAt == nil || c.PDF == nil {
		return nil, Errorf(ECONFLICT, "This consent has no withdrawal copy: it is %s, not withdrawn.", c.Status)
	}
	p, err = s.sealWithdrawal(ctx, c, nil, *c.StatusChangedAt)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx Tx) error {
		if err := tx.Consents().StoreAdditionalPDF(ctx, p); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, s.event(ctx, EventWithdrawalPDFSealed, c.ID, map[string]any{"pdf_sha256": p.Info.SHA256}, p))
	})
	if ErrorCode(err) == ECONFLICT { // sealed meanwhile by another request: serve that one
		return s.Store.Consents().FindAdditionalPDF(ctx, c.ID, PDFKindWithdrawn)
	}
	return p, err
}

// GetWithdrawalPDF returns a withdrawn consent's sealed withdrawal copy and
// audits the download. Errors: ENOTFOUND, ECONFLICT (not withdrawn).
func (s *Service) GetWithdrawalPDF(ctx context.Context, consentID string) (*SealedPDF, error) {
	c, err := s.Store.Consents().FindConsentByID(ctx, consentID)
	if err != nil {
		return nil, err
	}
	p, err := s.withdrawalPDF(ctx, c)
	if err != nil {
		return nil, err
	}
	return p, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventPDFDownloaded, consentID,
		map[string]any{"pdf_sha256": p.Info.SHA256, "kind": PDFKindWithdrawn}))
}
