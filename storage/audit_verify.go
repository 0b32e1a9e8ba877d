package storage

import (
	"context"
	"crypto/hmac"

	"github.com/consentd/consentd/consent"
)

// verifyPage is how many events VerifyAudit holds in memory at once.
const verifyPage = 1000

// VerifyAudit re-checks the whole audit chain in seq order, a page at a time,
// and then its end against the authenticated head file. It returns 0, "" if
// the chain is intact, or the first bad seq and what is wrong with it (for a
// missing entry, the seq that is missing).
func (db *DB) VerifyAudit(ctx context.Context) (badSeq int64, reason string, err error) {
	// Read the head first: it is written after its commit, so every event it
	// names is already in the database when the scan below starts.
	head, err := db.LastAuditHead(ctx)
	if err != nil {
		return 0, "", err
	}
	v := consent.AuditChainVerifier{Key: db.key}
	var after int64
	for {
		var rows []auditRow
		if err := db.q(ctx).Where("seq > ?", after).Order("seq").Limit(verifyPage).Find(&rows).Error; err != nil {
			return 0, "", translate("verify audit", err, msgs{})
		}
		for _, row := range rows {
			e, err := row.toDomain()
			if err != nil {
				return row.Seq, "details are not valid JSON", nil
			}
			if msg := v.Check(e); msg != "" {
				if e.Seq != v.LastSeq()+1 {
					return v.LastSeq() + 1, msg, nil
				}
				return e.Seq, msg, nil
			}
		}
		if len(rows) < verifyPage {
			break
		}
		after = rows[len(rows)-1].Seq
	}
	if msg := v.Finish(head); msg != "" {
		// A head that is not authentic names nothing; report the seq it claims.
		authentic := hmac.Equal([]byte(consent.AuditMAC(db.key, head.Seq, head.Hash)), []byte(head.MAC))
		if authentic && v.LastSeq() < head.Seq {
			return v.LastSeq() + 1, msg, nil
		}
		return head.Seq, msg, nil
	}
	return 0, "", nil
}
