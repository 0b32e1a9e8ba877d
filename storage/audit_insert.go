package storage

import (
	"strings"

	"gorm.io/gorm"
)

// auditInsertChunk is the most audit rows one INSERT writes: 12 values a
// row stays far below both databases' limits on bound values (SQLite 32 766,
// PostgreSQL 65 535), and a signature's events (one per acknowledged section,
// the signature, the completion) fit in one statement.
const auditInsertChunk = 64

// auditInsertSQL[n] inserts n rows. The texts are fixed, so each size is
// prepared once per connection and reused.
var auditInsertSQL = func() (out [auditInsertChunk + 1]string) {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for n := 1; n <= auditInsertChunk; n++ {
		out[n] = `INSERT INTO audit_events (seq, type, at, actor, consent_id, ip, user_agent, device_id,
	details, prev_hash, hash, mac) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	return out
}()

func insertAudit(g *gorm.DB, r auditRow) error { return insertAudits(g, []auditRow{r}) }

// insertAudits appends chained rows in order with one statement per
// auditInsertChunk rows: a round trip each on PostgreSQL, inside the write slot.
func insertAudits(g *gorm.DB, rows []auditRow) error {
	for len(rows) > 0 {
		n := min(len(rows), auditInsertChunk)
		args := make([]any, 0, n*12)
		for _, r := range rows[:n] {
			args = append(args, r.Seq, r.Type, r.AtMS, r.Actor, r.ConsentID, r.IP, r.UserAgent, r.DeviceID,
				r.Details, r.PrevHash, r.Hash, r.MAC)
		}
		if err := g.Exec(auditInsertSQL[n], args...).Error; err != nil {
			return translate("append audit event", err, msgs{})
		}
		rows = rows[n:]
	}
	return nil
}
