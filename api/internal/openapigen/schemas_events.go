package main

// Schemas for the audit trail, webhooks and FHIR.

func auditEventSchema() M {
	return output("One entry of the hash-chained audit trail.", M{
		"seq": integer("Position in the chain, from 1."),
		"type": M{"type": "string", "description": "Event type.", "examples": []string{"consent.created", "consent.signature_recorded",
			"consent.signed", "consent.pdf_downloaded", "template.version_published", "apikey.created", "auth.failed"}},
		"at": timestamp(""), "actor": str("apikey:<id>, token:<hash prefix>, link, system, ..."),
		"consent_id": str(""), "ip": str(""),
		"user_agent": str("As sent, made valid UTF-8 (invalid bytes and control characters → U+FFFD), at most 300 bytes."),
		"device_id": str("enrolled:<id> for a request from an enrolled device (proven by its cookie); otherwise X-Device-ID " +
			"as sent (declared:<value> when it starts with enrolled: or declared:), made valid UTF-8, at most 100 bytes."),
		"details": M{"type": "object", "description": "Event-specific facts; never secrets. auth.failed events carry count " +
			"(failures it stands for), and when aggregated first_at, last_at and reasons (count by reason). An event that " +
			"creates or changes rows lists them in row_digests, each with the keyed digest of its content afterwards " +
			"(HMAC-SHA256 with a key derived from the server's secret, so it reveals nothing about the content); " +
			"audit.row_baseline events vouch for rows that existed before this was introduced.",
			"properties": M{"row_digests": arr(output("", M{
				"table": str("consents, signatures, acknowledgments, pdfs, additional_pdfs, templates, template_versions, " +
					"api_keys, staff, download_links, webhooks, devices or answer_attempts."),
				"id": str("The row's key: the ID; slug/version for a template version; the number of an acknowledgment or answer attempt; " +
					"consent_id/kind for an additional PDF (C1/withdrawn)."),
				"digest": sha256Hex("HMAC of the row's canonical content after the event"),
				"before": sha256Hex("For a change to an existing row: HMAC of its content just before the event, which must " +
					"equal the digest the previous event recorded for the row"),
			}, "before"), "Rows this event vouches for.")}, "additionalProperties": true},
		"hash":      sha256Hex("Hash of this event and prev_hash"),
		"prev_hash": str("The previous event's hash (empty for the first)."),
	}, "consent_id", "user_agent", "device_id")
}

func auditCheckpointSchema() M {
	return output("A signed statement of the audit chain's head. The signature covers the RFC 8785 canonical JSON of "+
		"{at, format, hash, seq} (e.g. {\"at\":\"2026-11-25T09:44:00.123Z\",\"format\":\"consentd-audit-checkpoint/1\","+
		"\"hash\":\"9f…\",\"seq\":1200}) and verifies with the sealing certificate named by cert_sha256 "+
		"(GET /v1/signing-certificate has the current and earlier ones).", M{
		"format":      M{"const": "consentd-audit-checkpoint/1"},
		"seq":         integer("The last audit event covered."),
		"hash":        sha256Hex("That event's hash"),
		"at":          timestamp("When the checkpoint was written."),
		"algorithm":   enum("ecdsa-sha256: ASN.1 DER ECDSA over SHA-256; rsa-pkcs1v15-sha256; ed25519: over the bytes themselves.", "ecdsa-sha256", "rsa-pkcs1v15-sha256", "ed25519"),
		"cert_sha256": sha256Hex("Fingerprint of the sealing certificate that signed"),
		"signature":   M{"type": "string", "contentEncoding": "base64", "description": "The signature, base64."},
	})
}

func webhookSchema() M {
	return output("A webhook endpoint. Deliveries are described under webhooks.consentEvent.", M{
		"id": str(""), "url": M{"type": "string", "format": "uri", "description": "Absolute http(s) URL."},
		"events":     arr(enum("", webhookEvents...), "Event types delivered."),
		"created_at": timestamp(""),
		"deleted_at": orNull(timestamp("When it was deleted; null while live.")),
		"previous_secret_expires_at": orNull(timestamp("When the secret the last rotation replaced stops (or stopped) " +
			"signing beside the current one; null when none does.")),
		"secret": str("The signing secret, whsec_ and the standard base64 of 32 random bytes: the key the Standard " +
			"Webhooks libraries take as is, and as a whole string the Consentd-Signature HMAC key. Only in the creation " +
			"and rotation responses."),
	}, "secret")
}

func webhookDeliverySchema() M {
	return output("One event on its way to one endpoint.", M{
		"id": str(""), "event_id": str(""), "event_type": enum("", webhookEvents...),
		"status":           enum("pending deliveries are retried with backoff for 24 h.", "pending", "delivered", "failed"),
		"attempts":         integer(""),
		"next_attempt_at":  timestamp("Only while pending."),
		"last_attempt_at":  orNull(timestamp("")),
		"last_status_code": integer("The endpoint's last HTTP status, if it answered."),
		"last_error":       str("Why the last attempt failed."),
		"delivered_at":     orNull(timestamp("")),
		"created_at":       timestamp(""),
	}, "next_attempt_at", "last_status_code", "last_error")
}

// webhookPayloadSchema is the body consentd POSTs to webhook endpoints.
func webhookPayloadSchema() M {
	return output("An event notification. It carries IDs and states, never patient names or birth dates.", M{
		"id": str("Event ID; the same across retries."), "type": enum("", webhookEvents...), "created_at": timestamp(""),
		"data": M{"description": "consent.*, download_link.locked and remote_link.locked events carry the consent's state " +
			"(consent.patient_signed: the patient side signed, any channel, and the consent awaits its other signers); staff.pin_attempts " +
			"the staff member and window whose wrong PINs reached the ceiling; audit.checkpoint the checkpoint itself (keep " +
			"it: consentd audit verify --checkpoints reads these bodies).", "anyOf": []M{
			output("A consent event.", M{
				"consent_id": str(""), "status": enum("", consentStates...), "template": str(""), "version": integer(""),
				"locale": str(""), "signed_at": timestamp(""), "pdf_sha256": sha256Hex("Hash of the sealed PDF"),
				"from":                  enum("The previous status (transitions).", consentStates...),
				"link_id":               str("download_link.locked, remote_link.locked: the link that was locked."),
				"failures":              integer("download_link.locked, remote_link.locked: wrong answers entered."),
				"withdrawal_pdf_sha256": sha256Hex("consent.withdrawn: hash of the sealed withdrawal copy"),
				"signature_id":          str("consent.signature_recorded, consent.patient_signed: the signature."),
				"role":                  enum("consent.signature_recorded, consent.patient_signed: who signed.", roles...),
				"channel": enum("consent.patient_signed: where the patient side signed (api, tablet, or remote: "+
					"the patient's own device through a remote signing link).", channels...),
				"reconsent_due": withDesc(ref("ReconsentDue"), "consent.reconsent_due: why, and the version that caused it."),
				"supersedes":    str("consent.created of a re-consent: the consent it was made from."),
			}, "signed_at", "pdf_sha256", "from", "link_id", "failures", "withdrawal_pdf_sha256", "signature_id", "role", "channel", "reconsent_due", "supersedes"),
			output("staff.pin_attempts: wrong PINs for one staff member reached the per-staff ceiling in this window; "+
				"until it ends only enrolled devices and API keys may try that staff member's PIN.", M{
				"staff_id": str(""), "failures": integer("Wrong PINs in the window."),
				"window_start": timestamp(""), "window_end": timestamp(""),
			}),
			ref("AuditCheckpoint"),
		}},
	})
}

func fhirResource(desc string) M {
	return M{"type": "object", "description": desc, "required": []string{"resourceType"},
		"properties": M{"resourceType": str("")}, "additionalProperties": true}
}

func fhirBundle() M {
	b := fhirResource("A FHIR searchset Bundle.")
	b["properties"] = M{"resourceType": M{"const": "Bundle"}, "type": M{"const": "searchset"},
		"entry": arr(M{"type": "object"}, "")}
	return b
}
