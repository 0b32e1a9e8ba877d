package main

// Vocabularies shared by schemas; they mirror the consent package.
var (
	errorCodes     = []string{"invalid", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "gone", "too_large", "unsupported_media_type", "unprocessable", "rate_limited", "internal", "unavailable"}
	scopes         = []string{"templates:read", "templates:write", "consents:read", "consents:write", "audit:read", "admin"}
	roles          = []string{"patient", "representative", "witness", "clinician", "interpreter"}
	staffRoles     = []string{"clinician", "witness", "interpreter"}
	consentStates  = []string{"pending", "signed", "declined", "cancelled", "expired", "withdrawn", "voided"}
	versionStates  = []string{"draft", "published", "retired"}
	signatureForms = []string{"drawn", "typed", "image"}
	webhookEvents  = []string{"consent.created", "consent.signature_recorded", "consent.signed", "consent.declined",
		"consent.cancelled", "consent.expired", "consent.withdrawn", "consent.voided", "consent.reconsent_due", "staff.pin_attempts",
		"download_link.locked", "audit.checkpoint", "consent.patient_signed", "remote_link.locked"}
	channels     = []string{"api", "tablet", "remote"}
	sectionKinds = []string{"overview", "procedure", "benefits", "side_effects_short_term", "risks_long_term",
		"misuse_risk", "contraindications", "alternatives", "cost", "safety_measures", "aftercare", "rights", "other"}
)

const sha256Pattern = "^[0-9a-f]{64}$"

func sha256Hex(desc string) M {
	return M{"type": "string", "pattern": sha256Pattern, "description": desc + " (lowercase hex SHA-256)."}
}

// schemas returns every component schema: responses here, requests in requests.go.
func schemas() M {
	s := M{
		"Error": output("An error. The code decides the HTTP status: invalid 400, unauthorized 401, forbidden 403, "+
			"not_found 404, method_not_allowed 405, conflict 409, gone 410, too_large 413, unsupported_media_type 415, unprocessable 422, "+
			"rate_limited 429, internal 500 (never shows internals), unavailable 503.",
			M{"error": output("", M{
				"code":    enum("Machine-readable error code.", errorCodes...),
				"message": str("A sentence for people; may change between releases."),
				"field":   str("The request field at fault, as a path (e.g. patient.birth_date, signature.strokes[0][3]) or a header name."),
			}, "field")}),
		"Unavailable": output("The readiness check failed.", M{"error": output("", M{
			"code": enum("", "unavailable"), "message": str(""), "field": str("")}, "field")}),
		"Health": output("Health or readiness.", M{"status": enum("", "ok", "ready")}),
		"APIKey": output("An API key. The secret itself is shown once, in the creation response.", M{
			"id":         str("Key ID."),
			"name":       str("What the key is for."),
			"scopes":     arr(enum("", scopes...), "Granted scopes; admin implies every scope."),
			"prefix":     str("The first characters of the secret, to recognise a key without storing it."),
			"created_at": timestamp(""),
			"revoked_at": orNull(timestamp("When the key was revoked; null while it is live.")),
			"key":        str("The secret (only in the response to POST /v1/api-keys; it cannot be shown again)."),
		}, "key"),
		"Staff": output("A staff member who signs with an ID and PIN.", M{
			"id":   str("Staff ID (e.g. an employee number)."),
			"name": str("Printed name used on signatures."),
			"role": enum("", staffRoles...),
			"template_approver": M{"type": "boolean", "description": "May approve template versions with their PIN " +
				"(a permission beside the role: a medical director may also sign consents as a clinician)."},
			"created_at":     timestamp(""),
			"deactivated_at": orNull(timestamp("When the staff member was deactivated; null while active.")),
		}),
		"Approval": approvalSchema(),
		"Device": output("An enrolled kiosk tablet. Its token is shown once, in the creation response; the tablet keeps "+
			"it in a cookie, and signing-code guesses and PIN failures are counted per device.", M{
			"id":         str("Device ID; evidence names the device as enrolled:<id>."),
			"name":       str("What the admin called it, e.g. Front desk 1."),
			"created_at": timestamp(""),
			"created_by": str("The actor that enrolled it, e.g. apikey:<id>."),
			"revoked_at": orNull(timestamp("When the device was revoked; null while it is live.")),
			"token":      str("The device token (cdt_...), only in the response to POST /v1/devices."),
			"enrol_url": M{"type": "string", "format": "uri", "description": "Open this once on the tablet: <public URL>/enrol#<token>. " +
				"The token is in the fragment, which browsers never send to a server or proxy. Only in the creation response."},
		}, "token", "enrol_url"),
		"TabletDevice": output("Whether this browser is an enrolled tablet.", M{
			"enrolled": boolean(""), "id": str("The device ID, when enrolled."), "name": str("The device's name, when enrolled."),
		}, "id", "name"),
		"Template":        templateSchema(),
		"TemplateVersion": templateVersionSchema(),
		"TemplateSection": output("A section of a template locale (Markdown, variables not yet filled).", M{
			"key": str(""), "kind": enum("", sectionKinds...), "heading": str(""), "body": str("Markdown."),
			"requires_acknowledgment": boolean(""),
			"questions":               arr(ref("Question"), "Teach-back questions; absent when the section has none."),
		}, "questions"),
		"Question": output("A teach-back question. The signing session (GET /v1/signing/{token}) leaves out correct and "+
			"explanation, which the answer call returns.", M{
			"key": str(""), "question": str("Plain text."), "choices": arr(str(""), "2 to 4 choices."),
			"correct":     integer("Index of the correct choice, 0 for the first."),
			"explanation": str("Shown after a wrong answer; points back to the text."),
		}, "correct", "explanation"),
		"AnswerAttempt": output("One teach-back answer the patient side gave, with the server's time.", answerProps()),
		"AnswerResult":  output("A teach-back answer just recorded.", answerResultProps(), "explanation"),
		"LocaleContent": output("One language of a template version.", M{
			"title": str(""), "sections": arr(ref("TemplateSection"), ""),
			"disclosure":     str("The electronic-records disclosure, Markdown."),
			"meanings":       orNull(mapOf(str(""), "The meaning of a signature, by role.")),
			"change_summary": str("What changed since the previous version, Markdown; absent when the version has none."),
		}, "change_summary"),
		"Variable": output("A value filled in when a consent is created.", M{
			"name": str(""), "label": str(""),
			"required": boolean("A consent must give a value, unless the variable has a default."),
			"default":  str("Used when a consent gives no value; absent when there is none."),
		}, "default"),
		"Patient": output("The patient a consent is for.", M{
			"id": str("Medical record number or other identifier."), "given_name": str(""), "family_name": str(""),
			"birth_date": M{"type": "string", "format": "date", "description": "YYYY-MM-DD."},
		}),
		"Section": output("A rendered section of a consent document.", M{
			"key": str("Unique within the document, identical across locales."), "kind": enum("", sectionKinds...),
			"heading": str(""), "body": str("Markdown with variables filled in."), "body_html": str("The body rendered to HTML."),
			"requires_acknowledgment": boolean("Whether a signer must acknowledge this section."),
			"questions":               arr(ref("Question"), "Teach-back questions, variables filled in; absent when the section has none."),
		}, "questions"),
		"Document": output("A consent document in one locale, frozen when the consent was created.", M{
			"locale": str(""), "title": str(""), "sections": arr(ref("Section"), ""),
			"disclosure": str("The electronic-records disclosure, Markdown."), "disclosure_html": str(""),
			"meanings": orNull(mapOf(str(""), "The meaning of a signature, by role.")),
			"change_summary": str("What changed since the previous version (Markdown), frozen with the text; absent when the " +
				"version has none. The tablet and the PDF show it first on a re-consent."),
			"change_summary_html": str(""),
			"content_sha256":      sha256Hex("Hash of the canonical JSON of this document"),
		}, "change_summary", "change_summary_html"),
		"ReconsentDue": output("Why a signed consent needs a new signature (derived; the record never changes).", M{
			"reason": str(""), "version": integer("The version whose publication caused it."),
			"policy": enum("", "required", "recommended"),
		}),
		"RenewalDue": output("A signed consent older than its version's valid_for_days (derived).", M{
			"reason": str(""), "valid_for_days": integer(""), "due_at": timestamp("signed_at plus valid_for_days."),
		}),
		"SigningLink": output("How to sign this consent on a tablet; only in the creation response.", M{
			"url": str("Relative URL of the signing page, /sign/<token>."), "code": str("Short code to type on a kiosk tablet (e.g. K7QM-4XPD)."),
			"expires_at": timestamp(""),
		}),
		"PDFInfo": output("The sealed PDF of a signed consent.", M{
			"sha256": sha256Hex("Hash of the PDF file"), "size": integer("Bytes."),
			"cert_sha256": sha256Hex("Hash of the sealing certificate"), "url": str("Relative URL of the PDF."),
		}),
		"Consent":         consentSchema(),
		"ConsentStatus":   consentStatusSchema(),
		"SignatureMark":   markSchema(),
		"Evidence":        evidenceSchema(),
		"Signature":       output("A signature.", signatureProps(), signatureOptional...),
		"SignatureResult": signatureResultSchema(),
		"Acknowledgment":  output("A section acknowledged by a signer.", ackProps()),
		"DownloadLink":    downloadLinkSchema(),
		"RemoteLink":      remoteLinkSchema(),
		"RemoteLinkStatus": output("What the gate of a remote signing link asks; nothing of the consent.", M{
			"require_birth_date": boolean("Always true: the date of birth is asked first."),
			"require_code":       boolean("Whether the one-time code the clinic sent separately is asked too."),
		}),
		"RemoteSession": output("A signing session for the patient side, after the gate.", M{
			"token": str("Use as {token} on the /v1/signing API; channel remote; only the patient side signs."),
		}),
		"ConsentSummary":         consentSummarySchema(),
		"ConsentSummaryList":     list("ConsentSummary", "Consents, newest first, in the summary view."),
		"DocumentRef":            documentRefSchema(),
		"SignatureMarkType":      output("A signature's form; the drawing itself is in the full view and on the PDF.", M{"type": enum("", signatureForms...)}),
		"SignatureSummary":       signatureSummarySchema(),
		"Verification":           verificationSchema(),
		"PublicVerification":     publicVerificationSchema(),
		"SigningSession":         signingSessionSchema(),
		"StaffCheck":             staffCheckSchema(),
		"SigningCodeResult":      signingCodeSchema(),
		"AuditEvent":             auditEventSchema(),
		"AuditCheckpoint":        auditCheckpointSchema(),
		"AuditCheckpointList":    list("AuditCheckpoint", "Signed audit checkpoints, oldest first (ascending seq)."),
		"Webhook":                webhookSchema(),
		"WebhookDelivery":        webhookDeliverySchema(),
		"WebhookPayload":         webhookPayloadSchema(),
		"FHIRResource":           fhirResource("A FHIR R4 resource."),
		"FHIRBundle":             fhirBundle(),
		"OperationOutcome":       fhirResource("A FHIR OperationOutcome describing an error."),
		"APIKeyList":             list("APIKey", "API keys, newest first."),
		"StaffList":              list("Staff", "Staff members."),
		"DeviceList":             list("Device", "Enrolled devices, oldest first, revoked ones included."),
		"TemplateList":           list("Template", "Templates."),
		"TemplateVersionSummary": templateVersionSummarySchema(),
		"TemplateVersionList":    list("TemplateVersionSummary", "Versions of a template, without their content."),
		"ConsentList":            list("Consent", "Consents, newest first."),
		"AuditEventList":         list("AuditEvent", "Audit events in chain order (ascending seq)."),
		"WebhookList":            list("Webhook", "Webhooks."),
		"WebhookDeliveryList":    output("A webhook's deliveries, newest first (up to limit).", M{"data": arr(ref("WebhookDelivery"), "")}),
	}
	for k, v := range requestSchemas() {
		if _, dup := s[k]; dup {
			panic("schema declared twice: " + k)
		}
		s[k] = v
	}
	return s
}

func templateSchema() M {
	return output("A named consent form; its content lives in numbered versions.", M{
		"slug":            str("URL-safe name, e.g. ketamine-iv."),
		"title":           str(""),
		"current_version": orNull(integer("The newest published version that is not retired; null if none.")),
		"locales":         arr(str(""), "Locales of the current version."),
		"created_at":      timestamp(""),
	})
}

func templateVersionSchema() M {
	return output("A numbered revision of a template. Once published its content is frozen; content_sha256 covers "+
		"everything except status, published_at, approved_by and retired_at.", M{
		"slug": str(""), "version": integer("1, 2, ..."), "status": enum("", versionStates...),
		"content_sha256": sha256Hex("Hash of the canonical JSON of the content"),
		"published_at":   orNull(timestamp("Null until published.")),
		"approved_by":    str(legacyApprovedBy),
		"retired_at":     timestamp("When it was retired."),
		"created_at":     timestamp(""),
		"approval":       withDesc(ref("Approval"), "Published and retired versions: the approver's signature, or pending. Absent on drafts."),
		"locales":        mapOf(ref("LocaleContent"), "Content by locale code."),
		"variables":      arr(ref("Variable"), ""),
		"required_signers": arr(enum("", roles...),
			"Roles that must sign; a representative may sign in the patient's place."),
		"signature_forms":     arr(enum("", signatureForms...), "Accepted signature forms."),
		"expires_after_hours": integer("How long a new consent stays signable."),
		"teach_back": enum("required: the clinician countersigns only once every teach-back question was answered "+
			"correctly. Absent otherwise.", "required"),
		"valid_for_days": integer("Signed consents older than this are flagged renewal_due; absent when none."),
		"reconsent":      reconsentPolicy(),
	}, "approved_by", "retired_at", "approval", "teach_back", "valid_for_days", "reconsent")
}

// legacyApprovedBy describes approved_by, which only versions published
// before approvals were signatures carry.
const legacyApprovedBy = "Legacy: the free text given when the version was published before approval became a " +
	"signature (see approval). Absent on versions published since."

func approvalSchema() M {
	return output("A template version's approval: a template approver's PIN signature (one per version, never "+
		"changed), or pending while nobody has signed. A consent shows its version's approval as it stands now; its "+
		"sealed PDF prints the state at sealing.", M{
		"status":   enum("", "approved", "pending"),
		"staff_id": str("The approver's staff ID."),
		"name":     str("The approver's name when they signed."),
		"at":       timestamp("Server time of the signature."),
		"meaning":  str("What the signature means: I reviewed and approve this consent text for use at this clinic."),
	}, "staff_id", "name", "at", "meaning")
}

func reconsentPolicy() M {
	return enum("The re-consent policy it was published with; absent for a first version.", "required", "recommended", "none")
}

func templateVersionSummarySchema() M {
	return output("A template version as listed: its lifecycle and hash, without the content.", M{
		"slug": str(""), "version": integer("1, 2, ..."), "status": enum("", versionStates...),
		"content_sha256": sha256Hex("Hash of the canonical JSON of the content"),
		"published_at":   orNull(timestamp("Null until published.")),
		"approved_by":    str(legacyApprovedBy),
		"retired_at":     timestamp("When it was retired."),
		"created_at":     timestamp(""),
		"approval":       withDesc(ref("Approval"), "Published and retired versions: the approver's signature, or pending. Absent on drafts."),
		"reconsent":      reconsentPolicy(),
	}, "approved_by", "retired_at", "approval", "reconsent")
}

func consentSchema() M {
	return output("A consent: a frozen document for one patient, its signatures and its status. The document, "+
		"signatures and PDF never change; status changes are recorded transitions.", M{
		"id": str(""), "status": enum("pending → signed | declined | cancelled | expired; signed → withdrawn | voided.", consentStates...),
		"template": str("Template slug."), "version": integer("Template version."),
		"template_content_sha256": sha256Hex("content_sha256 of the template version"),
		"locale":                  str("The selected locale; the first signature may change it."),
		"patient":                 ref("Patient"),
		"variables":               mapOf(str(""), "Values given at creation."),
		"document":                ref("Document"),
		"content_sha256":          sha256Hex("Hash of the selected locale's document"),
		"documents":               mapOf(ref("Document"), "Every locale of the version, rendered and frozen at creation."),
		"created_at":              timestamp(""),
		"expires_at":              timestamp("After this the consent can no longer be signed."),
		"signing":                 ref("SigningLink"),
		"signatures":              arr(ref("Signature"), ""),
		"acknowledgments":         arr(ref("Acknowledgment"), "Sections acknowledged on the tablet."),
		"answer_attempts":         arr(ref("AnswerAttempt"), "Every teach-back answer, in recording order."),
		"flagged_sections": arr(str(""), "Sections to discuss with the clinician: a question of theirs was answered "+
			"wrongly twice. A flag stays once raised; the clinician's countersignature lists them in discussed_sections."),
		"signed_at":         orNull(timestamp("When the last required signature was given.")),
		"status_changed_at": orNull(timestamp("")),
		"status_reason":     str("The reason given for the last transition."),
		"declined_at":       timestamp(""), "cancelled_at": timestamp(""), "expired_at": timestamp(""),
		"withdrawn_at": timestamp(""), "voided_at": timestamp(""),
		"pdf": orNull(ref("PDFInfo")),
		"withdrawal_pdf": withDesc(ref("PDFInfo"), "Withdrawn consents: the sealed withdrawal copy (url /v1/consents/{id}/pdf/withdrawn). "+
			"Absent for a consent withdrawn before withdrawal copies existed until one is first downloaded."),
		"approval": withDesc(ref("Approval"), "Its template version's approval as it stands now (derived; the signed "+
			"record never changes)."),
		"supersedes":    orNull(str("The consent this re-consent was made from.")),
		"superseded_by": orNull(str("The newest re-consent made from this consent that is pending or was signed.")),
		"reconsent_due": orNull(ref("ReconsentDue")),
		"renewal_due":   orNull(ref("RenewalDue")),
	}, "signing", "status_reason", "declined_at", "cancelled_at", "expired_at", "withdrawn_at", "voided_at", "withdrawal_pdf")
}

// consentStatusSchema is the consent as a key without consents:read sees it
// after a transition: Consent's state fields only.
func consentStatusSchema() M {
	full := consentSchema()["properties"].(M)
	props := M{}
	for _, k := range []string{"id", "status", "template", "version", "locale", "content_sha256", "created_at", "expires_at",
		"signed_at", "status_changed_at", "status_reason", "declined_at", "cancelled_at", "expired_at", "withdrawn_at",
		"voided_at", "pdf"} {
		props[k] = full[k]
	}
	return output("A consent's state, for a key without consents:read: no patient, variables, document text, "+
		"signatures or acknowledgments.", props,
		"status_reason", "declined_at", "cancelled_at", "expired_at", "withdrawn_at", "voided_at")
}

// consentSummarySchema is the lean view (?view=summary): Consent without the
// frozen text, the variables and the acknowledgments, with links.
func consentSummarySchema() M {
	full := consentSchema()["properties"].(M)
	props := M{
		"patient":    output("The patient's reference.", M{"id": str("The clinic's identifier, e.g. an MRN.")}),
		"documents":  mapOf(ref("DocumentRef"), "Every locale of the version: its hash and where to read its text."),
		"signatures": arr(ref("SignatureSummary"), ""),
		"url":        str("Relative URL of this consent, /v1/consents/{id}."),
	}
	for _, k := range []string{"id", "status", "template", "version", "template_content_sha256", "locale", "content_sha256",
		"created_at", "expires_at", "signing", "signed_at", "status_changed_at", "status_reason", "declined_at", "cancelled_at",
		"expired_at", "withdrawn_at", "voided_at", "pdf", "withdrawal_pdf", "approval", "supersedes", "superseded_by",
		"reconsent_due", "renewal_due"} {
		props[k] = full[k]
	}
	return output("A consent's summary (?view=summary): status, the patient's reference, signatures (without their "+
		"drawings), hashes and links; no document text, variables or acknowledgments. Each read is audited like a full read.",
		props, "signing", "status_reason", "declined_at", "cancelled_at", "expired_at", "withdrawn_at", "voided_at", "withdrawal_pdf")
}

func documentRefSchema() M {
	return output("A frozen document, named by its hash.", M{
		"content_sha256": sha256Hex("Hash of the document"),
		"url":            str("Relative URL of its text, /v1/consents/{id}/documents/{locale}."),
	})
}

func signatureSummarySchema() M {
	p := signatureProps()
	p["signature"] = ref("SignatureMarkType")
	return output("A signature without its drawing.", p, signatureOptional...)
}

func pointSchema() M {
	return output("A point of a stroke.", M{"x": M{"type": "number"}, "y": M{"type": "number"},
		"t": integer("Milliseconds since the drawing started.")})
}

func markSchema() M {
	return output("A recorded signature mark; fields depend on type.", M{
		"type": enum("", signatureForms...), "width": integer("drawn"), "height": integer("drawn"),
		"strokes":    arr(arr(pointSchema(), ""), "drawn"),
		"png_base64": M{"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png", "description": "image"},
		"text":       str("typed"),
	}, "width", "height", "strokes", "png_base64", "text")
}

func evidenceSchema() M {
	return output("Where and how a signature was given.", M{
		"channel": enum("api: an API key; tablet: the kiosk page; remote: the patient's own device through a remote signing link.", channels...), "ip": str(""), "user_agent": str(""),
		"device_id":           str("From the X-Device-ID header."),
		"actor":               str("Who sent the request: apikey:<id> or token:<hash prefix>."),
		"client_time_claimed": str("The device's own clock (X-Client-Time header), as claimed; never trusted."),
	}, "device_id", "client_time_claimed")
}

var signatureOptional = []string{"relationship", "staff_id", "discussed_sections"}

func signatureProps() M {
	return M{
		"id": str(""), "role": enum("", roles...), "name": str("Printed name."),
		"relationship":          str("Representative only: relationship to the patient."),
		"locale":                str("The locale of the document signed."),
		"signed_at":             timestamp("The server's clock."),
		"meaning":               str("What this signature means, from the document."),
		"staff_id":              str("Staff signers only."),
		"identity_verified":     boolean("Clinician: attests the patient's identity was checked."),
		"acknowledged_sections": arr(str(""), "Section keys acknowledged."),
		"discussed_sections": arr(str(""), "Clinician: the sections discussed with the patient after teach-back "+
			"flagged them; absent when none."),
		"electronic_records_consent_at": orNull(timestamp("When the signer agreed to electronic records.")),
		"signature":                     ref("SignatureMark"),
		"evidence":                      ref("Evidence"),
	}
}

func signatureResultSchema() M {
	p := signatureProps()
	p["consent_id"] = str("")
	p["consent_status"] = enum("signed once every required role has signed.", consentStates...)
	return output("The signature just recorded, and the consent's status after it.", p, signatureOptional...)
}

func answerProps() M {
	return M{"section": str("Section key."), "question": str("Question key."), "locale": str(""),
		"choice": integer("Index of the choice given, 0 for the first."), "correct": boolean(""),
		"at": timestamp("The server's clock."), "channel": enum("", "api", "tablet")}
}

func answerResultProps() M {
	p := answerProps()
	p["attempt"] = integer("Attempts on this question so far, this one included.")
	p["explanation"] = str("When the answer was wrong: why, pointing back to the text.")
	p["section_flagged"] = boolean("The section is to be discussed with the clinician (a second wrong answer).")
	return p
}

func ackProps() M {
	return M{"section": str("Section key."), "locale": str(""), "at": timestamp(""), "channel": enum("", channels...)}
}

func downloadLinkSchema() M {
	return output("A patient download link.", M{
		"id":                 str(""),
		"url":                str("Relative URL /d/<token>; only when the link is created."),
		"expires_at":         timestamp(""),
		"require_birth_date": boolean("Whether the patient must enter their date of birth."),
		"revoked_at":         timestamp("Only when the link was revoked."),
		"locked_at":          timestamp("Only when wrong dates of birth locked the link."),
	}, "url", "revoked_at", "locked_at")
}

func remoteLinkSchema() M {
	return output("A remote signing link: the patient opens it on their own phone, proves their date of birth (and the "+
		"one-time code, when asked) and signs the patient side.", M{
		"id":           str(""),
		"url":          str("<public URL>/remote/<token>, to send to the patient; only when the link is created."),
		"path":         str("/remote/<token>; only when the link is created."),
		"code":         M{"type": "string", "pattern": "^[0-9]{6}$", "description": "The one-time code (require_code), to deliver separately; only when the link is created."},
		"expires_at":   timestamp("The consent's expiry, or sooner with ttl_seconds."),
		"require_code": boolean("Whether the gate asks for the one-time code."),
		"revoked_at":   timestamp("Only when the link was revoked."),
		"locked_at":    timestamp("Only when 5 wrong answers locked the link."),
		"used_at":      timestamp("Only when the patient signed through it."),
	}, "url", "path", "code", "revoked_at", "locked_at", "used_at")
}

func verificationSchema() M {
	return output("Whether a PDF is an untampered consent sealed by this server.", M{
		"valid": boolean(""), "reason": str("Why the PDF is not valid."),
		"consent_id": str(""), "content_sha256": sha256Hex("The consent's document hash"),
		"signed_at": timestamp(""), "signers": arr(str(""), "Signer descriptions from the seal."),
		"cert_sha256": sha256Hex("Hash of the sealing certificate"), "file_sha256": sha256Hex("Hash of the PDF sent"),
		"kind": enum("Which of the consent's sealed PDFs this is (when valid): the signed PDF, sealed at signing and never "+
			"changed, or the withdrawal copy sealed when the patient withdrew.", "signed", "withdrawn"),
		"withdrawn_at": timestamp("When the consent was withdrawn (withdrawal copies only)."),
	}, "reason", "consent_id", "content_sha256", "signed_at", "cert_sha256", "file_sha256", "kind", "withdrawn_at")
}

func signingSessionSchema() M {
	return output("What a tablet shows for a signing token.", M{
		"consent_id": str(""), "status": enum("", consentStates...), "locale": str(""),
		"locales":             arr(str(""), ""),
		"documents":           mapOf(ref("Document"), "Every locale's document."),
		"required_signers":    arr(enum("", roles...), ""),
		"signature_forms":     arr(enum("", signatureForms...), ""),
		"signed_roles":        arr(enum("", roles...), ""),
		"acknowledgments":     arr(ref("Acknowledgment"), ""),
		"answer_attempts":     arr(ref("AnswerAttempt"), "Teach-back answers so far."),
		"flagged_sections":    arr(str(""), "Sections to discuss with the clinician."),
		"teach_back_required": boolean("The clinician countersigns only once every question was answered correctly."),
		"expires_at":          timestamp(""),
		"reconsent":           boolean("True for a re-consent: the document's change_summary is shown first."),
	})
}

func signingCodeSchema() M {
	return output("The signing token a code stands for.", M{
		"token": str("The signing token."), "url": str("Relative URL /sign/<token>."), "consent_id": str(""),
		"expires_at": timestamp(""),
	})
}

func staffCheckSchema() M {
	return output("The staff member whose PIN was checked, and the patient to check their identity against "+
		"(name and date of birth only).", M{
		"role":  enum("", "clinician", "witness", "interpreter"),
		"staff": output("", M{"id": str(""), "name": str(""), "role": enum("", "clinician", "witness", "interpreter")}),
		"patient": output("", M{"given_name": str(""), "family_name": str(""),
			"birth_date": M{"type": "string", "format": "date", "description": "YYYY-MM-DD."}}),
		"flagged_sections": arr(output("", M{"key": str(""), "heading": str("")}), "Clinician: sections the patient's "+
			"teach-back answers flagged, to discuss before countersigning; empty for other roles."),
		"open_questions": arr(str(""), "teach_back: required: questions (section/question) still to be answered "+
			"correctly; empty otherwise."),
	})
}
