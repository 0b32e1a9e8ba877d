package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

// consentStateSQL reads only columns stored before the frozen documents in
// the row (SQLite then never walks the documents' overflow pages) and counts
// the parts through their consent_id indexes.
const consentStateSQL = `SELECT c.status, c.locale,
	(SELECT COUNT(*) FROM signatures s WHERE s.consent_id = c.id) AS signatures,
	(SELECT COUNT(*) FROM answer_attempts a WHERE a.consent_id = c.id) AS answers
	FROM consents c WHERE c.id = ?`

// FindConsentState returns a consent's status, locale and how many
// signatures and answer attempts it has; ENOTFOUND if none.
func (r reader) FindConsentState(ctx context.Context, id string) (consent.ConsentState, error) {
	var rows []struct {
		Status     string `gorm:"column:status"`
		Locale     string `gorm:"column:locale"`
		Signatures int    `gorm:"column:signatures"`
		Answers    int    `gorm:"column:answers"`
	}
	if err := r.q(ctx).Raw(consentStateSQL, id).Scan(&rows).Error; err != nil {
		return consent.ConsentState{}, translate("find consent state", err, msgs{})
	}
	if len(rows) == 0 {
		return consent.ConsentState{}, consent.Errorf(consent.ENOTFOUND, "Consent not found.")
	}
	s := rows[0]
	return consent.ConsentState{Status: s.Status, Locale: s.Locale, Signatures: s.Signatures, Answers: s.Answers}, nil
}
