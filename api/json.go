package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// readBody reads the whole request body within the server's size limit.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	return readBodyLimit(c, limit)
}

// readBodyLimit reads the whole request body, at most limit bytes (ETOOLARGE
// beyond), once per request.
func readBodyLimit(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.Body == nil {
		return nil, nil
	}
	if v, ok := c.Get(bodyKey); ok {
		return v.([]byte), nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, consent.Errorf(consent.ETOOLARGE, "Request body too large (at most %d bytes).", limit)
	} else if err != nil {
		return nil, consent.Errorf(consent.EINVALID, "Could not read the request body.")
	}
	c.Set(bodyKey, b)
	return b, nil
}

const bodyKey = "consentd.body"

// decodeJSON decodes exactly one JSON value in valid UTF-8 into v (see
// decodeStrict).
func (s *Server) decodeJSON(c *gin.Context, v any) error {
	b, err := s.readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

// answer writes view(v) with 200, or the error.
func answer[T, J any](s *Server, c *gin.Context, v T, err error, view func(T) J) {
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, view(v))
}

// answerList writes a whole list as {"data": [...]} with 200, or the error.
func answerList[T, J any](s *Server, c *gin.Context, list func(ctx context.Context) ([]T, error), view func(T) J) {
	items, err := list(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := listResponse[J]{Data: make([]J, 0, len(items))}
	for _, x := range items {
		out.Data = append(out.Data, view(x))
	}
	ok(c, http.StatusOK, out)
}

// ok writes a success response with the given status.
func ok(c *gin.Context, status int, v any) {
	c.JSON(status, v)
}
