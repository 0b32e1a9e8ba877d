package storage

import (
	"context"

	"github.com/consentd/consentd/consent"
)

type checkpointRow struct {
	Seq        int64  `gorm:"column:seq;primaryKey;autoIncrement:false"`
	Hash       string `gorm:"column:hash"`
	AtMS       int64  `gorm:"column:at"`
	Algorithm  string `gorm:"column:algorithm"`
	CertSHA256 string `gorm:"column:cert_sha256"`
	Signature  []byte `gorm:"column:signature"`
}

func (checkpointRow) TableName() string { return "audit_checkpoints" }

func (r checkpointRow) toDomain() *consent.AuditCheckpoint {
	return &consent.AuditCheckpoint{Seq: r.Seq, Hash: r.Hash, At: fromMS(r.AtMS),
		Signature: consent.CheckpointSignature{Algorithm: r.Algorithm, CertSHA256: r.CertSHA256, Value: r.Signature}}
}

// AuditChainHead returns the position of the last event in the database.
func (r reader) AuditChainHead(ctx context.Context) (consent.AuditHead, error) {
	return lastAudit(r.q(ctx))
}

// LastAuditCheckpoint returns the newest stored checkpoint, or nil if none.
func (r reader) LastAuditCheckpoint(ctx context.Context) (*consent.AuditCheckpoint, error) {
	var rows []checkpointRow
	if err := r.q(ctx).Order("seq DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("read last audit checkpoint", err, msgs{})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].toDomain(), nil
}

// ListAuditCheckpoints returns stored checkpoints oldest first, after seq afterSeq.
func (r reader) ListAuditCheckpoints(ctx context.Context, afterSeq int64, limit int) ([]*consent.AuditCheckpoint, error) {
	var rows []checkpointRow
	err := r.q(ctx).Where("seq > ?", afterSeq).Order("seq").Limit(consent.PageSize(limit, DefaultListLimit, MaxAuditLimit)).Find(&rows).Error
	if err != nil {
		return nil, translate("list audit checkpoints", err, msgs{})
	}
	out := make([]*consent.AuditCheckpoint, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out, nil
}

// CreateAuditCheckpoint stores a checkpoint; ECONFLICT if one exists for its seq.
func (t *tx) CreateAuditCheckpoint(ctx context.Context, cp *consent.AuditCheckpoint) error {
	row := checkpointRow{Seq: cp.Seq, Hash: cp.Hash, AtMS: toMS(cp.At), Algorithm: cp.Signature.Algorithm,
		CertSHA256: cp.Signature.CertSHA256, Signature: cp.Signature.Value}
	return translate("create audit checkpoint", t.q(ctx).Create(&row).Error,
		msgs{conflict: "A checkpoint for this audit position already exists."})
}
