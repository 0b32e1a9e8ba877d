package main

func operationsOps() []op {
	return []op{
		{method: "GET", path: "/healthz", id: "healthz", tag: "Operations", summary: "Process is up",
			status: 200, resp: jsonResp("Up.", "Health")},
		{method: "GET", path: "/readyz", id: "readyz", tag: "Operations", summary: "Ready to serve (database reachable)",
			status: 200, resp: jsonResp("Ready.", "Health"),
			extra: M{"503": jsonResp("The database is unreachable.", "Unavailable")}},
		{method: "GET", path: "/metrics", id: "metrics", tag: "Operations", summary: "Prometheus metrics",
			desc: "Registered on the API's address unless CONSENTD_METRICS_ADDR moves it to its own listener. With " +
				"CONSENTD_METRICS_TOKEN set it needs Authorization: Bearer <token> (401 otherwise; not an API key).",
			status: 200, resp: rawResp("Prometheus text exposition format.", "text/plain; version=0.0.4; charset=utf-8")},
		{method: "GET", path: "/openapi.json", id: "getOpenAPI", tag: "Operations", summary: "This document",
			status: 200, resp: M{"description": "The OpenAPI 3.1 document.",
				"content": M{"application/json": M{"schema": M{"type": "object"}}}}},
		{method: "GET", path: "/v1/signing-certificate", id: "getSigningCertificate", tag: "Verification",
			summary: "Certificates that seal PDFs", desc: "The PEM certificate chains of the current and earlier sealing keys.",
			status: 200, resp: rawResp("PEM certificates.", "application/x-pem-file"), errs: []int{404}},
	}
}

func signingOps() []op {
	return []op{
		{method: "POST", path: "/v1/signing/codes/{code}", id: "exchangeSigningCode", tag: "Signing",
			summary: "Exchange a signing code for its token", desc: "Rate-limited per enrolled device (device cookie) or, " +
				"for other clients, per IP. Unknown codes count toward the signing-guess limit (20 per 10 minutes, in the database).",
			status: 200, resp: jsonResp("The signing token.", "SigningCodeResult"), errs: []int{410, 429}},
		{method: "GET", path: "/v1/signing/device", id: "getTabletDevice", tag: "Devices", summary: "Is this tablet enrolled?",
			desc: "Reads the device cookie (consentd_device, Path=/v1/signing, HttpOnly, SameSite=Strict, Secure over HTTPS) " +
				"and renews its 400-day lifetime. A revoked device's cookie is cleared.",
			status: 200, resp: jsonResp("Enrolment of this browser.", "TabletDevice")},
		{method: "POST", path: "/v1/signing/device", id: "enrolTabletDevice", tag: "Devices", summary: "Enrol this browser as a device",
			desc: "Called by the /enrol page with the token from the enrolment URL; sets the device cookie. An unknown " +
				"or revoked token → 401 (counted as a signing guess).",
			body: jsonBody("EnrolDeviceRequest"), status: 200, resp: jsonResp("The enrolled device.", "TabletDevice"),
			errs: []int{401, 429}},
		{method: "GET", path: "/v1/signing/{token}", id: "getSigningSession", tag: "Signing", summary: "What to show on the tablet",
			desc: "After the last required signature, or when the consent expired or changed status, the token shows no document (410). " +
				"A client (enrolled device, else IP) that presented 20 unknown codes or tokens within 10 minutes is refused (429) " +
				"for the rest of that window.",
			status: 200, resp: jsonResp("The documents and signing state.", "SigningSession"), errs: []int{410, 429}},
		{method: "POST", path: "/v1/signing/{token}/acknowledgments", id: "acknowledgeSection", tag: "Signing",
			summary: "Record that a section was acknowledged", desc: "Recorded acknowledgments count for later signatures.",
			idem: true, body: jsonBody("AcknowledgmentRequest"), status: 201,
			resp: jsonResp("The acknowledgment, with the server's time.", "Acknowledgment"), errs: []int{410, 429}},
		{method: "POST", path: "/v1/signing/{token}/answers", id: "answerQuestion", tag: "Signing",
			summary: "Answer a teach-back question",
			desc: "Records, with the server's time, the patient side's answer to a section's teach-back question, and says " +
				"whether it was right; a wrong answer returns the explanation (the tablet shows it with the section's text and " +
				"asks again). Every attempt is kept as evidence, with an audit event (consent.answer_recorded) bound to it. " +
				"The second wrong answer to a question flags its section for discussion with the clinician (section_flagged); " +
				"the patient may continue. A question answered correctly is not asked again, and a question takes at most " +
				"10 attempts (409). After the patient signed, answers are still taken until the consent is complete: with " +
				"teach_back: required the patient answers again after the clinician's discussion, at the hand-over.",
			idem: true, body: jsonBody("AnswerRequest"), status: 201,
			resp: jsonResp("The attempt, whether it was right, and the explanation when not.", "AnswerResult"),
			errs: []int{409, 410, 429}},
		{method: "POST", path: "/v1/signing/{token}/signatures", id: "signWithToken", tag: "Signing",
			summary: "Sign on the tablet", desc: "As POST /v1/consents/{id}/signatures, authorised by the signing token, except " +
				"that a patient-side signature needs every section that requires acknowledgment acknowledged first, each " +
				"through its own POST .../acknowledgments (400 on acknowledged_sections otherwise); its acknowledged_sections " +
				"is optional and may name only those.",
			idem: true, body: jsonBody("SignatureRequest"), status: 201,
			resp: jsonResp("The signature and the consent's new status.", "SignatureResult"), errs: []int{409, 410, 429}},
		{method: "POST", path: "/v1/signing/{token}/staff-check", id: "checkStaffAtHandover", tag: "Signing",
			summary: "Staff ID and PIN at the hand-over; shows the patient",
			desc: "After the patient side signed, a staff member enters their ID and PIN before countersigning; a right PIN " +
				"returns the patient's name and date of birth (never the patient ID) to check the patient's identity " +
				"against, and is audited (consent.patient_shown). Wrong PINs count toward the same limits as signing " +
				"(per staff member and place, and the per-staff ceiling): 400 on staff.pin, then 429. A role the consent " +
				"does not need now (already signed, or before the patient signed) → 409; the consent no longer pending → 410. " +
				"A clinician also gets the sections the patient's teach-back answers flagged (to discuss, and to list in the " +
				"countersignature's discussed_sections) and, for a version with teach_back: required, the questions still " +
				"to be answered correctly.",
			body: jsonBody("StaffCheckRequest"), status: 200, resp: jsonResp("The staff member and the patient.", "StaffCheck"),
			errs: []int{409, 410, 429}},
	}
}

// remoteOps are the remote signing gate's routes: no API key; the link is
// the credential, behind the birth date (and code).
func remoteOps() []op {
	const limits = " No API key. Rate-limited per client IP (429 with Retry-After)."
	gone := "The link no longer works, said before any date of birth is asked: revoked (field revoked_at), expired with " +
		"the consent or its TTL (expires_at), locked after 5 wrong answers (locked_at), used: the patient signed through " +
		"it (used_at), or the consent is no longer pending or its patient side already signed (status)."
	return []op{
		{method: "GET", path: "/v1/remote/{token}", id: "getRemoteLink", tag: "Remote signing", summary: "What the gate asks",
			desc: "Whether the link works and whether it asks for the code; nothing of the consent, patient or clinic. " +
				gone + limits, status: 200, resp: jsonResp("The gate.", "RemoteLinkStatus"), errs: []int{410, 429}},
		{method: "POST", path: "/v1/remote/{token}/open", id: "openRemoteLink", tag: "Remote signing",
			summary: "Prove the date of birth (and code)", desc: "Right answers → a signing session token for the patient " +
				"side on /v1/signing/{token} (channel remote; staff roles → 403; the patient's signature uses the link up). " +
				"Wrong answers → 403 on birth_date, never saying which answer was wrong (audited as auth.failed). They are " +
				"counted per link in the database, whatever address or server they come from, each reserved before it is " +
				"checked: the 5th locks the link for good (410 locked_at, audit and webhook remote_link.locked). " + gone + limits,
			body: jsonBody("RemoteOpenRequest"), status: 200, resp: jsonResp("The signing session.", "RemoteSession"),
			errs: []int{403, 410, 429}},
	}
}

func pageOps() []op {
	wrongDOB := M{"description": "The date of birth does not match: the form again, with a message.",
		"content": M{"text/html": M{"schema": M{"type": "string"}}}}
	download := func(method, id, summary, desc string, body M, extra M) op {
		gone := M{"description": "The link no longer works, checked before any date of birth: revoked (field revoked_at), " +
			"expired (expires_at), locked after 5 wrong dates of birth (locked_at), or the consent was voided (status). " +
			"The message asks the patient to get a new link from the clinic. A browser (Accept: text/html) gets it as a page.",
			"content": M{"application/json": M{"schema": ref("Error")}, "text/html": M{"schema": M{"type": "string"}}}}
		all := M{"410": gone}
		for k, v := range extra {
			all[k] = v
		}
		return op{method: method, path: "/d/{token}", id: id, tag: "Download links", summary: summary, desc: desc,
			body: body, status: 200, errs: []int{429}, extra: all,
			resp: M{"description": "The sealed PDF, or (GET, when the link requires it) a date-of-birth form.",
				"content": M{"application/pdf": M{"schema": M{"type": "string", "contentMediaType": "application/pdf"}},
					"text/html": M{"schema": M{"type": "string"}}}}}
	}
	return []op{
		download("GET", "downloadWithLink", "Download a signed consent (patient)",
			"No API key: the link is the credential. Links that require a date of birth answer with an HTML form "+
				"that POSTs it, so it never appears in a URL. A withdrawn consent's link serves the sealed withdrawal copy. "+
				"Rate-limited per client IP.", nil, nil),
		download("POST", "downloadWithLinkBirthDate", "Download after the date-of-birth check (patient)",
			"Checks the date of birth (wrong → 403 with the form again). Wrong dates are counted per link in the database, "+
				"whatever address they come from: the 5th locks the link for good (410, audited, webhook download_link.locked).",
			M{"required": true, "content": M{"application/x-www-form-urlencoded": M{"schema": M{"type": "object",
				"properties": M{"birth_date": M{"type": "string", "format": "date"}}, "required": []string{"birth_date"}}}}},
			M{"403": wrongDOB}),
		{method: "GET", path: "/sign", id: "signStartPage", tag: "Pages", summary: "Kiosk start page",
			desc: "HTML page where a signing code is entered.", status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8"),
			errs: []int{404}},
		{method: "GET", path: "/enrol", id: "enrolPage", tag: "Pages", summary: "Tablet enrolment page",
			desc: "Opened once on a tablet as <public URL>/enrol#<device token>: its script posts the token to " +
				"/v1/signing/device, removes it from the address bar and opens /sign.",
			status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8"), errs: []int{404}},
		{method: "GET", path: "/sign/{token}", id: "signPage", tag: "Pages", summary: "Signing page",
			desc:   "HTML page; its script reads the token from the path and uses the /v1/signing API.",
			status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8")},
		{method: "GET", path: "/remote/{token}", id: "remoteSigningPage", tag: "Pages", summary: "Remote signing page (patient's phone)",
			desc: "The signing page in its phone mode. The HTML is static and shows nothing of the consent; its script reads " +
				"the token from the path, asks GET /v1/remote/{token}, then the date of birth (and code) before any text.",
			status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8")},
		{method: "GET", path: "/sign-assets/{file}", id: "signAsset", tag: "Pages", summary: "Signing page asset",
			status: 200, resp: rawResp("The asset.", "text/javascript; charset=utf-8", "text/css; charset=utf-8",
				"image/svg+xml", "image/png", "application/json", "font/woff2", "text/html; charset=utf-8")},
	}
}

func webhookOps() []op {
	return []op{
		{method: "POST", path: "/v1/webhooks", id: "createWebhook", tag: "Webhooks", summary: "Subscribe a URL to events",
			desc: "The response shows the signing secret once. The URL must reach a public address or a network in " +
				"CONSENTD_WEBHOOK_ALLOW_NETS (loopback, private, link-local → 400 on url); cloud metadata addresses " +
				"are never allowed. Each delivery re-checks the address it connects to and follows no redirects.",
			scope: "admin", idem: true,
			body: jsonBody("CreateWebhookRequest"), status: 201, resp: jsonResp("The webhook, with its secret.", "Webhook")},
		{method: "GET", path: "/v1/webhooks", id: "listWebhooks", tag: "Webhooks", summary: "List webhooks",
			scope: "admin", status: 200, resp: jsonResp("Every webhook, without secrets.", "WebhookList")},
		{method: "DELETE", path: "/v1/webhooks/{id}", id: "deleteWebhook", tag: "Webhooks", summary: "Delete a webhook",
			desc: "Stops deliveries (pending ones are not sent); the delivery log stays. Deleting twice is not an error.", scope: "admin", status: 200, resp: jsonResp("The deleted webhook.", "Webhook")},
		{method: "POST", path: "/v1/webhooks/{id}/rotate-secret", id: "rotateWebhookSecret", tag: "Webhooks",
			summary: "Issue a new signing secret",
			desc: "Returns the new secret once. Deliveries are signed with both secrets (two v1 signatures in " +
				"Consentd-Signature and in webhook-signature) until previous_secret_expires_at, then with the new one " +
				"only. A secret still in an earlier rotation's overlap stops signing at once. The body is optional; " +
				"a deleted webhook → 409.",
			scope: "admin", idem: true, status: 200, errs: []int{409},
			body: M{"required": false, "content": M{"application/json": M{"schema": ref("RotateWebhookSecretRequest")}}},
			resp: jsonResp("The webhook, with its new secret.", "Webhook")},
		{method: "GET", path: "/v1/webhooks/{id}/deliveries", id: "listWebhookDeliveries", tag: "Webhooks",
			summary: "A webhook's deliveries", scope: "admin", status: 200,
			query: []M{{"$ref": "#/components/parameters/limit"}},
			resp:  jsonResp("A page of deliveries.", "WebhookDeliveryList")},
	}
}

func fhirOps() []op {
	const r = "consents:read"
	fhirResp := func(desc, schema string) M {
		return M{"description": desc, "content": M{"application/fhir+json": M{"schema": ref(schema)}}}
	}
	return []op{
		{method: "GET", path: "/fhir/r4/metadata", id: "fhirCapabilities", tag: "FHIR", summary: "CapabilityStatement",
			desc: "Public, as FHIR clients read it before authenticating.", fhir: true, status: 200, resp: fhirResp("The server's CapabilityStatement.", "FHIRResource")},
		{method: "GET", path: "/fhir/r4/Consent", id: "fhirSearchConsents", tag: "FHIR", summary: "Search Consents by patient",
			scope: r, fhir: true, status: 200, resp: fhirResp("A searchset Bundle.", "FHIRBundle"),
			errs: []int{400},
			query: []M{{"name": "patient:identifier", "in": "query", "required": true,
				"description": "[system|]value of the patient's identifier.", "schema": M{"type": "string"}},
				query("_count", "Page size.", M{"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
				query("_cursor", "From the Bundle's next link.", M{"type": "string"})}},
		{method: "GET", path: "/fhir/r4/Consent/{id}", id: "fhirReadConsent", tag: "FHIR", summary: "Read a Consent",
			scope: r, fhir: true, status: 200, resp: fhirResp("The Consent resource.", "FHIRResource")},
		{method: "GET", path: "/fhir/r4/DocumentReference/{id}", id: "fhirReadDocumentReference", tag: "FHIR",
			summary: "Read a DocumentReference", desc: "The sealed PDF as an attachment with hash, url and size.",
			scope: r, fhir: true, status: 200, resp: fhirResp("The DocumentReference resource.", "FHIRResource")},
	}
}

// webhookDeliveries describes the requests consentd sends to webhook endpoints
// (the OpenAPI 3.1 top-level webhooks object).
func webhookDeliveries() M {
	hdr := func(name, desc string) M {
		return M{"name": name, "in": "header", "required": true, "description": desc, "schema": M{"type": "string"}}
	}
	return M{"consentEvent": M{"post": M{
		"operationId": "consentEvent", "summary": "An event delivered to a webhook endpoint", "tags": []string{"Webhooks"},
		// consentd is the client here: the request carries no API key, the
		// receiver authenticates it by the signature headers.
		"security": []M{},
		"description": "Retried with exponential backoff for 24 hours until the endpoint answers 2xx. Verify a signature " +
			"before trusting the body, and de-duplicate by id (webhook-id). The webhook-* headers follow the Standard " +
			"Webhooks specification (https://www.standardwebhooks.com): verify them with an official library and the " +
			"endpoint's secret (a secret issued before they existed is converted first, see docs/API.md).",
		"parameters": []M{
			hdr("webhook-id", "The event ID (the payload's id): the same on every retry, for de-duplication."),
			hdr("webhook-timestamp", "Unix seconds of this attempt; reject one more than 5 minutes from your clock."),
			hdr("webhook-signature", "v1,<base64 HMAC-SHA256(key, \"<webhook-id>.<webhook-timestamp>.<body>\")> for each "+
				"signing secret, space-separated (two during a rotation's overlap); key is the base64 after whsec_."),
			hdr("Consentd-Signature", "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>, one v1 per signing "+
				"secret; the HMAC key is the whole secret string; reject stale t."),
			hdr("Consentd-Delivery", "Delivery ID."),
			hdr("Consentd-Event", "Event type."),
		},
		"requestBody": jsonBody("WebhookPayload"),
		"responses":   M{"2XX": M{"description": "Delivered; any other answer (or none within the timeout) is retried."}},
	}}}
}
