package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

// withParts turns consent rows into domain consents with their signatures
// (by signed_at, id), acknowledgments and answer attempts (in recording
// order) and PDF info,
// loading each part for the whole page in one query.
func (r reader) withParts(ctx context.Context, rows []consentRow) ([]*consent.Consent, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	byID := make(map[string]*consent.Consent, len(rows))
	out := make([]*consent.Consent, len(rows))
	for i, row := range rows {
		c, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		ids[i], byID[c.ID], out[i] = c.ID, c, c
	}
	if err := r.loadDocuments(ctx, out); err != nil {
		return nil, err
	}
	var sigs []signatureRow
	if err := r.q(ctx).Where("consent_id IN ?", ids).Order("signed_at, id").Find(&sigs).Error; err != nil {
		return nil, translate("load signatures", err, msgs{})
	}
	for _, row := range sigs {
		s, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		c := byID[row.ConsentID]
		c.Signatures = append(c.Signatures, s)
	}
	var acks []acknowledgmentRow
	if err := r.q(ctx).Where("consent_id IN ?", ids).Order("id").Find(&acks).Error; err != nil {
		return nil, translate("load acknowledgments", err, msgs{})
	}
	for _, row := range acks {
		c := byID[row.ConsentID]
		c.Acknowledgments = append(c.Acknowledgments, row.toDomain())
	}
	var answers []answerAttemptRow
	if err := r.q(ctx).Where("consent_id IN ?", ids).Order("id").Find(&answers).Error; err != nil {
		return nil, translate("load answer attempts", err, msgs{})
	}
	for _, row := range answers {
		c := byID[row.ConsentID]
		c.Answers = append(c.Answers, row.toDomain())
	}
	var pdfs []pdfRow
	if err := r.q(ctx).Select(pdfInfoColumns).Where("consent_id IN ?", ids).Find(&pdfs).Error; err != nil {
		return nil, translate("load pdf info", err, msgs{})
	}
	for _, row := range pdfs {
		info := row.info()
		byID[row.ConsentID].PDF = &info
	}
	if err := r.loadSuccessors(ctx, ids, byID); err != nil {
		return nil, err
	}
	// Only withdrawn consents have a withdrawal copy: most pages skip the query.
	var withdrawn []string
	for _, c := range out {
		if c.Status == consent.StatusWithdrawn {
			withdrawn = append(withdrawn, c.ID)
		}
	}
	if len(withdrawn) == 0 {
		return out, nil
	}
	var extra []additionalPDFRow
	if err := r.q(ctx).Select(pdfInfoColumns).Where("consent_id IN ? AND kind = ?", withdrawn, consent.PDFKindWithdrawn).
		Find(&extra).Error; err != nil {
		return nil, translate("load withdrawal pdf info", err, msgs{})
	}
	for _, row := range extra {
		info := row.info()
		byID[row.ConsentID].WithdrawalPDF = &info
	}
	return out, nil
}

// loadSuccessors fills the re-consents made from each consent, oldest first.
func (r reader) loadSuccessors(ctx context.Context, ids []string, byID map[string]*consent.Consent) error {
	var rows []struct {
		ID         string `gorm:"column:id"`
		Status     string `gorm:"column:status"`
		ExpiresMS  int64  `gorm:"column:expires_at"`
		Supersedes string `gorm:"column:supersedes"`
	}
	if err := r.q(ctx).Table("consents").Select("id", "status", "expires_at", "supersedes").
		Where("supersedes IN ?", ids).Order("created_at, id").Find(&rows).Error; err != nil {
		return translate("load re-consents", err, msgs{})
	}
	for _, row := range rows {
		c := byID[row.Supersedes]
		c.Successors = append(c.Successors, consent.Successor{ID: row.ID, Status: row.Status, ExpiresAt: fromMS(row.ExpiresMS)})
	}
	return nil
}
