package api

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// identityEncoding refuses bodies sent with a Content-Encoding other than
// identity (415): they would otherwise be read as compressed bytes, or, if
// decoded, bypass the body size limit.
func (s *Server) identityEncoding() gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, v := range c.Request.Header.Values("Content-Encoding") {
			for _, enc := range strings.Split(v, ",") {
				if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "identity") {
					s.fail(c, consent.Errorf(consent.EUNSUPPORTED, "Content-Encoding %s is not supported; send the body uncompressed.", consent.CleanEvidence(enc, 40)))
					return
				}
			}
		}
		c.Next()
	}
}

// checkURL refuses path parameters and query values that are not valid UTF-8
// or hold control characters before any handler sees them: no ID or filter
// holds such text, and a database would refuse it (PostgreSQL fails on invalid
// UTF-8 and NUL), which must never turn into a 500. An ID in the path is then
// simply not found (404); a query value is a bad request (400).
func (s *Server) checkURL() gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			if !cleanText(p.Value) {
				s.fail(c, consent.Errorf(consent.ENOTFOUND, "Not found: the %s in the path holds characters no %s has.", p.Key, p.Key))
				return
			}
		}
		for k, vs := range c.Request.URL.Query() {
			for _, v := range append(vs, k) {
				if !cleanText(v) {
					s.fail(c, consent.FieldErrorf(consent.EINVALID, consent.CleanEvidence(k, 64), "must be valid UTF-8 without control characters."))
					return
				}
			}
		}
		c.Next()
	}
}

// cleanText reports whether s is valid UTF-8 without control characters.
func cleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}
