package api

import (
	"errors"
	"io"
	"net"
	"net/http"
	"path"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// publicVerifyJSON is the public verification page's answer. Facts appear
// only when valid is true; a file that does not verify gets its reason (and
// its own hash) and nothing else.
type publicVerifyJSON struct {
	Valid           bool                `json:"valid"`
	Reason          string              `json:"reason,omitempty"`
	Kind            string              `json:"kind,omitempty"`
	FileSHA256      string              `json:"file_sha256,omitempty"`
	Issuer          string              `json:"issuer,omitempty"`
	ConsentID       string              `json:"consent_id,omitempty"`
	Template        *publicTemplateJSON `json:"template,omitempty"`
	ContentSHA256   string              `json:"content_sha256,omitempty"`
	SignedAt        *string             `json:"signed_at,omitempty"`
	Signers         []publicSignerJSON  `json:"signers,omitempty"`
	Status          string              `json:"status,omitempty"`
	StatusChangedAt *string             `json:"status_changed_at,omitempty"`
	CertSHA256      string              `json:"cert_sha256,omitempty"`
}

type publicTemplateJSON struct {
	Slug    string `json:"slug"`
	Version int    `json:"version"`
	Locale  string `json:"locale"`
	Title   string `json:"title"`
}

type publicSignerJSON struct {
	Role     string `json:"role"`
	SignedAt string `json:"signed_at"`
}

func (s *Server) publicJSON(p *consent.PublicVerification) publicVerifyJSON {
	out := publicVerifyJSON{Valid: p.Valid, Reason: p.Reason, Kind: p.Kind, FileSHA256: p.FileSHA256}
	if !p.Valid {
		return out
	}
	out.Issuer, out.ConsentID, out.ContentSHA256, out.Status, out.CertSHA256 = s.ClinicName, p.ConsentID, p.ContentSHA256, p.Status, p.CertSHA256
	out.Template = &publicTemplateJSON{Slug: p.TemplateSlug, Version: p.TemplateVersion, Locale: p.Locale, Title: p.Title}
	if !p.SignedAt.IsZero() {
		out.SignedAt = tsp(&p.SignedAt)
	}
	out.StatusChangedAt = tsp(p.StatusChangedAt)
	out.Signers = make([]publicSignerJSON, 0, len(p.Signers))
	for _, sg := range p.Signers {
		out.Signers = append(out.Signers, publicSignerJSON{Role: sg.Role, SignedAt: ts(sg.SignedAt)})
	}
	return out
}

// publicLimits admits one more public verification: per client (an IPv6
// client's whole /64, which one household or attacker holds), then under a
// global ceiling that rotating addresses cannot get around.
func (s *Server) publicLimits(c *gin.Context) error {
	if err := take(s.PublicLimiter, clientKey(c.ClientIP()), "Too many checks from your network. Please wait a minute and try again."); err != nil {
		return err
	}
	return take(s.PublicCeiling, "all", "Too many checks right now. Please try again in a minute.")
}

// clientKey is what a public limit counts: the address, or for IPv6 its /64.
func clientKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil || a.To4() != nil {
		return ip
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// publicVerifyUpload checks a file for anyone, without an API key, within
// the bounds of POST /v1/verify, and audits the check.
func (s *Server) publicVerifyUpload(c *gin.Context) {
	if err := s.publicLimits(c); err != nil {
		s.fail(c, err)
		return
	}
	withRequest(c, "public", "public")
	var body io.Reader = http.NoBody
	if c.Request.ContentLength > consent.MaxSealedPDFBytes { // refused (and audited) without reading it
		body = &capped{r: http.NoBody, tooLarge: true}
	} else if c.Request.Body != nil {
		body = &capped{r: http.MaxBytesReader(c.Writer, c.Request.Body, consent.MaxSealedPDFBytes)}
	}
	res, err := s.Service.VerifyPublicPDF(c.Request.Context(), c.FullPath(), s.Verifier, body)
	if consent.ErrorCode(err) == consent.EUNAVAILABLE {
		c.Header("Retry-After", "5")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, s.publicJSON(res))
}

// capped reports a body over the cap (or announced as larger) as the
// domain's ETOOLARGE.
type capped struct {
	r        io.Reader
	tooLarge bool
}

func (c *capped) Read(p []byte) (int, error) {
	var n int
	var err error
	if !c.tooLarge {
		n, err = c.r.Read(p)
		var mbe *http.MaxBytesError
		c.tooLarge = errors.As(err, &mbe)
	}
	if c.tooLarge {
		err = consent.Errorf(consent.ETOOLARGE, "A sealed consent is at most %d bytes; this file is larger.", consent.MaxSealedPDFBytes)
	}
	return n, err
}

// publicVerifyLink shows the facts behind a printed verification link.
func (s *Server) publicVerifyLink(c *gin.Context) {
	if err := s.publicLimits(c); err != nil {
		s.fail(c, err)
		return
	}
	withRequest(c, "public", "public")
	res, err := s.Service.VerifyPublicLink(c.Request.Context(), c.FullPath(), c.Param("token"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, s.publicJSON(res))
}

// verifyPage serves the public verification page, for /verify and for a
// printed link (/verify/c/<token>): the token stays in the path, read by the
// page's script, never echoed into the HTML.
func (s *Server) verifyPage(c *gin.Context) {
	s.serveWeb(c, "verify/index.html", "text/html; charset=utf-8")
}

// verifyAsset serves the verification page's scripts and styles, from its
// own folder only.
func (s *Server) verifyAsset(c *gin.Context) {
	name := path.Clean("/" + c.Param("file"))[1:]
	typ, known := assetTypes[path.Ext(name)]
	if !known {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "No such file."))
		return
	}
	s.serveWeb(c, "verify/"+name, typ)
}

// serveWeb serves an embedded file under the tablet page's policy.
func (s *Server) serveWeb(c *gin.Context, name, typ string) {
	if s.Web == nil {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "No such file."))
		return
	}
	b, err := readWeb(s, name)
	if err != nil {
		s.fail(c, err)
		return
	}
	tabletHeaders(c)
	c.Data(http.StatusOK, typ, b)
}
