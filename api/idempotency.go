package api

import (
	"context"
	"encoding/json"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

const idemKey = "consentd.idempotency"

type idemState struct {
	scope, key, hash string
}

// idempotency replays the stored response of a write made earlier with the same
// Idempotency-Key (same body), refuses the key with a different body (409), and
// otherwise lets the handler run with the key recorded for its transaction.
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
			hash: consent.HashSecret(string(body))}
		c.Set(idemKey, st)
		if s.replay(c, st) {
			c.Abort()
			return
		}
		c.Next()
	}
}

// replay answers from a stored response if there is one; it reports whether it wrote one.
func (s *Server) replay(c *gin.Context, st *idemState) bool {
	rec, err := s.Service.FindIdempotentResponse(c.Request.Context(), st.scope, st.key)
	if consent.ErrorCode(err) == consent.ENOTFOUND {
		return false
	} else if err != nil {
		s.fail(c, err)
		return true
	}
	if rec.RequestHash != st.hash {
		c.Set(idemKey, nil)
		s.fail(c, consent.FieldErrorf(consent.ECONFLICT, "Idempotency-Key", "this key was already used with a different request body."))
		return true
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(rec.Status, "application/json; charset=utf-8", rec.Body)
	return true
}

// idem returns the request context, carrying an idempotency record that stores
// render(result) with status in the write's own transaction when a key was sent.
func (s *Server) idem(c *gin.Context, status int, render func(result any) any) context.Context {
	ctx := c.Request.Context()
	st, _ := c.Value(idemKey).(*idemState)
	if st == nil {
		return ctx
	}
	return consent.WithIdempotency(ctx, &consent.IdempotencyRequest{Scope: st.scope, Key: st.key, RequestHash: st.hash,
		Render: func(result any) (int, []byte, error) {
			b, err := json.Marshal(render(result))
			return status, b, err
		}})
}

// replayAfterConflict handles two concurrent requests with one key: the loser's
// transaction fails, and it answers with the winner's stored response.
func (s *Server) replayAfterConflict(c *gin.Context, err error) bool {
	st, _ := c.Value(idemKey).(*idemState)
	if st == nil || consent.ErrorCode(err) != consent.ECONFLICT {
		return false
	}
	rec, ferr := s.Service.FindIdempotentResponse(c.Request.Context(), st.scope, st.key)
	if ferr != nil || rec.RequestHash != st.hash {
		return false
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(rec.Status, "application/json; charset=utf-8", rec.Body)
	c.Abort()
	return true
}
