package consent

import (
	"context"
	"time"
)

// ReconsentJob is the durable record, written in the transaction that
// publishes a version with re-consent required or recommended, that the
// consents signed on earlier versions are to be told (consent.reconsent_due
// webhooks). A background job works through them in batches; Cursor is the
// ID of the last consent notified, advanced in the same transaction as the
// batch's events, so a restart neither loses nor repeats one.
type ReconsentJob struct {
	Slug      string
	Version   int
	Policy    string
	CreatedAt time.Time
	Cursor    string     // "" before the first batch
	DoneAt    *time.Time // set once every consent was notified
}

// ReconsentJobs is the queue of re-consent notices, part of the template
// aggregate (a job belongs to a version's publication).
type ReconsentJobs interface {
	// QueueReconsentJob records a job; ECONFLICT if the version has one.
	QueueReconsentJob(ctx context.Context, j *ReconsentJob) error
	// ListReconsentJobs returns the unfinished jobs, oldest first.
	ListReconsentJobs(ctx context.Context) ([]*ReconsentJob, error)
	// AdvanceReconsentJob moves a job's cursor, and marks it done when
	// done is set; ECONFLICT if its cursor is no longer from (another worker
	// advanced it) or it is done.
	AdvanceReconsentJob(ctx context.Context, slug string, version int, from, to string, done *time.Time) error
}

// ReconsentCandidates finds the consents a re-consent notice goes to.
type ReconsentCandidates interface {
	// ListReconsentCandidates returns up to limit consents of the template
	// slug signed on a version below before, still signed and not superseded
	// by a signed re-consent, with IDs above afterID, in ID order.
	ListReconsentCandidates(ctx context.Context, slug string, before int, afterID string, limit int) ([]*Consent, error)
}

// reconsentBatch is how many consents one transaction of the job notifies.
const reconsentBatch = 200

// NotifyReconsentDue works through the queued re-consent jobs: each batch of
// consents gets its consent.reconsent_due events and the job's cursor moves,
// in one transaction. It returns how many events it queued.
func (s *Service) NotifyReconsentDue(ctx context.Context) (int, error) {
	jobs, err := s.pendingReconsentJobs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		for j.DoneAt == nil {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			k, err := s.notifyReconsentBatch(ctx, j)
			n += k
			if ErrorCode(err) == ECONFLICT {
				break // another process advanced it; the next round picks it up again
			} else if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *Service) pendingReconsentJobs(ctx context.Context) ([]*ReconsentJob, error) {
	var jobs []*ReconsentJob
	err := s.Store.Update(ctx, func(tx Tx) (err error) {
		jobs, err = tx.Templates().ListReconsentJobs(ctx)
		return err
	})
	return jobs, err
}

// notifyReconsentBatch notifies the next batch of j and advances it.
func (s *Service) notifyReconsentBatch(ctx context.Context, j *ReconsentJob) (int, error) {
	n := 0
	err := s.Store.Update(ctx, func(tx Tx) error {
		n = 0
		list, err := tx.Consents().ListReconsentCandidates(ctx, j.Slug, j.Version, j.Cursor, reconsentBatch)
		if err != nil {
			return err
		}
		cursor := j.Cursor
		for _, c := range list {
			due := reconsentDue(c, j.Version, j.Policy)
			if err := s.notify(ctx, tx.Webhooks(), EventConsentReconsentDue, c, map[string]any{"reconsent_due": due}); err != nil {
				return err
			}
			cursor, n = c.ID, n+1
		}
		var done *time.Time
		if len(list) < reconsentBatch {
			now := s.now()
			done = &now
		}
		if err := tx.Templates().AdvanceReconsentJob(ctx, j.Slug, j.Version, j.Cursor, cursor, done); err != nil {
			return err
		}
		j.Cursor, j.DoneAt = cursor, done
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
