package consent

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// IdempotencyRequest asks a write to store its result in the write's own
// transaction, so that a retried request (same caller, route, key and body)
// gets the same answer.
type IdempotencyRequest struct {
	Scope       string // identity of the caller plus route
	Key         string
	RequestHash string
}

type idempotencyKey struct{}

// WithIdempotency returns a context asking writes to store their result under r.
func WithIdempotency(ctx context.Context, r *IdempotencyRequest) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, r)
}

// Idempotency is a write's stored result, sealed (see saveIdempotency).
type Idempotency struct {
	Scope       string // API key or token identity plus route
	Key         string
	RequestHash string
	// Result is the write's typed result (a *CreatedConsent, *Staff, …),
	// JSON-encoded and sealed.
	Result []byte
	// LegacyStatus is set on a record written before results were typed:
	// Result is then the sealed response body, sent again as it was with
	// this status. Records are purged a day after they are written, so none
	// is left a day after the upgrade.
	LegacyStatus int
	CreatedAt    time.Time
}

// saveIdempotency stores result sealed (AES-256-GCM with a key derived from
// the service's secret, which is not in the database): results carry
// secrets shown once — API keys, signing and download tokens — that are
// otherwise stored only as hashes.
func (s *Service) saveIdempotency(ctx context.Context, w IdempotencyWriter, result any, now time.Time) error {
	rec, err := s.idempotencyRecord(ctx, result, now)
	if err != nil || rec == nil {
		return err
	}
	return w.SaveIdempotency(ctx, rec)
}

// idempotencyRecord is the sealed record of result when ctx asks for one
// (nil if not); a grouped write makes it before its transaction.
func (s *Service) idempotencyRecord(ctx context.Context, result any, now time.Time) (*Idempotency, error) {
	r, _ := ctx.Value(idempotencyKey{}).(*IdempotencyRequest)
	if r == nil {
		return nil, nil
	}
	b, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("consent: encode idempotent result: %w", err)
	}
	sealed, err := s.sealIdempotency(idempotencyAAD(r.Scope, r.Key, false), b)
	if err != nil {
		return nil, err
	}
	return &Idempotency{Scope: r.Scope, Key: r.Key, RequestHash: r.RequestHash, Result: sealed, CreatedAt: now}, nil
}

// Replay is a write's stored result, opened: the typed result (read it with
// ReplayResult) or, for a record written before results were typed, the
// response as it was sent (LegacyStatus and LegacyBody).
type Replay struct {
	RequestHash  string
	LegacyStatus int
	LegacyBody   []byte
	result       []byte
}

// FindReplay returns the stored result of the write made with scope and
// key. Errors: ENOTFOUND.
func (s *Service) FindReplay(ctx context.Context, scope, key string) (*Replay, error) {
	rec, err := s.Store.Idempotency().FindIdempotency(ctx, scope, key)
	if err != nil {
		return nil, err
	}
	legacy := rec.LegacyStatus != 0
	b, err := s.openIdempotency(idempotencyAAD(scope, key, legacy), rec.Result)
	if err != nil {
		return nil, err
	}
	out := &Replay{RequestHash: rec.RequestHash}
	if legacy {
		out.LegacyStatus, out.LegacyBody = rec.LegacyStatus, b
	} else {
		out.result = b
	}
	return out, nil
}

// ReplayResult returns a replay's typed result: T is the type the write
// returned (e.g. *CreatedAPIKey).
func ReplayResult[T any](r *Replay) (T, error) {
	var out T
	if r.result == nil {
		return out, fmt.Errorf("consent: the stored result was written before results were typed")
	}
	if err := json.Unmarshal(r.result, &out); err != nil {
		return out, fmt.Errorf("consent: decode idempotent result as %T: %w", out, err)
	}
	return out, nil
}

// idempotencyAAD binds a sealed result to its scope and key, and to its
// format: a typed result cannot be opened as a legacy body or the reverse.
func idempotencyAAD(scope, key string, legacy bool) string {
	if legacy {
		return scope + "\x00" + key
	}
	return "typed\x00" + scope + "\x00" + key
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

// IdempotencyReader finds a stored result; ENOTFOUND if none.
type IdempotencyReader interface {
	FindIdempotency(ctx context.Context, scope, key string) (*Idempotency, error)
}

// IdempotencyWriter stores a result in the write's own transaction.
type IdempotencyWriter interface {
	// SaveIdempotency stores a result; ECONFLICT if scope+key already exists.
	SaveIdempotency(ctx context.Context, r *Idempotency) error
}

// IdempotencyRequestHash is what an idempotency record keeps of a request
// body to tell a retry from another request under the same key: an HMAC keyed
// from the server secret, so a body that carries a PIN (countersignatures,
// publish, approve) cannot be guessed offline from a copy of the database.
func (s *Service) IdempotencyRequestHash(body []byte) string {
	k := hmac.New(sha256.New, s.SecretKey)
	k.Write([]byte("idempotency-requests"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
