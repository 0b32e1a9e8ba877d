package api

import (
	"github.com/consentd/consentd/consent"
	"github.com/gin-gonic/gin"
)

// routes registers every endpoint in one place, with its scope: one line
// each, so the table reads top to bottom.
func (s *Server) routes(r *gin.Engine) {
	scope := s.requireScope
	idem := s.idempotency()

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if s.MetricsHandler != nil {
		r.GET("/metrics", s.MetricsHandler)
	}
	r.GET("/openapi.json", s.openAPI)
	r.GET("/v1/signing-certificate", s.signingCertificate)

	v1 := r.Group("/v1")
	v1.POST("/api-keys", scope(consent.ScopeAdmin), idem, s.createAPIKey)
	v1.GET("/api-keys", scope(consent.ScopeAdmin), s.listAPIKeys)
	v1.DELETE("/api-keys/:id", scope(consent.ScopeAdmin), s.revokeAPIKey)
	v1.POST("/staff", scope(consent.ScopeAdmin), idem, s.createStaff)
	v1.GET("/staff", scope(consent.ScopeAdmin), s.listStaff)
	v1.DELETE("/staff/:id", scope(consent.ScopeAdmin), s.deactivateStaff)

	v1.POST("/devices", scope(consent.ScopeAdmin), idem, s.createDevice)
	v1.GET("/devices", scope(consent.ScopeAdmin), s.listDevices)
	v1.DELETE("/devices/:id", scope(consent.ScopeAdmin), s.revokeDevice)

	v1.POST("/webhooks", scope(consent.ScopeAdmin), idem, s.createWebhook)
	v1.GET("/webhooks", scope(consent.ScopeAdmin), s.listWebhooks)
	v1.DELETE("/webhooks/:id", scope(consent.ScopeAdmin), s.deleteWebhook)
	v1.POST("/webhooks/:id/rotate-secret", scope(consent.ScopeAdmin), idem, s.rotateWebhookSecret)
	v1.GET("/webhooks/:id/deliveries", scope(consent.ScopeAdmin), s.listDeliveries)

	v1.POST("/templates", scope(consent.ScopeTemplatesWrite), idem, s.createTemplate)
	v1.GET("/templates", scope(consent.ScopeTemplatesRead), s.listTemplates)
	v1.GET("/templates/:slug", scope(consent.ScopeTemplatesRead), s.getTemplate)
	v1.GET("/templates/:slug/versions", scope(consent.ScopeTemplatesRead), s.listVersions)
	v1.POST("/templates/:slug/versions", scope(consent.ScopeTemplatesWrite), idem, s.createVersion)
	v1.GET("/templates/:slug/versions/:version", scope(consent.ScopeTemplatesRead), s.getVersion)
	v1.PUT("/templates/:slug/versions/:version", scope(consent.ScopeTemplatesWrite), s.updateVersion)
	v1.POST("/templates/:slug/versions/:version/publish", scope(consent.ScopeTemplatesWrite), idem, s.publishVersion)
	v1.POST("/templates/:slug/versions/:version/retire", scope(consent.ScopeTemplatesWrite), idem, s.retireVersion)
	v1.POST("/templates/:slug/versions/:version/approve", scope(consent.ScopeTemplatesWrite), idem, s.approveVersion)

	v1.POST("/consents", scope(consent.ScopeConsentsWrite), idem, s.createConsent)
	v1.GET("/consents", scope(consent.ScopeConsentsRead), s.listConsents)
	v1.GET("/consents/:id", scope(consent.ScopeConsentsRead), s.getConsent)
	v1.POST("/consents/:id/signatures", scope(consent.ScopeConsentsWrite), idem, s.signConsent)
	v1.POST("/consents/:id/decline", scope(consent.ScopeConsentsWrite), idem, s.transition(consent.StatusDeclined))
	v1.POST("/consents/:id/cancel", scope(consent.ScopeConsentsWrite), idem, s.transition(consent.StatusCancelled))
	v1.POST("/consents/:id/withdraw", scope(consent.ScopeConsentsWrite), idem, s.transition(consent.StatusWithdrawn))
	v1.POST("/consents/:id/void", scope(consent.ScopeAdmin), idem, s.transition(consent.StatusVoided))
	v1.POST("/consents/:id/reconsent", scope(consent.ScopeConsentsWrite, consent.ScopeConsentsRead), idem, s.reconsent)
	v1.GET("/consents/:id/documents/:locale", scope(consent.ScopeConsentsRead), s.getConsentDocument)
	v1.GET("/consents/:id/pdf", scope(consent.ScopeConsentsRead), s.getPDF)
	v1.GET("/consents/:id/pdf/withdrawn", scope(consent.ScopeConsentsRead), s.getWithdrawalPDF)
	v1.POST("/consents/:id/download-links", scope(consent.ScopeConsentsWrite, consent.ScopeConsentsRead), idem, s.createDownloadLink)
	v1.DELETE("/consents/:id/download-links/:link_id", scope(consent.ScopeConsentsWrite), s.revokeDownloadLink)
	v1.POST("/consents/:id/remote-links", scope(consent.ScopeConsentsWrite), idem, s.createRemoteLink)
	v1.DELETE("/consents/:id/remote-links/:link_id", scope(consent.ScopeConsentsWrite), s.revokeRemoteLink)
	v1.GET("/consents/:id/audit", scope(consent.ScopeAuditRead), s.consentAudit)
	v1.GET("/audit", scope(consent.ScopeAuditRead), s.listAudit)
	v1.GET("/audit/checkpoints", scope(consent.ScopeAuditRead), s.listAuditCheckpoints)
	v1.POST("/verify", scope(consent.ScopeConsentsRead), s.verifyPDF)

	v1.POST("/signing/codes/:code", s.exchangeCode)
	v1.GET("/signing/device", s.tabletDevice)
	v1.POST("/signing/device", s.enrolDevice)
	v1.GET("/signing/:token", s.tokenAuth, s.getSigning)
	v1.POST("/signing/:token/acknowledgments", s.tokenAuth, idem, s.acknowledge)
	v1.POST("/signing/:token/answers", s.tokenAuth, idem, s.answer)
	v1.POST("/signing/:token/signatures", s.tokenAuth, idem, s.signWithToken)
	v1.POST("/signing/:token/staff-check", s.tokenAuth, s.staffCheck)

	r.GET("/d/:token", s.downloadWithLink)
	r.POST("/d/:token", s.downloadWithLink)

	// Remote signing: the gate (no API key; limited per address and per link),
	// then the signing API with the session token it hands out.
	v1.GET("/remote/:token", s.remoteLinkStatus)
	v1.POST("/remote/:token/open", s.openRemoteLink)
	r.GET("/remote/:token", s.signPage)

	r.GET("/sign", s.signPage)
	r.GET("/sign/:token", s.signPage)
	r.GET("/enrol", s.signPage)
	r.GET("/sign-assets/*file", s.signAsset)

	// Public verification: no API key; rate-limited per client and globally.
	v1.POST("/public/verify", s.publicVerifyUpload)
	v1.GET("/public/verify/:token", s.publicVerifyLink)
	r.GET("/verify", s.verifyPage)
	r.GET("/verify/c/:token", s.verifyPage)
	r.GET("/verify-assets/*file", s.verifyAsset)

	s.fhirRoutes(r)
}
