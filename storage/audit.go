package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

type auditRow struct {
	Seq       int64  `gorm:"column:seq;primaryKey;autoIncrement:false"`
	Type      string `gorm:"column:type"`
	AtMS      int64  `gorm:"column:at"`
	Actor     string `gorm:"column:actor"`
	ConsentID string `gorm:"column:consent_id"`
	IP        string `gorm:"column:ip"`
	UserAgent string `gorm:"column:user_agent"`
	DeviceID  string `gorm:"column:device_id"`
	Details   string `gorm:"column:details"`
	PrevHash  string `gorm:"column:prev_hash"`
	Hash      string `gorm:"column:hash"`
	MAC       string `gorm:"column:mac"`
}

func (auditRow) TableName() string { return "audit_events" }

func auditFromDomain(e *consent.AuditEvent) (auditRow, error) {
	details := "{}"
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return auditRow{}, fmt.Errorf("storage: audit details: %w", err)
		}
		details = string(b)
	}
	return auditRow{Seq: e.Seq, Type: e.Type, AtMS: toMS(e.At), Actor: e.Actor, ConsentID: e.ConsentID, IP: e.IP,
		UserAgent: e.UserAgent, DeviceID: e.DeviceID, Details: details, PrevHash: e.PrevHash, Hash: e.Hash, MAC: e.MAC}, nil
}

// toDomain decodes details with encoding/json, so numbers come back as float64:
// the canonical hash treats integral float64 and int alike.
func (r auditRow) toDomain() (*consent.AuditEvent, error) {
	e := &consent.AuditEvent{Seq: r.Seq, Type: r.Type, At: fromMS(r.AtMS), Actor: r.Actor, ConsentID: r.ConsentID,
		IP: r.IP, UserAgent: r.UserAgent, DeviceID: r.DeviceID, PrevHash: r.PrevHash, Hash: r.Hash, MAC: r.MAC}
	if err := json.Unmarshal([]byte(r.Details), &e.Details); err != nil {
		return nil, fmt.Errorf("storage: audit event %d details: %w", r.Seq, err)
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, nil
}

// lastAudit returns the chain's last position: (0, "") for an empty chain.
func lastAudit(g *gorm.DB) (consent.AuditHead, error) {
	var rows []auditRow
	if err := g.Raw(lastAuditSQL).Scan(&rows).Error; err != nil { // the text the audit commit prepares once
		return consent.AuditHead{}, translate("read audit head", err, msgs{})
	}
	if len(rows) == 0 {
		return consent.AuditHead{}, nil
	}
	return consent.AuditHead{Seq: rows[0].Seq, Hash: rows[0].Hash, MAC: rows[0].MAC}, nil
}

// chain places e after last: it assigns Seq, PrevHash and a millisecond UTC
// time (now if unset), then seals it with the audit key.
func (db *DB) chain(e *consent.AuditEvent, last consent.AuditHead) (auditRow, error) {
	e.Seq, e.PrevHash = last.Seq+1, last.Hash
	if e.At.IsZero() {
		e.At = db.now()
	}
	e.At = consent.Millis(e.At)
	if err := e.AttachRowDigests(db.rowKey); err != nil {
		return auditRow{}, consent.Errorf(consent.EINVALID, "Audit event %s cannot vouch for its rows: %v", e.Type, err)
	}
	if err := e.Seal(db.key); err != nil {
		// The domain cleans what clients send, so this is the server's fault:
		// an internal error, logged and never shown.
		return auditRow{}, fmt.Errorf("storage: seal audit event %s: %w", e.Type, err)
	}
	return auditFromDomain(e)
}

// PrepareAudit records the events' row digests now, outside the write slot,
// so that appending them in a (grouped) transaction holds only SQL and the
// event's own small hash and MAC.
func (db *DB) PrepareAudit(events ...*consent.AuditEvent) error {
	for _, e := range events {
		if err := e.PrepareRowDigests(db.rowKey); err != nil {
			return consent.Errorf(consent.EINVALID, "Audit event %s cannot vouch for its rows: %v", e.Type, err)
		}
	}
	return nil
}

// AppendAudit assigns Seq, PrevHash, Hash and MAC and appends the events,
// all or none, with the multi-row inserts of txStmts.insertAudits.
func (t *tx) AppendAudit(ctx context.Context, events ...*consent.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	g := t.q(ctx) // detached in a group: other callers' work rides on this transaction
	ctx = g.Statement.Context
	p, ok := g.Statement.ConnPool.(*txStmts)
	if !ok {
		return consent.Errorf(consent.EINTERNAL, "append audit events: not in a write transaction")
	}
	last := t.head
	if last == nil {
		h, err := p.lastAudit(ctx, t.db.dialect)
		if err != nil {
			return err
		}
		last = &h
	}
	rows, next, err := t.db.chainAll(events, *last)
	if err != nil {
		return err
	}
	if err := p.insertAudits(ctx, t.db.dialect, rows); err != nil {
		return err
	}
	t.head = &next
	return nil
}

// insertAuditSQL is one fixed statement, so every append reuses one prepared
// statement whatever the batch size.
const insertAuditSQL = `INSERT INTO audit_events (seq, type, at, actor, consent_id, ip, user_agent, device_id,
	details, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertAudit(g *gorm.DB, r auditRow) error {
	err := g.Exec(insertAuditSQL, r.Seq, r.Type, r.AtMS, r.Actor, r.ConsentID, r.IP, r.UserAgent, r.DeviceID,
		r.Details, r.PrevHash, r.Hash, r.MAC).Error
	return translate("append audit event", err, msgs{})
}

// Audit page sizes for ListAuditEvents.
const (
	DefaultAuditLimit = consent.DefaultPageSize
	MaxAuditLimit     = consent.MaxAuditPageSize
)

// ListAuditEvents returns events oldest first (by seq), after f.AfterSeq.
func (r reader) ListAuditEvents(ctx context.Context, f consent.AuditFilter) ([]*consent.AuditEvent, error) {
	q := r.q(ctx).Where("seq > ?", f.AfterSeq)
	if f.ConsentID != "" {
		// The index on consent_id is partial (consent_id <> ''): without its
		// condition spelled out SQLite cannot use it and scans the whole log.
		q = q.Where("consent_id = ? AND consent_id <> ''", f.ConsentID)
	}
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if f.Since != nil {
		q = q.Where("at >= ?", toMS(*f.Since))
	}
	var rows []auditRow
	if err := q.Order("seq").Limit(consent.PageSize(f.Limit, DefaultAuditLimit, MaxAuditLimit)).Find(&rows).Error; err != nil {
		return nil, translate("list audit events", err, msgs{})
	}
	return auditRowsToDomain(rows)
}

func auditRowsToDomain(rows []auditRow) ([]*consent.AuditEvent, error) {
	out := make([]*consent.AuditEvent, 0, len(rows))
	for _, row := range rows {
		e, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
