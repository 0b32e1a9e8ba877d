package main

// requestSchemas are the request bodies. Each is closed (additionalProperties:
// false) because the server rejects unknown fields, nested objects included.
func requestSchemas() M {
	return M{
		"CreateAPIKeyRequest": input("A new API key.", M{
			"name":   M{"type": "string", "minLength": 1, "maxLength": 100, "description": "What the key is for; one line."},
			"scopes": M{"type": "array", "minItems": 1, "items": enum("", scopes...), "uniqueItems": true},
		}, "name", "scopes"),
		"CreateStaffRequest": input("A new staff member.", M{
			"id":                M{"type": "string", "pattern": idPattern, "description": "Staff ID: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit."},
			"name":              M{"type": "string", "minLength": 1, "maxLength": 200, "description": "Printed name; one line."},
			"role":              enum("", staffRoles...),
			"pin":               M{"type": "string", "minLength": 6, "maxLength": 64, "description": "Stored only as a slow password hash.", "writeOnly": true},
			"template_approver": M{"type": "boolean", "default": false, "description": "May approve template versions with their PIN."},
		}, "id", "name", "role", "pin"),
		"CreateTemplateRequest": input("A new template, with no versions yet.", M{
			"slug": slugSchema(), "title": str(""),
		}, "slug", "title"),
		"VersionContent":       versionContentSchema(),
		"TemplateSectionInput": sectionInput(),
		"LocaleContentInput":   localeInput(),
		"PublishVersionRequest": input("The signature of a template approver (staff with template_approver), "+
			"recorded as the version's approval, and the re-consent policy. approved_by is no longer accepted (400).", withReconsent(approverFields()), "staff_id", "pin"),
		"ApproveVersionRequest": input("The signature of a template approver on a published version.", approverFields(),
			"staff_id", "pin"),
		"ReconsentRequest": input("Values for variables the current version declares; the earlier consent's values are kept otherwise.", M{
			"variables": mapOf(str(""), "Variable values by name."),
		}),
		"CreateConsentRequest": createConsentSchema(),
		"TransitionRequest": input("Why the consent changes status.", M{
			"reason": M{"type": "string", "minLength": 1, "maxLength": 1000},
		}, "reason"),
		"DownloadLinkRequest": input("A patient download link.", M{
			"ttl_seconds":        M{"type": "integer", "minimum": 1, "maximum": 2592000, "default": 604800, "description": "Lifetime: 1 second to 30 days; default 7 days."},
			"require_birth_date": M{"type": "boolean", "default": false, "description": "Ask the patient for their date of birth before the download."},
		}),
		"RemoteLinkRequest": input("A remote signing link.", M{
			"ttl_seconds":  M{"type": "integer", "minimum": 1, "maximum": 2592000, "description": "Ends the link sooner than the consent (1 second to 30 days); by default it ends with the consent."},
			"require_code": M{"type": "boolean", "default": false, "description": "Also ask for a 6-digit one-time code, returned once as code for the clinic to deliver separately."},
		}),
		"RemoteOpenRequest": input("The patient's answers at the gate.", M{
			"birth_date": M{"type": "string", "format": "date"},
			"code":       str("The one-time code, when the link asks for it."),
		}, "birth_date"),
		"SignatureRequest": signatureRequestSchema(),
		"DrawnMark": input("A signature drawn on a canvas.", M{
			"type":   M{"const": "drawn"},
			"width":  M{"type": "integer", "minimum": 50, "maximum": 4000, "description": "Canvas width in pixels."},
			"height": M{"type": "integer", "minimum": 50, "maximum": 4000, "description": "Canvas height in pixels."},
			"strokes": M{"type": "array", "minItems": 1, "maxItems": 100, "description": "Pen strokes; 10 to 10000 points in all, timestamps increasing.",
				"items": M{"type": "array", "minItems": 1, "items": input("", M{
					"x": M{"type": "number"}, "y": M{"type": "number"}, "t": integer("Milliseconds since the drawing started."),
				}, "x", "y", "t")}},
		}, "type", "width", "height", "strokes"),
		"ImageMark": input("A signature image.", M{
			"type": M{"const": "image"},
			"png_base64": M{"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png",
				"description": "A PNG of at most 512 KiB and 3000x1500 pixels (too large → 413) and at most 18 MB once decoded (16-bit images larger than that → 400); stored re-encoded as 8-bit non-interlaced unless already in that form."},
		}, "type", "png_base64"),
		"TypedMark": input("A typed signature: the signer's name as given in name.", M{
			"type": M{"const": "typed"}, "text": M{"type": "string", "minLength": 1, "maxLength": 200},
		}, "type", "text"),
		"StaffCheckRequest": input("A staff member's ID and PIN at the tablet's hand-over.", M{
			"role": enum("The role they will sign as; one the consent still needs.", "clinician", "witness", "interpreter"),
			"staff": input("Staff ID and PIN.", M{
				"id": str(""), "pin": M{"type": "string", "writeOnly": true},
			}, "id", "pin"),
		}, "role", "staff"),
		"AcknowledgmentRequest": input("A section the signer acknowledges.", M{
			"section": str("Section key."), "locale": str("The locale the section was read in."),
		}, "section"),
		"AnswerRequest": input("The patient side's answer to a teach-back question.", M{
			"section": str("Section key."), "question": str("Question key."),
			"choice": M{"type": "integer", "minimum": 0, "maximum": 3, "description": "Index of the choice given, 0 for the first."},
			"locale": str("The locale the question was read in; default: the consent's locale."),
		}, "section", "question", "choice"),
		"QuestionInput": questionInput(),
		"CreateDeviceRequest": input("A kiosk tablet to enrol.", M{
			"name": M{"type": "string", "minLength": 1, "maxLength": 100, "description": "e.g. Front desk 1."},
		}, "name"),
		"EnrolDeviceRequest": input("The device token from the enrolment URL's fragment.", M{
			"token": M{"type": "string", "writeOnly": true, "description": "cdt_..."},
		}, "token"),
		"CreateWebhookRequest": input("A new webhook subscription.", M{
			"url":    M{"type": "string", "format": "uri", "maxLength": 2000, "description": "Absolute http(s) URL where deliveries are POSTed."},
			"events": M{"type": "array", "minItems": 1, "items": enum("", webhookEvents...), "description": "Event types to deliver."},
		}, "url", "events"),
		"RotateWebhookSecretRequest": input("How long the current secret keeps signing beside the new one.", M{
			"overlap_seconds": M{"type": "integer", "minimum": 0, "maximum": 604800, "default": 86400,
				"description": "Seconds the current secret keeps signing beside the new one (default 1 day, at most 7 days); " +
					"0 stops it at once, e.g. after a leak."},
		}),
	}
}

func versionContentSchema() M {
	return input("A template version's content, to create or edit a draft.", M{
		"locales": M{"type": "object", "minProperties": 1, "additionalProperties": ref("LocaleContentInput"), "description": "Content by locale code (en, es, ...)."},
		"variables": arr(input("", M{"name": str(""), "label": str(""),
			"required": boolean("A consent must give a value, unless the variable has a default."),
			"default":  M{"type": "string", "maxLength": 500, "description": "Used when a consent gives no value (one line, printable)."}}, "name"), ""),
		"required_signers": M{"type": "array", "minItems": 1, "items": enum("", roles...),
			"description": "Roles that must sign; a representative may fill the patient's place."},
		"signature_forms":     M{"type": "array", "minItems": 1, "items": enum("", signatureForms...)},
		"expires_after_hours": M{"type": "integer", "minimum": 1, "description": "How long a new consent stays signable."},
		"teach_back": enum("Optional. required: the clinician countersigns only once every teach-back question was "+
			"answered correctly (needs questions and a clinician among required_signers).", "required"),
		"valid_for_days": M{"type": "integer", "minimum": 1, "maximum": 3660,
			"description": "Optional: signed consents older than this are flagged renewal_due."},
	}, "locales", "required_signers", "signature_forms", "expires_after_hours")
}

func sectionInput() M {
	return input("A section of a template locale. Keys are unique within a version and identical across its locales.", M{
		"key": str(""), "kind": enum("", sectionKinds...), "heading": str(""), "body": str("Markdown; {{variable}} placeholders."),
		"requires_acknowledgment": boolean(""),
		"questions": M{"type": "array", "maxItems": 10, "items": ref("QuestionInput"), "description": "Optional teach-back " +
			"questions, asked after the section. Every locale asks the same questions: same keys in the same order, same " +
			"number of choices, same correct index."},
	}, "key", "kind", "heading", "body")
}

func questionInput() M {
	return input("A teach-back question in one locale. Text is plain (no Markdown); {{variable}} placeholders allowed.", M{
		"key":         str("Unique within the section; identical across locales."),
		"question":    M{"type": "string", "minLength": 1, "maxLength": 500},
		"choices":     M{"type": "array", "minItems": 2, "maxItems": 4, "items": M{"type": "string", "minLength": 1, "maxLength": 200}, "description": "2 to 4 different choices."},
		"correct":     M{"type": "integer", "minimum": 0, "maximum": 3, "description": "Index of the one correct choice, 0 for the first."},
		"explanation": M{"type": "string", "minLength": 1, "maxLength": 1000, "description": "Shown after a wrong answer; points back to the text."},
	}, "key", "question", "choices", "correct", "explanation")
}

func localeInput() M {
	return input("One language of a template version.", M{
		"title": str(""), "sections": arr(ref("TemplateSectionInput"), ""),
		"disclosure": str("The electronic-records disclosure, Markdown."),
		"meanings":   mapOf(str(""), "What a signature means, by role (patient, representative, clinician, witness, interpreter)."),
		"change_summary": M{"type": "string", "maxLength": 5000,
			"description": "Optional: what changed since the previous version, in plain words (Markdown)."},
	}, "title", "sections", "disclosure", "meanings")
}

func createConsentSchema() M {
	return input("A new consent from a published template version.", M{
		"template": slugSchema(),
		"version":  M{"type": "integer", "minimum": 1, "description": "A published version; default: the template's current version."},
		"locale":   str("The initial locale, e.g. en or es."),
		"patient": input("", M{
			"id":          M{"type": "string", "minLength": 1, "maxLength": 64, "description": "Medical record number; one line."},
			"given_name":  M{"type": "string", "minLength": 1, "maxLength": 100},
			"family_name": M{"type": "string", "minLength": 1, "maxLength": 100},
			"birth_date":  M{"type": "string", "format": "date", "description": "YYYY-MM-DD; not in the future."},
		}, "id", "given_name", "family_name", "birth_date"),
		"variables": mapOf(str(""), "Values for the version's variables."),
	}, "template", "locale", "patient")
}

func signatureRequestSchema() M {
	return input("A signature. Missing acknowledgments or e-records consent, a bad drawing or a wrong staff PIN → 400; "+
		"role already signed, patient and representative both, or consent not pending → 409; expired → 410. "+
		"Nothing is stored on any error.", M{
		"role":         enum("", roles...),
		"name":         str("Printed name (patient, representative); staff signers use their registered name."),
		"relationship": str("Representative only: relationship to the patient."),
		"locale":       str("The locale signed; the first signature fixes the consent's locale."),
		"acknowledged_sections": arr(str(""), "Keys of the sections acknowledged. Through the API key: sections not yet "+
			"acknowledged are recorded with the signature's time. Through a signing token (the tablet): optional, and it "+
			"may name only sections already acknowledged through POST /v1/signing/{token}/acknowledgments; every section "+
			"that requires acknowledgment must have been acknowledged that way first (400 otherwise)."),
		"electronic_records_consent": boolean("Agreement to the electronic-records disclosure."),
		"staff": input("Clinician, witness and interpreter sign with their staff ID and PIN.", M{
			"id": str(""), "pin": M{"type": "string", "writeOnly": true},
		}, "id", "pin"),
		"identity_verified": boolean("Clinician: attests the patient's identity was checked."),
		"discussed_sections": arr(str(""), "Clinician only: the sections the clinician discussed with the patient. Must "+
			"list every section the patient's teach-back answers flagged (400 otherwise). With teach_back: required, the "+
			"countersignature is refused (409, field teach_back) until every question was answered correctly."),
		"signature": M{
			"oneOf":         []M{ref("DrawnMark"), ref("ImageMark"), ref("TypedMark")},
			"discriminator": M{"propertyName": "type", "mapping": M{"drawn": "#/components/schemas/DrawnMark", "image": "#/components/schemas/ImageMark", "typed": "#/components/schemas/TypedMark"}},
		},
	}, "role", "signature")
}

// idPattern is the character set of IDs a caller chooses (consent.CheckID).
const idPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

func slugSchema() M {
	return M{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$", "description": "Template slug, e.g. ketamine-iv."}
}

// approverFields are a template approver's staff ID and PIN.
func approverFields() M {
	return M{"staff_id": str("Staff ID of a template approver."),
		"pin": M{"type": "string", "writeOnly": true, "description": "Their PIN; wrong PINs count in the same limits as countersigning."}}
}

// withReconsent adds the publish request's re-consent policy to fields.
func withReconsent(fields M) M {
	fields["reconsent"] = enum("Required when an earlier version was published: required (signed consents on earlier versions are "+
		"flagged reconsent_due and pending ones can no longer be signed), recommended (flagged only) or none.", "required", "recommended", "none")
	return fields
}
