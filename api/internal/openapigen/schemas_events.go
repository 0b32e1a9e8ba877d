package main

// Schemas for the audit trail, webhooks and FHIR.

func auditEventSchema() M {
	return output("One entry of the hash-chained audit trail.", M{
		"seq": integer("Position in the chain, from 1."),
		"type": M{"type": "string", "description": "Event type.", "examples": []string{"consent.created", "consent.signature_recorded",
			"consent.signed", "consent.pdf_downloaded", "template.version_published", "apikey.created", "auth.failed"}},
		"at": timestamp(""), "actor": str("apikey:<id>, token:<hash prefix>, link, system, ..."),
		"consent_id": str(""), "ip": str(""),
		"details": M{"type": "object", "description": "Event-specific facts; never secrets. auth.failed events carry count " +
			"(failures it stands for), and when aggregated first_at, last_at and reasons (count by reason)."},
		"user_agent": str("As sent, made valid UTF-8 (invalid bytes and control characters → U+FFFD), at most 300 bytes."),
		"device_id": str("enrolled:<id> for a request from an enrolled device (proven by its cookie); otherwise X-Device-ID " +
			"as sent (declared:<value> when it starts with enrolled: or declared:), made valid UTF-8, at most 100 bytes."),
		"hash":      sha256Hex("Hash of this event and prev_hash"),
		"prev_hash": str("The previous event's hash (empty for the first)."),
	}, "consent_id", "user_agent", "device_id")
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
		"data": M{"description": "consent.* and download_link.locked events carry the consent's state; staff.pin_attempts " +
			"the staff member and window whose wrong PINs reached the ceiling.", "anyOf": []M{
			output("A consent event.", M{
				"consent_id": str(""), "status": enum("", consentStates...), "template": str(""), "version": integer(""),
				"locale": str(""), "signed_at": timestamp(""), "pdf_sha256": sha256Hex("Hash of the sealed PDF"),
				"from":                  enum("The previous status (transitions).", consentStates...),
				"link_id":               str("download_link.locked: the link that was locked."),
				"failures":              integer("download_link.locked: wrong birth dates entered."),
				"withdrawal_pdf_sha256": sha256Hex("consent.withdrawn: hash of the sealed withdrawal copy"),
			}, "signed_at", "pdf_sha256", "from", "link_id", "failures", "withdrawal_pdf_sha256"),
			output("staff.pin_attempts: wrong PINs for one staff member reached the per-staff ceiling in this window; "+
				"until it ends only enrolled devices and API keys may try that staff member's PIN.", M{
				"staff_id": str(""), "failures": integer("Wrong PINs in the window."),
				"window_start": timestamp(""), "window_end": timestamp(""),
			}),
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
