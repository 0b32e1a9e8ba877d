package api

import (
	"context"
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// tokenAuth attributes a tablet request to its signing token (by a hash prefix,
// never the token itself) and to its enrolled device, if any. The token is the
// only credential: the domain resolves it, and refuses (429) a client that
// presented too many unknown codes or tokens, per enrolled device or per IP.
// A remote session's requests come from the patient's own device: channel
// remote, and never an enrolled tablet's.
func (s *Server) tokenAuth(c *gin.Context) {
	actor := "token:" + consent.HashSecret(c.Param("token"))[:16]
	if consent.IsRemoteSessionToken(c.Param("token")) {
		withRequest(c, actor, consent.ChannelRemote)
		return
	}
	if err := s.tabletRequest(c, actor); err != nil {
		s.fail(c, err)
	}
}

type exchangeResponse struct {
	Token     string `json:"token"`
	URL       string `json:"url"`
	ConsentID string `json:"consent_id"`
	ExpiresAt string `json:"expires_at"`
}

func (s *Server) exchangeCode(c *gin.Context) {
	if err := s.tabletRequest(c, "signing-code"); err != nil {
		s.fail(c, err)
		return
	}
	if err := take(s.CodeLimiter, limitKey(c), "Too many attempts. Please wait a minute and try again."); err != nil {
		s.fail(c, err)
		return
	}
	token, cs, err := s.Service.ExchangeSigningCode(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ok(c, http.StatusOK, exchangeResponse{Token: token, URL: "/sign/" + token, ConsentID: cs.ID, ExpiresAt: ts(cs.ExpiresAt)})
}

type signingJSONView struct {
	ConsentID       string                      `json:"consent_id"`
	Status          string                      `json:"status"`
	Locale          string                      `json:"locale"`
	Locales         []string                    `json:"locales"`
	Documents       map[string]consent.Document `json:"documents"`
	RequiredSigners []string                    `json:"required_signers"`
	SignatureForms  []string                    `json:"signature_forms"`
	SignedRoles     []string                    `json:"signed_roles"`
	Acknowledgments []ackJSON                   `json:"acknowledgments"`
	AnswerAttempts  []answerJSON                `json:"answer_attempts"`
	FlaggedSections []string                    `json:"flagged_sections"`
	// TeachBackRequired: the clinician countersigns only once every question
	// was answered correctly.
	TeachBackRequired bool   `json:"teach_back_required"`
	ExpiresAt         string `json:"expires_at"`
	// Reconsent is true for a re-consent: the tablet shows the change
	// summary first. The consent it replaces is not named to the tablet.
	Reconsent bool `json:"reconsent"`
}

func (s *Server) getSigning(c *gin.Context) {
	ss, err := s.Service.OpenSigning(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.fail(c, err)
		return
	}
	cs := ss.Consent
	out := signingJSONView{ConsentID: cs.ID, Status: cs.Status, Locale: cs.Locale, Documents: map[string]consent.Document{},
		RequiredSigners: ss.RequiredSigners, SignatureForms: ss.SignatureForms, SignedRoles: ss.SignedRoles,
		Acknowledgments: []ackJSON{}, AnswerAttempts: answersJSON(cs), FlaggedSections: cs.FlaggedSections(),
		TeachBackRequired: ss.TeachBackRequired, ExpiresAt: ts(cs.ExpiresAt), Reconsent: cs.Supersedes != ""}
	for l, d := range cs.Documents {
		out.Documents[l] = tabletDocument(d)
		out.Locales = append(out.Locales, l)
	}
	for _, a := range cs.Acknowledgments {
		out.Acknowledgments = append(out.Acknowledgments, ackJSON{Section: a.SectionKey, Locale: a.Locale, At: ts(a.At), Channel: a.Evidence.Channel})
	}
	ok(c, http.StatusOK, out)
}

type ackRequest struct {
	Section string `json:"section"`
	Locale  string `json:"locale"`
}

func toAckJSON(a *consent.Acknowledgment) ackJSON {
	return ackJSON{Section: a.SectionKey, Locale: a.Locale, At: ts(a.At), Channel: a.Evidence.Channel}
}

func (s *Server) acknowledge(c *gin.Context) {
	var req ackRequest
	if err := s.decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	write(s, c, http.StatusCreated, func(ctx context.Context) (*consent.Acknowledgment, error) {
		return s.Service.Acknowledge(ctx, c.Param("token"), req.Section, req.Locale)
	}, view(toAckJSON))
}

func (s *Server) signWithToken(c *gin.Context) {
	s.sign(c, func(ctx context.Context, in consent.SignInput) (*consent.SignResult, error) {
		return s.Service.SignWithToken(ctx, c.Param("token"), in)
	})
}
