package consent

import (
	"context"
	"time"
)

// stamp describes ending a record's life once — revoking a key, link or
// device, deactivating a staff member, deleting a webhook: the record keeps
// its row, with the time it ended.
type stamp[T any] struct {
	find    func(tx Tx) (*T, error)
	at      func(r *T) **time.Time // the record's end time
	write   func(tx Tx, at time.Time) error
	event   string
	consent string // the consent the record belongs to, if any
	details map[string]any
}

// stampOnce ends a record in one transaction, with its audit event vouching
// for the row as it was and as it is; a record already ended is returned as
// it is, with nothing written. Errors: those of find (ENOTFOUND).
func stampOnce[T any, P interface {
	*T
	Row
}](ctx context.Context, s *Service, st stamp[T]) (*T, error) {
	return update(ctx, s, func(tx Tx) (*T, error) {
		r, err := st.find(tx)
		if err != nil {
			return nil, err
		} else if *st.at(r) != nil {
			return r, nil
		}
		now := s.now()
		if err := st.write(tx, now); err != nil {
			return nil, err
		}
		before := *r
		*st.at(r) = &now
		return r, tx.Audit().AppendAudit(ctx, s.change(ctx, st.event, st.consent, st.details, P(&before), P(r)))
	})
}
