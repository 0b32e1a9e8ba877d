package main

// operations lists every operation, grouped as routes.go groups them.
func operations() []op {
	var ops []op
	ops = append(ops, operationsOps()...)
	ops = append(ops, adminOps()...)
	ops = append(ops, templateOps()...)
	ops = append(ops, consentOps()...)
	ops = append(ops, signingOps()...)
	ops = append(ops, pageOps()...)
	ops = append(ops, remoteOps()...)
	ops = append(ops, publicVerifyOps()...)
	ops = append(ops, webhookOps()...)
	ops = append(ops, fhirOps()...)
	return ops
}

func adminOps() []op {
	return []op{
		{method: "POST", path: "/v1/api-keys", id: "createAPIKey", tag: "API keys", summary: "Create an API key",
			desc: "The response shows the secret (key) once; only its hash is stored.", scope: "admin", idem: true,
			body: jsonBody("CreateAPIKeyRequest"), status: 201, resp: jsonResp("The new key, with its secret.", "APIKey")},
		{method: "GET", path: "/v1/api-keys", id: "listAPIKeys", tag: "API keys", summary: "List API keys",
			scope: "admin", status: 200, resp: jsonResp("Every key, without secrets.", "APIKeyList")},
		{method: "DELETE", path: "/v1/api-keys/{id}", id: "revokeAPIKey", tag: "API keys", summary: "Revoke an API key",
			desc: "Revoking twice is not an error.", scope: "admin", status: 200, resp: jsonResp("The revoked key.", "APIKey")},
		{method: "POST", path: "/v1/staff", id: "createStaff", tag: "Staff", summary: "Register a staff member",
			scope: "admin", idem: true, body: jsonBody("CreateStaffRequest"), status: 201,
			resp: jsonResp("The staff member.", "Staff"), errs: []int{409}},
		{method: "GET", path: "/v1/staff", id: "listStaff", tag: "Staff", summary: "List staff",
			scope: "admin", status: 200, resp: jsonResp("Every staff member.", "StaffList")},
		{method: "DELETE", path: "/v1/staff/{id}", id: "deactivateStaff", tag: "Staff", summary: "Deactivate a staff member",
			desc: "A deactivated staff member can no longer sign.", scope: "admin", status: 200,
			resp: jsonResp("The deactivated staff member.", "Staff")},
		{method: "POST", path: "/v1/devices", id: "createDevice", tag: "Devices", summary: "Enrol a kiosk tablet",
			desc: "Returns the device token and its enrolment URL once; only the token's hash is stored. Open enrol_url on " +
				"the tablet: the page stores the token in an HttpOnly cookie and opens /sign. From then on the tablet's " +
				"signing-code guesses and staff PIN failures are counted for that device alone.",
			scope: "admin", idem: true, body: jsonBody("CreateDeviceRequest"), status: 201,
			resp: jsonResp("The device, with its token and enrolment URL.", "Device")},
		{method: "GET", path: "/v1/devices", id: "listDevices", tag: "Devices", summary: "List enrolled devices",
			scope: "admin", status: 200, resp: jsonResp("Every device, without tokens.", "DeviceList")},
		{method: "DELETE", path: "/v1/devices/{id}", id: "revokeDevice", tag: "Devices", summary: "Revoke a device",
			desc: "Its cookie stops counting (the tablet is treated as unenrolled and the cookie is cleared). " +
				"Revoking twice is not an error.", scope: "admin", status: 200, resp: jsonResp("The revoked device.", "Device")},
	}
}

func templateOps() []op {
	const r, w = "templates:read", "templates:write"
	path := "/v1/templates/{slug}/versions/{version}"
	return []op{
		{method: "POST", path: "/v1/templates", id: "createTemplate", tag: "Templates", summary: "Create a template",
			scope: w, idem: true, body: jsonBody("CreateTemplateRequest"), status: 201,
			resp: jsonResp("The template, with no versions yet.", "Template"), errs: []int{409}},
		{method: "GET", path: "/v1/templates", id: "listTemplates", tag: "Templates", summary: "List templates",
			scope: r, status: 200, resp: jsonResp("Every template.", "TemplateList")},
		{method: "GET", path: "/v1/templates/{slug}", id: "getTemplate", tag: "Templates", summary: "Get a template",
			scope: r, status: 200, resp: jsonResp("The template.", "Template")},
		{method: "GET", path: "/v1/templates/{slug}/versions", id: "listTemplateVersions", tag: "Templates",
			summary: "List a template's versions", scope: r, status: 200,
			resp: jsonResp("Versions, without content.", "TemplateVersionList")},
		{method: "POST", path: "/v1/templates/{slug}/versions", id: "createTemplateVersion", tag: "Templates",
			summary: "Create a draft version", desc: "The draft gets the next version number. Without a body it starts as " +
				"a copy of the newest version (the first version needs content).",
			scope: w, idem: true, status: 201, resp: jsonResp("The new draft.", "TemplateVersion"),
			body: M{"required": false, "content": M{"application/json": M{"schema": ref("VersionContent")}}}},
		{method: "GET", path: path, id: "getTemplateVersion", tag: "Templates", summary: "Get a version with its content",
			scope: r, status: 200, resp: jsonResp("The version.", "TemplateVersion")},
		{method: "PUT", path: path, id: "updateTemplateVersion", tag: "Templates", summary: "Edit a draft",
			desc:  "Replaces the draft's content. Published and retired versions are frozen (409).",
			scope: w, body: jsonBody("VersionContent"), status: 200, resp: jsonResp("The edited draft.", "TemplateVersion"),
			errs: []int{409}},
		{method: "POST", path: path + "/publish", id: "publishTemplateVersion", tag: "Templates", summary: "Publish a draft",
			desc: "The version becomes the template's current version and its content is frozen. A template approver " +
				"signs it with staff ID and PIN (recorded as its approval, in the same transaction); a staff member " +
				"who is not a template approver gets 403, a wrong PIN 400 (counted in the PIN limits, then 429). After an earlier " +
				"published version, reconsent is required (400 without it): it decides what happens to consents on earlier versions.",
			scope: w, idem: true, body: jsonBody("PublishVersionRequest"), status: 200,
			resp: jsonResp("The published version.", "TemplateVersion"), errs: []int{403, 409, 429}},
		{method: "POST", path: path + "/approve", id: "approveTemplateVersion", tag: "Templates", summary: "Approve a published version",
			desc: "Records a template approver's signature on a published version whose approval is pending (e.g. the " +
				"shipped versions published on first start). One approval per version: again → 409. Not an approver → 403; " +
				"wrong PIN → 400, counted in the PIN limits (429).",
			scope: w, idem: true, body: jsonBody("ApproveVersionRequest"), status: 200,
			resp: jsonResp("The version with its approval.", "TemplateVersion"), errs: []int{403, 409, 429}},
		{method: "POST", path: path + "/retire", id: "retireTemplateVersion", tag: "Templates", summary: "Retire a published version",
			desc: "No new consents may use it; current_version falls back to the newest published version that is not " +
				"retired (or null). Existing consents are unchanged. Any request body is ignored.",
			scope: w, idem: true, status: 200, resp: jsonResp("The retired version.", "TemplateVersion"), errs: []int{409}},
	}
}

func consentOps() []op {
	const r, w = "consents:read", "consents:write"
	auditQuery := []M{
		query("type", "Only events of this type, e.g. consent.signed.", M{"type": "string"}),
		query("since", "Only events at or after this time (RFC 3339).", M{"type": "string", "format": "date-time"}),
	}
	view := query("view", "full (the default: the frozen text in every locale) or summary (ConsentSummary: status, "+
		"patient reference, signatures without their drawings, hashes and links; read the text by locale from "+
		"GET /v1/consents/{id}/documents/{locale}). Any other value → 400.", enum("", "full", "summary"))
	transition := func(verb, id, scope, summary, desc string) op {
		return op{method: "POST", path: "/v1/consents/{id}/" + verb, id: id, tag: "Consents", summary: summary, desc: desc,
			scope: scope, idem: true, body: jsonBody("TransitionRequest"), status: 200, query: []M{view},
			resp: M{"description": "The consent in its new state: the whole consent (or its summary with ?view=summary) " +
				"for a key with consents:read, its state only (ConsentStatus, no patient data) for a key without.",
				"content": M{"application/json": M{"schema": M{"anyOf": []M{ref("Consent"), ref("ConsentSummary"), ref("ConsentStatus")}}}}},
			errs: []int{409, 410}}
	}
	consentOrSummary := func(desc string) M {
		return M{"description": desc + " The summary (ConsentSummary) with ?view=summary.",
			"content": M{"application/json": M{"schema": M{"anyOf": []M{ref("Consent"), ref("ConsentSummary")}}}}}
	}
	return []op{
		{method: "POST", path: "/v1/consents", id: "createConsent", tag: "Consents", summary: "Create a consent",
			desc: "Renders and freezes every locale of the template version. The response includes the signing link " +
				"and code for a tablet; they are not shown again.",
			scope: w, idem: true, body: jsonBody("CreateConsentRequest"), status: 201, query: []M{view},
			resp: consentOrSummary("The pending consent, with its signing link."), errs: []int{404, 409}},
		{method: "GET", path: "/v1/consents", id: "listConsents", tag: "Consents", summary: "List consents",
			desc: "Newest first. Every consent listed is audited as viewed (in the view asked for).", scope: r, paged: true,
			status: 200, resp: M{"description": "A page of consents (ConsentSummaryList with ?view=summary).",
				"content": M{"application/json": M{"schema": M{"anyOf": []M{ref("ConsentList"), ref("ConsentSummaryList")}}}}},
			query: []M{
				query("patient_id", "Only this patient's consents.", M{"type": "string"}),
				query("status", "Only consents in this status.", enum("", consentStates...)),
				query("template", "Only consents from this template slug.", M{"type": "string"}),
				query("reconsent_due", "true: only signed consents flagged reconsent_due (a later version was published "+
					"with re-consent required or recommended, and no signed re-consent supersedes them).", enum("", "true", "false")),
				query("renewal_due", "true: only signed consents flagged renewal_due (older than their version's valid_for_days).",
					enum("", "true", "false")),
				view,
			}},
		{method: "GET", path: "/v1/consents/{id}", id: "getConsent", tag: "Consents", summary: "Get a consent",
			desc:  "Audited as viewed (in the view asked for) before the answer is sent.",
			scope: r, status: 200, query: []M{view}, resp: consentOrSummary("The consent.")},
		{method: "GET", path: "/v1/consents/{id}/documents/{locale}", id: "getConsentDocument", tag: "Consents",
			summary: "Read one frozen document", desc: "The text the patient was shown in one locale, exactly as in the full " +
				"consent's documents[locale]. Audited as a view of the consent (details.document = the locale) before the " +
				"answer is sent. A locale the consent has no document in → 404.",
			scope: r, status: 200, resp: jsonResp("The frozen document.", "Document")},
		{method: "POST", path: "/v1/consents/{id}/signatures", id: "signConsent", tag: "Consents", summary: "Sign a consent",
			desc: "Records one signature. When every required role has signed (a representative fills the patient's " +
				"place) the consent becomes signed and its sealed PDF exists. A staff PIN locked after repeated failures → 429.",
			scope: w, idem: true, body: jsonBody("SignatureRequest"), status: 201,
			resp: jsonResp("The signature and the consent's new status.", "SignatureResult"), errs: []int{409, 410}},
		{method: "POST", path: "/v1/consents/{id}/reconsent", id: "reconsentConsent", tag: "Consents", summary: "Re-consent",
			desc: "Creates a pending consent on the template's current version from a signed one: same patient, locale and " +
				"variables (values for variables the current version adds may be given), linked both ways (supersedes, " +
				"superseded_by). A pending consent on a version superseded under re-consent required is re-issued: it is " +
				"cancelled in the same transaction. 409 for any other consent, or while a live re-consent (pending, or " +
				"signed) exists, naming it; with the same Idempotency-Key a retry gets the first answer. Requires " +
				"consents:read as well as consents:write: the response shows the earlier consent's patient.",
			scope: w, also: []string{r}, idem: true, body: M{"required": false, "content": M{"application/json": M{"schema": ref("ReconsentRequest")}}},
			status: 201, resp: jsonResp("The new pending consent, with its signing link.", "Consent"), errs: []int{404, 409, 410}},
		transition("decline", "declineConsent", w, "Record that the patient declined", "pending → declined."),
		transition("cancel", "cancelConsent", w, "Cancel a pending consent", "pending → cancelled, e.g. wrong patient."),
		transition("withdraw", "withdrawConsent", w, "Record that the patient withdrew consent", "signed → withdrawn. Nothing is "+
			"deleted or changed: a withdrawal copy of the PDF is sealed in addition (withdrawal_pdf)."),
		transition("void", "voidConsent", "admin", "Void a consent entered in error", "signed → voided. Nothing is deleted."),
		{method: "GET", path: "/v1/consents/{id}/pdf", id: "getConsentPDF", tag: "Consents", summary: "Download the sealed PDF",
			desc: "Audited as a download.", scope: r, status: 200, resp: pdfResp("The sealed PDF."), errs: []int{409}},
		{method: "GET", path: "/v1/consents/{id}/pdf/withdrawn", id: "getWithdrawalPDF", tag: "Consents",
			summary: "Download the sealed withdrawal copy", desc: "A withdrawn consent's second sealed PDF: the signed document " +
				"marked WITHDRAWN on every page, with the withdrawal (time, reason, the signed PDF's SHA-256) on its evidence " +
				"page. The signed PDF (GET .../pdf) never changes. Not withdrawn → 409. Audited as a download.",
			scope: r, status: 200, resp: pdfResp("The sealed withdrawal copy."), errs: []int{409}},
		{method: "POST", path: "/v1/consents/{id}/download-links", id: "createDownloadLink", tag: "Download links",
			summary: "Create a patient download link", desc: "Only for signed consents (409 otherwise). The token is in url, shown once. " +
				"Requires consents:read as well as consents:write: the link hands out the PDF.",
			scope: w, also: []string{r}, idem: true, body: jsonBody("DownloadLinkRequest"), status: 201,
			resp: jsonResp("The link.", "DownloadLink"), errs: []int{409}},
		{method: "DELETE", path: "/v1/consents/{id}/download-links/{link_id}", id: "revokeDownloadLink", tag: "Download links",
			summary: "Revoke a download link", scope: w, status: 200, resp: jsonResp("The revoked link.", "DownloadLink")},
		{method: "POST", path: "/v1/consents/{id}/remote-links", id: "createRemoteLink", tag: "Remote signing",
			summary: "Create a remote signing link", desc: "For a pending consent whose patient side has not signed (409 " +
				"otherwise; 410 when expired). The clinic's systems send url to the patient (consentd sends no SMS or email) " +
				"and, with require_code, the code by another way. Token and code are shown once and stored only as hashes. " +
				"The link ends with the consent (or after ttl_seconds), when revoked, after 5 wrong answers, and once the " +
				"patient signed through it.",
			scope: w, idem: true, body: jsonBody("RemoteLinkRequest"), status: 201,
			resp: jsonResp("The link.", "RemoteLink"), errs: []int{409, 410}},
		{method: "DELETE", path: "/v1/consents/{id}/remote-links/{link_id}", id: "revokeRemoteLink", tag: "Remote signing",
			summary: "Revoke a remote signing link", scope: w, status: 200, resp: jsonResp("The revoked link.", "RemoteLink")},
		{method: "GET", path: "/v1/consents/{id}/audit", id: "listConsentAudit", tag: "Audit", summary: "A consent's audit events",
			desc:  "The read is itself audited (audit.read; repeats within a minute fold into one counted event).",
			scope: "audit:read", paged: true, query: auditQuery, status: 200, resp: jsonResp("A page of events.", "AuditEventList")},
		{method: "GET", path: "/v1/audit", id: "listAudit", tag: "Audit", summary: "The audit trail",
			desc: "In chain order; next_cursor is the last seq of the page. The read is itself audited (audit.read; " +
				"repeats within a minute fold into one counted event).", scope: "audit:read", paged: true, query: auditQuery,
			status: 200, resp: jsonResp("A page of events.", "AuditEventList")},
		{method: "GET", path: "/v1/audit/checkpoints", id: "listAuditCheckpoints", tag: "Audit", summary: "Signed audit checkpoints",
			desc: "Oldest first; next_cursor is the last seq of the page. Written every N events or M minutes and sent as " +
				"audit.checkpoint webhooks; keep them outside this server: consentd audit verify --checkpoints FILE " +
				"then detects a log that was cut short, rolled back or rewritten. The read is itself audited (audit.read; " +
				"repeats within a minute fold into one counted event).",
			scope: "audit:read", paged: true, status: 200, resp: jsonResp("A page of checkpoints.", "AuditCheckpointList")},
		{method: "POST", path: "/v1/verify", id: "verifyPDF", tag: "Verification", summary: "Verify a PDF",
			desc: "Says whether the PDF sent is an untampered consent sealed by this server (current or earlier keys): the " +
				"signed PDF or the withdrawal copy (kind). " +
				"A file shaped like a sealed consent gets a verdict: 200 with valid false and a reason when it is " +
				"tampered, sealed by someone else or not ours. Work is bounded: a file larger than any sealed consent " +
				"(8 MiB) → 413; a file without a sealed consent's structure (PDF header, xref tables and trailer, one " +
				"signature whose ByteRange covers the file) → 422 without parsing; no free verification slot or the " +
				"deadline (5 s) passed → 503 with Retry-After.",
			scope: r, status: 200, resp: jsonResp("The verdict.", "Verification"), errs: []int{400, 413, 422, 503},
			body: M{"required": true, "description": "The PDF bytes, at most 8 MiB.",
				"content": M{"application/pdf": M{"schema": M{"type": "string", "contentMediaType": "application/pdf"}}}}},
	}
}
