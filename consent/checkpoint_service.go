package consent

import (
	"context"
	"encoding/json"
	"time"
)

// CheckpointPolicy says when a new audit checkpoint is due.
type CheckpointPolicy struct {
	Events   int64         // once this many events were added since the last one; 0: never by count
	Interval time.Duration // once this long has passed since the last one and events were added; 0: never by time
}

// Enabled reports whether checkpoints are written at all.
func (p CheckpointPolicy) Enabled() bool { return p.Events > 0 || p.Interval > 0 }

// CheckpointClaim is a checkpoint whose signature verified, with where it came from.
type CheckpointClaim struct {
	Checkpoint *AuditCheckpoint
	Source     string // "stored" or the file it was read from
}

// WriteCheckpoint signs and stores a checkpoint of the audit chain's head when
// the policy says one is due, and queues it as an audit.checkpoint webhook
// event in the same transaction. It returns nil when none was due (or another
// process wrote it). The events since the previous checkpoint are verified
// first: a chain that does not verify is never vouched for. Writing a
// checkpoint is not itself an audit event, so it does not move the head.
func (s *Service) WriteCheckpoint(ctx context.Context, p CheckpointPolicy) (*AuditCheckpoint, error) {
	if s.Checkpoints == nil || !p.Enabled() {
		return nil, nil
	}
	last, err := s.Store.Audit().LastAuditCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	head, err := s.Store.Audit().AuditChainHead(ctx)
	if err != nil {
		return nil, err
	}
	from := AuditHead{}
	if last != nil {
		from = AuditHead{Seq: last.Seq, Hash: last.Hash}
	}
	now := s.now()
	due := p.Events > 0 && head.Seq-from.Seq >= p.Events ||
		p.Interval > 0 && (last == nil || now.Sub(last.At) >= p.Interval)
	if head.Seq <= from.Seq || !due {
		return nil, nil
	}
	if f, err := s.Store.Audit().VerifyAuditRange(ctx, from, head.Seq); err != nil {
		return nil, err
	} else if f != nil {
		return nil, Errorf(ECONFLICT, "The audit chain does not verify at seq %d (%s); no checkpoint was written.", f.Seq, f.Reason)
	}
	cp := &AuditCheckpoint{Seq: head.Seq, Hash: head.Hash, At: now}
	if cp.Signature, err = s.Checkpoints.SignCheckpoint(cp.SignedBytes()); err != nil {
		return nil, err
	}
	written := false
	err = s.Store.Update(ctx, func(tx Tx) error {
		if cur, err := tx.Audit().LastAuditCheckpoint(ctx); err != nil {
			return err
		} else if cur != nil && cur.Seq >= cp.Seq {
			return nil
		}
		if err := tx.Audit().CreateAuditCheckpoint(ctx, cp); err != nil {
			return err
		}
		e := &WebhookEvent{ID: s.NewID(), Type: EventAuditCheckpoint, CreatedAt: now}
		body, err := json.Marshal(map[string]any{"id": e.ID, "type": e.Type, "created_at": FormatTime(now), "data": cp})
		if err != nil {
			return err
		}
		e.Payload = body
		written = true
		_, err = tx.Webhooks().EnqueueWebhookEvent(ctx, e)
		return err
	})
	if err != nil || !written {
		return nil, err
	}
	return cp, nil
}

// VerifyAuditIntegrity checks the whole audit chain, every row it vouches for,
// its end against the authenticated head, and the checkpoints: those stored
// in the database and those given (e.g. the copies an integration kept,
// read from source). A checkpoint whose signature does not verify with a
// sealing certificate is a finding and is not compared with the chain.
func (s *Service) VerifyAuditIntegrity(ctx context.Context, given []*AuditCheckpoint, source string) (*IntegrityReport, error) {
	var claims []CheckpointClaim
	var faults []IntegrityFault
	check := func(cp *AuditCheckpoint, from string) {
		if s.Checkpoints == nil {
			faults = append(faults, IntegrityFault{Seq: cp.Seq, Reason: "no sealing key is configured to check checkpoints with"})
		} else if err := s.Checkpoints.VerifyCheckpoint(cp.SignedBytes(), cp.Signature); err != nil {
			faults = append(faults, IntegrityFault{Seq: cp.Seq, Reason: "the checkpoint signed at " + FormatTime(cp.At) + " (" + from +
				") does not verify with the sealing certificates (" + err.Error() + "); it was not compared with the chain"})
		} else {
			claims = append(claims, CheckpointClaim{Checkpoint: cp, Source: from})
		}
	}
	for after := int64(0); ; {
		page, err := s.Store.Audit().ListAuditCheckpoints(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, cp := range page {
			check(cp, "stored")
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Seq
	}
	for _, cp := range given {
		check(cp, source)
	}
	report, err := s.Store.Audit().VerifyIntegrity(ctx, claims)
	if err != nil {
		return nil, err
	}
	if len(faults) > 0 {
		all := append(faults, report.Faults...)
		report.Faults = all[:min(len(all), MaxIntegrityFaults)]
		report.MoreFaults += len(all) - len(report.Faults)
	}
	return report, nil
}
