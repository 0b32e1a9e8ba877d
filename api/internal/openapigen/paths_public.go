package main

// publicVerifyOps are the public verification routes: no API key, rate-limited
// per client and under a global ceiling, every call audited.
func publicVerifyOps() []op {
	const limits = " No API key. Rate-limited per client (an IPv6 client's /64) and under a global ceiling: 429 with " +
		"Retry-After. Every call is audited as verify.public (folded per route and consent within a minute, so a flood " +
		"adds a bounded number of rows)."
	return []op{
		{method: "POST", path: "/v1/public/verify", id: "publicVerifyPDF", tag: "Verification", summary: "Check a PDF (public)",
			desc: "For patients and anyone holding a copy: says whether the file is exactly a signed PDF or withdrawal copy " +
				"(kind) this server issued and, only then, facts to compare with the paper: consent ID, template, version, " +
				"locale and title, content hash, signing time, the signers' roles and times (never names), the consent's " +
				"current status and when it changed, and the sealing certificate. A file that does not verify gets valid " +
				"false, a reason and its own hash, nothing else. Same bounds as POST /v1/verify: over 8 MiB → 413; not " +
				"shaped like a sealed consent → 422; busy or past the 5 s deadline → 503 with Retry-After." + limits,
			status: 200, resp: jsonResp("The verdict.", "PublicVerification"), errs: []int{400, 413, 422, 429, 503},
			body: M{"required": true, "description": "The PDF bytes, at most 8 MiB.",
				"content": M{"application/pdf": M{"schema": M{"type": "string", "contentMediaType": "application/pdf"}}}}},
		{method: "GET", path: "/v1/public/verify/{token}", id: "publicVerifyLink", tag: "Verification",
			summary: "Facts behind a printed verification link (public)",
			desc: "The token is the end of the link printed (and drawn as a QR code) on a sealed PDF: <consent ID>-<MAC>. " +
				"The MAC is keyed by the server secret, so a consent ID alone is not enough. Answers the same facts as " +
				"POST /v1/public/verify (without kind and file_sha256). A wrong MAC, an unknown consent and a consent " +
				"never sealed are the same 404." + limits,
			status: 200, resp: jsonResp("The consent's facts.", "PublicVerification"), errs: []int{429}},
		{method: "GET", path: "/verify", id: "verifyPage", tag: "Pages", summary: "Public verification page",
			desc:   "HTML page (English and Spanish) where anyone can drop or choose a PDF to check it with POST /v1/public/verify.",
			status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8"), errs: []int{404}},
		{method: "GET", path: "/verify/c/{token}", id: "verifyLinkPage", tag: "Pages", summary: "Verification link page",
			desc: "Where a sealed PDF's QR code points. The HTML is static; its script reads the token from the path and " +
				"uses GET /v1/public/verify/{token}.",
			status: 200, resp: rawResp("HTML.", "text/html; charset=utf-8")},
		{method: "GET", path: "/verify-assets/{file}", id: "verifyAsset", tag: "Pages", summary: "Verification page asset",
			status: 200, resp: rawResp("The asset.", "text/javascript; charset=utf-8", "text/css; charset=utf-8")},
	}
}

// publicVerificationSchema is the public page's answer.
func publicVerificationSchema() M {
	return output("The answer of the public verification routes. Facts are present only when valid is true; they hold "+
		"nothing the sealed PDF does not print except the consent's current status (no names, patient ID, birth date or "+
		"withdrawal reason).", M{
		"valid": boolean("True when the file (or link) is a consent this server issued, unchanged."),
		"reason": enum("Why the file does not verify (valid false): tampered (changed after sealing), not_issued_here "+
			"(sealed by this server but not a file it issued), unknown_issuer (sealed by someone else), no_signature, "+
			"not_a_consent, not_a_pdf.", "tampered", "not_issued_here", "unknown_issuer", "no_signature", "not_a_consent", "not_a_pdf"),
		"kind":        enum("An uploaded file's kind: the signed PDF or the withdrawal copy.", "signed", "withdrawn"),
		"file_sha256": sha256Hex("The uploaded file's hash"),
		"issuer":      str("The clinic's name (CONSENTD_CLINIC_NAME)."),
		"consent_id":  str("Consent ID, printed on every page."),
		"template": output("The template version the consent was made from.", M{
			"slug": str(""), "version": integer(""), "locale": str("The document's language."), "title": str("The document's title."),
		}),
		"content_sha256": sha256Hex("Hash of the document text the patient was shown, printed on page 1"),
		"signed_at":      timestamp("When the consent was signed (printed on the evidence page)."),
		"signers": arr(output("", M{"role": enum("", roles...), "signed_at": timestamp("")}),
			"Signatures in signing order: role and time, never the name."),
		"status":            enum("The consent's current status.", "signed", "withdrawn", "voided"),
		"status_changed_at": timestamp("When it was withdrawn or voided; absent while signed."),
		"cert_sha256":       sha256Hex("Fingerprint of the sealing certificate, printed on the evidence page"),
	}, "reason", "kind", "file_sha256", "issuer", "consent_id", "template", "content_sha256", "signed_at", "signers",
		"status", "status_changed_at", "cert_sha256")
}
