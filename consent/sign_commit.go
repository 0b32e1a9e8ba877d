package consent

import (
	"context"
	"time"
)

// signEvents lists the audit events a signing writes, in order.
func (s *Service) signEvents(ctx context.Context, p *signPlan) []*AuditEvent {
	var out []*AuditEvent
	for _, a := range p.acks {
		out = append(out, s.event(ctx, EventAcknowledged, p.sig.ConsentID, map[string]any{"section": a.SectionKey, "locale": a.Locale}))
	}
	d := map[string]any{"signature_id": p.sig.ID, "role": p.sig.Role, "locale": p.sig.Locale, "form": p.sig.Mark.Type,
		"channel": p.sig.Evidence.Channel}
	if p.sig.StaffID != "" {
		d["staff_id"] = p.sig.StaffID
	}
	if p.pngReceivedSHA256 != "" {
		d["png_received_sha256"] = p.pngReceivedSHA256
		d["png_normalized"] = PNGSHA256(p.sig.Mark.PNG) != p.pngReceivedSHA256
	}
	if p.sig.Evidence.ClientTime != "" {
		d["client_time_claimed"] = p.sig.Evidence.ClientTime
	}
	out = append(out, s.event(ctx, EventSignatureRecorded, p.sig.ConsentID, d))
	if p.completes {
		out = append(out, s.event(ctx, EventConsentSigned, p.sig.ConsentID, map[string]any{"from": StatusPending, "to": StatusSigned}))
	}
	return out
}

// vouch binds the rows a signing writes to its events: each acknowledgment
// to its event (its number is known once stored); the signature to
// signature_recorded, with the consent when this signature fixed its locale;
// the completed consent and its PDF to consent.signed. The consent is digested
// once, with the event written last for it, beside its state before (checked
// unchanged in the transaction but for what it compares).
func (p *signPlan) vouch() {
	for i := range p.acks {
		p.events[i].Rows = []Row{&p.acks[i]}
	}
	rec := p.events[len(p.acks)]
	rec.Rows = []Row{p.sig}
	if p.completes {
		signed := p.events[len(p.acks)+1]
		signed.Rows, signed.RowsBefore = []Row{p.after, p.pdf}, []Row{p.before}
	} else if p.after.Locale != p.before.Locale {
		rec.Rows, rec.RowsBefore = append(rec.Rows, p.after), []Row{p.before}
	}
}

// seal renders and seals the completed consent; the evidence page lists the
// consent's audit events so far and the ones this signing writes.
func (s *Service) seal(ctx context.Context, p *signPlan) (*SealedPDF, error) {
	limit := s.EvidenceEventLimit
	if limit <= 0 {
		limit = 500
	}
	events, err := s.Store.Audit().ListAuditEvents(ctx, AuditFilter{ConsentID: p.before.ID, Limit: limit})
	if err != nil {
		return nil, err
	}
	if p.after.Approval, err = s.ApprovalOf(ctx, p.after.TemplateSlug, p.after.TemplateVersion); err != nil {
		return nil, err
	}
	start := time.Now()
	pdf, err := s.Sealer.SealConsent(ctx, p.after, append(events, p.events...))
	s.observer().SealDuration(time.Since(start))
	if err != nil {
		return nil, err
	}
	pdf.ConsentID = p.before.ID
	p.after.PDF = &pdf.Info
	signed := p.events[len(p.events)-1]
	signed.Details["pdf_sha256"] = pdf.Info.SHA256
	signed.Details["cert_sha256"] = pdf.Info.CertSHA256
	signed.Details["template_approval"] = ApprovalStatus(p.after.Approval) // as printed on the PDF
	return pdf, nil
}

// commitSignature writes the signature, acknowledgments, status change, sealed
// PDF and audit events in one unit of work, if the consent is still as
// planned. It is committed with concurrent signatures and creations
// (Store.UpdateGrouped): a conflict here rolls back this signature only.
func (s *Service) commitSignature(ctx context.Context, p *signPlan) (*SignResult, error) {
	p.vouch()
	// Digest the signature, consent and PDF rows now, outside the shared
	// transaction; an acknowledgment's digest needs its number, known once stored.
	if err := s.Store.Audit().PrepareAudit(p.events[len(p.acks):]...); err != nil {
		return nil, err
	}
	return updateGrouped(ctx, s, &SignResult{Signature: p.sig, Consent: p.after}, func(tx Tx) error {
		// Only what can change after creation is read again (not the frozen
		// text): the write slot is shared by every signature and creation.
		c := p.before
		now, err := tx.Consents().FindConsentState(ctx, c.ID)
		if err != nil {
			return err
		} else if now.Status != StatusPending || now.Signatures != len(c.Signatures) || now.Locale != c.Locale ||
			now.Answers != len(c.Answers) {
			return Errorf(errChanged, "consent changed")
		} else if c.IsExpired(s.now()) { // expires_at never changes
			return Errorf(EGONE, "This consent expired at %s.", FormatTime(c.ExpiresAt))
		}
		// A version published with re-consent required meanwhile stops it too.
		if versions, err := tx.Templates().ListVersions(ctx, c.TemplateSlug); err != nil {
			return err
		} else if err := checkSignable(c, versions); err != nil {
			return err
		}
		if p.after.Locale != c.Locale {
			if err := tx.Consents().SetConsentLocale(ctx, c.ID, p.after.Locale); err != nil {
				return err
			}
		}
		if err := tx.Consents().CreateAcknowledgments(ctx, p.acks); err != nil {
			return err
		}
		if err := tx.Consents().CreateSignature(ctx, p.sig); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return FieldErrorf(ECONFLICT, "role", "the %s side has already signed this consent.", p.sig.Role)
			}
			return err
		}
		if p.completes {
			if err := tx.Consents().TransitionConsent(ctx, c.ID, StatusPending, StatusSigned, p.sig.SignedAt, ""); err != nil {
				return err
			} else if err := tx.Consents().StorePDF(ctx, p.pdf); err != nil {
				return err
			}
		}
		if err := tx.Audit().AppendAudit(ctx, p.events...); err != nil {
			return err
		}
		if err := s.useRemoteLink(ctx, tx, p); err != nil {
			return err
		}
		return s.notifySigned(ctx, tx.Webhooks(), p)
	})
}

// notifySigned writes the webhook events of a signature into the outbox.
func (s *Service) notifySigned(ctx context.Context, out Outbox, p *signPlan) error {
	extra := map[string]any{"signature_id": p.sig.ID, "role": p.sig.Role}
	if err := s.notify(ctx, out, EventSignatureRecorded, p.after, extra); err != nil {
		return err
	}
	if !isStaffRole(p.sig.Role) && !p.completes {
		extra := map[string]any{"signature_id": p.sig.ID, "role": p.sig.Role, "channel": p.sig.Evidence.Channel}
		if err := s.notify(ctx, out, EventPatientSigned, p.after, extra); err != nil {
			return err
		}
	}
	if p.completes {
		return s.notify(ctx, out, EventConsentSigned, p.after, nil)
	}
	return nil
}

// useRemoteLink stamps the remote signing link a patient signed through as
// used, in the signature's transaction, with its audit event vouching for
// the link as it was and as it is.
func (s *Service) useRemoteLink(ctx context.Context, tx Tx, p *signPlan) error {
	if p.link == nil {
		return nil
	}
	before, err := tx.Links().FindDownloadLink(ctx, p.link.ConsentID, p.link.ID)
	if err != nil {
		return err
	} else if before.RevokedAt != nil || before.LockedAt != nil || before.UsedAt != nil {
		return &Error{Code: EGONE, Field: "used_at", Message: "This signing link no longer works. Please ask the clinic for a new one."}
	}
	at := p.sig.SignedAt
	if err := tx.Links().UseDownloadLink(ctx, p.link.ID, at); err != nil {
		return err
	}
	after := *before
	after.UsedAt = &at
	return tx.Audit().AppendAudit(ctx, s.change(ctx, EventRemoteLinkUsed, p.link.ConsentID,
		map[string]any{"link_id": p.link.ID, "signature_id": p.sig.ID}, before, &after))
}
