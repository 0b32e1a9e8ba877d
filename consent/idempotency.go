package consent

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
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

// saveIdempotency stores the rendered response encrypted (AES-256-GCM with a key
// derived from the service's secret, which is not in the database): responses
// carry secrets shown once — API keys, signing and download tokens — that are
// otherwise stored only as hashes.
func (s *Service) saveIdempotency(ctx context.Context, w IdempotencyWriter, result any, now time.Time) error {
	r, _ := ctx.Value(idempotencyKey{}).(*IdempotencyRequest)
	if r == nil {
		return nil
	}
	status, body, err := r.Render(result)
	if err != nil {
		return err
	}
	sealed, err := s.sealIdempotency(r.Scope+"\x00"+r.Key, body)
	if err != nil {
		return err
	}
	return w.SaveIdempotency(ctx, &Idempotency{Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash,
		Status: status, Body: sealed, CreatedAt: now})
}

// FindIdempotentResponse returns the stored response for scope and key with its
// body decrypted. Errors: ENOTFOUND.
func (s *Service) FindIdempotentResponse(ctx context.Context, scope, key string) (*Idempotency, error) {
	rec, err := s.Store.Idempotency().FindIdempotency(ctx, scope, key)
	if err != nil {
		return nil, err
	}
	body, err := s.openIdempotency(scope+"\x00"+key, rec.Body)
	if err != nil {
		return nil, err
	}
	rec.Body = body
	return rec, nil
}

func (s *Service) idempotencyAEAD() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.SecretKey)
	m.Write([]byte("idempotency-responses"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) sealIdempotency(aad string, body []byte) ([]byte, error) {
	aead, err := s.idempotencyAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, body, []byte(aad)), nil
}

func (s *Service) openIdempotency(aad string, sealed []byte) ([]byte, error) {
	aead, err := s.idempotencyAEAD()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, fmt.Errorf("idempotency record too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(aad))
}

// IdempotencyReader finds a stored response; ENOTFOUND if none.
type IdempotencyReader interface {
	FindIdempotency(ctx context.Context, scope, key string) (*Idempotency, error)
}

// IdempotencyWriter stores a response in the write's own transaction.
type IdempotencyWriter interface {
	// SaveIdempotency stores a response; ECONFLICT if scope+key already exists.
	SaveIdempotency(ctx context.Context, r *Idempotency) error
}
