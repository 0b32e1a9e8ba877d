package consent

import (
	"context"
	"time"
)

// IdempotencyRequest asks the service to store the response of a write in the
// write's own transaction, so a retried request can be answered from it.
type IdempotencyRequest struct {
	Scope       string // identity of the caller plus route
	Key         string
	RequestHash string
	// Render turns the use case's result into the HTTP status and body the
	// handler will send.
	Render func(result any) (status int, body []byte, err error)
}

type idempotencyKey struct{}

// WithIdempotency returns a context asking writes to store their response under r.
func WithIdempotency(ctx context.Context, r *IdempotencyRequest) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, r)
}

func saveIdempotency(ctx context.Context, tx Tx, result any, now time.Time) error {
	r, _ := ctx.Value(idempotencyKey{}).(*IdempotencyRequest)
	if r == nil {
		return nil
	}
	status, body, err := r.Render(result)
	if err != nil {
		return err
	}
	return tx.SaveIdempotency(ctx, &Idempotency{Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash,
		Status: status, Body: body, CreatedAt: now})
}
