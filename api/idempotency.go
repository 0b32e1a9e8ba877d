package api

import (
	"context"
	"encoding/json"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

const idemKey = "consentd.idempotency"

// idemState is a request's Idempotency-Key, and the stored result when the
// request repeats an earlier one.
type idemState struct {
	scope, key, hash string
	replay           *consent.Replay
}

// idempotency refuses a key used earlier with a different body (409) and
// otherwise records the key for the write, with the earlier result when
// there is one: the handler then answers with it (see write) instead of
// writing again.
func (s *Server) idempotency() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		if key == "" {
			c.Next()
			return
		} else if len(key) > 255 {
			s.fail(c, consent.FieldErrorf(consent.EINVALID, "Idempotency-Key", "at most 255 characters."))
			return
		} else if !cleanText(key) {
			s.fail(c, consent.FieldErrorf(consent.EINVALID, "Idempotency-Key", "must be valid UTF-8 without control characters (a UUID is a good key)."))
			return
		}
		body, err := s.readBody(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		actor := consent.RequestFrom(c.Request.Context()).Actor
		st := &idemState{scope: consent.HashSecret(actor + "|" + c.Request.Method + " " + c.Request.URL.Path), key: key,
			hash: s.Service.IdempotencyRequestHash(body)}
		c.Set(idemKey, st)
		st.replay, err = s.Service.FindReplay(c.Request.Context(), st.scope, st.key)
		switch {
		case consent.ErrorCode(err) == consent.ENOTFOUND:
			st.replay = nil
		case err != nil:
			s.fail(c, err)
		case st.replay.RequestHash != st.hash && st.replay.RequestHash != consent.HashSecret(string(body)):
			// (The plain SHA-256 is what records written before the keyed
			// hash hold; they are purged within a day of the upgrade.)
			c.Set(idemKey, nil)
			s.fail(c, consent.FieldErrorf(consent.ECONFLICT, "Idempotency-Key", "this key was already used with a different request body."))
		case st.replay.LegacyStatus != 0:
			// Written before results were typed: the response as it was sent.
			c.Header("Idempotent-Replayed", "true")
			writeJSON(c, st.replay.LegacyStatus, st.replay.LegacyBody)
			c.Abort()
		}
	}
}

// write runs a write use case under the request's Idempotency-Key, if any,
// and answers render(result) with status. The result is stored, typed, in
// the write's own transaction; a retry is answered from it, rendered by the
// same function, so byte for byte as the first time. Two concurrent requests
// with one key: the loser's transaction fails, and it answers with the
// winner's result.
func write[T any](s *Server, c *gin.Context, status int, run func(ctx context.Context) (T, error), render func(T) (any, error)) {
	st, _ := c.Value(idemKey).(*idemState)
	var out T
	var err error
	if st != nil && st.replay != nil {
		out, err = replayed[T](c, st.replay)
	} else {
		ctx := c.Request.Context()
		if st != nil {
			ctx = consent.WithIdempotency(ctx, &consent.IdempotencyRequest{Scope: st.scope, Key: st.key, RequestHash: st.hash})
		}
		out, err = run(ctx)
		if st != nil && consent.ErrorCode(err) == consent.ECONFLICT {
			if r, ferr := s.Service.FindReplay(c.Request.Context(), st.scope, st.key); ferr == nil && r.RequestHash == st.hash {
				out, err = replayed[T](c, r)
			}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := render(out)
	if err != nil {
		s.fail(c, err)
		return
	}
	// An encoding made by this package (a consent, ~170 KB in the full view)
	// is written as is: json.Marshal would validate and copy it once more.
	b, done := v.(json.RawMessage)
	if !done {
		if b, err = json.Marshal(v); err != nil {
			s.fail(c, err)
			return
		}
	}
	writeJSON(c, status, b)
}

// replayed reads a stored result and marks the answer as a replay.
func replayed[T any](c *gin.Context, r *consent.Replay) (T, error) {
	out, err := consent.ReplayResult[T](r)
	if err == nil {
		c.Header("Idempotent-Replayed", "true")
	}
	return out, err
}

// view turns a renderer that cannot fail into one for write.
func view[T, J any](render func(T) J) func(T) (any, error) {
	return func(x T) (any, error) { return render(x), nil }
}
