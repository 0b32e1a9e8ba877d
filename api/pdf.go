package api

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

func servePDF(c *gin.Context, p *consent.SealedPDF) {
	name := "consent-" + p.ConsentID
	if p.Kind == consent.PDFKindWithdrawn {
		name += "-withdrawn"
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, name))
	c.Header("ETag", `"`+p.Info.SHA256+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", p.Bytes)
}

func (s *Server) getPDF(c *gin.Context) {
	p, err := s.Service.GetPDF(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	servePDF(c, p)
}

func (s *Server) getWithdrawalPDF(c *gin.Context) {
	p, err := s.Service.GetWithdrawalPDF(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	servePDF(c, p)
}

type downloadLinkRequest struct {
	TTLSeconds       *int64 `json:"ttl_seconds"`
	RequireBirthDate bool   `json:"require_birth_date"`
}

type downloadLinkJSON struct {
	ID               string  `json:"id"`
	URL              string  `json:"url,omitempty"`
	ExpiresAt        string  `json:"expires_at"`
	RequireBirthDate bool    `json:"require_birth_date"`
	RevokedAt        *string `json:"revoked_at,omitempty"`
	LockedAt         *string `json:"locked_at,omitempty"`
}

func (s *Server) createDownloadLink(c *gin.Context) {
	var req downloadLinkRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ttl, err := linkTTL(req.TTLSeconds)
	if err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.CreatedDownloadLink, error) {
		return s.Service.CreateDownloadLink(ctx, c.Param("id"), ttl, req.RequireBirthDate)
	}, view(toCreatedLinkJSON))
}

// toCreatedLinkJSON is a new link with its URL, shown only in the creation response.
func toCreatedLinkJSON(l *consent.CreatedDownloadLink) downloadLinkJSON {
	return downloadLinkJSON{ID: l.Link.ID, URL: "/d/" + l.Token, ExpiresAt: ts(l.Link.ExpiresAt), RequireBirthDate: l.Link.RequireBirthDate}
}

func (s *Server) revokeDownloadLink(c *gin.Context) {
	l, err := s.Service.RevokeDownloadLink(c.Request.Context(), c.Param("id"), c.Param("link_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, downloadLinkJSON{ID: l.ID, ExpiresAt: ts(l.ExpiresAt), RequireBirthDate: l.RequireBirthDate, RevokedAt: tsp(l.RevokedAt),
		LockedAt: tsp(l.LockedAt)})
}

var birthDateForm = template.Must(template.New("dob").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Download your signed consent</title>
<style>body{font:20px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111}
label,input,button{display:block;font-size:1.1em;margin:.5rem 0}input{padding:.5rem}button{padding:.6rem 1.2rem;background:#0b5;color:#fff;border:0;border-radius:6px}
.err{color:#a00}</style></head><body>
<h1>Download your signed consent</h1>
<p>To protect your privacy, please enter your date of birth. / Para proteger su privacidad, introduzca su fecha de nacimiento.</p>
{{if .}}<p class="err" role="alert">{{.}}</p>{{end}}
<form method="post"><label for="birth_date">Date of birth / Fecha de nacimiento</label>
<input id="birth_date" name="birth_date" type="date" required autocomplete="bday">
<button type="submit">Download PDF / Descargar PDF</button></form></body></html>`))

// downloadWithLink serves a patient's PDF through an expiring link; links that
// require a date of birth show a form (GET) and check it (POST), so the birth
// date never appears in a URL.
func (s *Server) downloadWithLink(c *gin.Context) {
	withRequest(c, "link", "patient-link")
	if err := take(s.LinkLimiter, c.ClientIP(), "Too many attempts. Please wait a minute and try again."); err != nil {
		s.fail(c, err)
		return
	}
	ctx, token := c.Request.Context(), c.Param("token")
	l, err := s.Service.DownloadLinkStatus(ctx, token)
	if err != nil {
		s.linkFailed(c, err)
		return
	}
	birthDate := ""
	if l.RequireBirthDate {
		if c.Request.Method == http.MethodGet {
			s.htmlPage(c, http.StatusOK, birthDateForm, "")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4096)
		birthDate = c.PostForm("birth_date")
	}
	p, err := s.Service.DownloadWithLink(ctx, token, birthDate)
	if consent.ErrorCode(err) == consent.EFORBIDDEN {
		s.htmlPage(c, http.StatusForbidden, birthDateForm, "That date of birth does not match. / La fecha de nacimiento no coincide.")
		return
	} else if err != nil {
		s.linkFailed(c, err)
		return
	}
	servePDF(c, p)
}

var linkGonePage = template.Must(template.New("gone").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>This link no longer works</title>
<style>body{font:20px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111}</style></head><body>
<h1>This link no longer works / Este enlace ya no funciona</h1>
<p role="alert">{{.}}</p>
<p lang="es">Pida a la clínica un enlace nuevo.</p></body></html>`))

// linkFailed answers a failed patient download: a person's browser gets a
// page that says what to do, other clients the API's JSON error.
func (s *Server) linkFailed(c *gin.Context, err error) {
	if consent.ErrorCode(err) == consent.EGONE && strings.Contains(c.GetHeader("Accept"), "text/html") {
		s.htmlPage(c, http.StatusGone, linkGonePage, consent.ErrorMessage(err))
		c.Abort()
		return
	}
	s.fail(c, err)
}

func (s *Server) htmlPage(c *gin.Context, status int, t *template.Template, data any) {
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := t.Execute(c.Writer, data); err != nil {
		s.log(c).Error("render page", "err", err)
	}
}

type verifyJSON struct {
	Valid         bool     `json:"valid"`
	Reason        string   `json:"reason,omitempty"`
	ConsentID     string   `json:"consent_id,omitempty"`
	ContentSHA256 string   `json:"content_sha256,omitempty"`
	SignedAt      *string  `json:"signed_at,omitempty"`
	Signers       []string `json:"signers"`
	CertSHA256    string   `json:"cert_sha256,omitempty"`
	FileSHA256    string   `json:"file_sha256,omitempty"`
	Kind          string   `json:"kind,omitempty"`
	WithdrawnAt   *string  `json:"withdrawn_at,omitempty"`
}

// verifyPDF checks a PDF within bounded work: at most the size of the largest
// sealed consent (413), the shape of one (422), and a deadline and a few
// concurrent slots (503 with Retry-After).
func (s *Server) verifyPDF(c *gin.Context) {
	b, err := readBodyLimit(c, consent.MaxSealedPDFBytes)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Service.VerifyPDF(c.Request.Context(), s.Verifier, b)
	if consent.ErrorCode(err) == consent.EUNAVAILABLE {
		c.Header("Retry-After", "5")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	out := verifyJSON{Valid: res.Valid, Reason: res.Reason, ConsentID: res.ConsentID, ContentSHA256: res.ContentSHA256,
		Signers: res.Signers, CertSHA256: res.CertSHA256, FileSHA256: res.FileSHA256, Kind: res.Kind}
	if res.Valid && !res.WithdrawnAt.IsZero() {
		out.WithdrawnAt = tsp(&res.WithdrawnAt)
	}
	if out.Signers == nil {
		out.Signers = []string{}
	}
	if !res.SignedAt.IsZero() {
		out.SignedAt = tsp(&res.SignedAt)
	}
	ok(c, http.StatusOK, out)
}

func (s *Server) signingCertificate(c *gin.Context) {
	if s.Certificates == nil {
		s.fail(c, consent.Errorf(consent.ENOTFOUND, "No sealing certificate is configured."))
		return
	}
	c.Data(http.StatusOK, "application/x-pem-file", s.Certificates())
}

// linkTTL is a patient link's lifetime from ttl_seconds (0: the default);
// EINVALID outside 1 second to MaxLinkTTL.
func linkTTL(seconds *int64) (time.Duration, error) {
	if seconds == nil {
		return 0, nil
	}
	if *seconds < 1 || *seconds > int64(consent.MaxLinkTTL/time.Second) {
		return 0, consent.FieldErrorf(consent.EINVALID, "ttl_seconds", "must be between 1 second and 30 days (2592000).")
	}
	return time.Duration(*seconds) * time.Second, nil
}
