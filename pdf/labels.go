package pdf

import "strings"

// labels holds the fixed texts of the document in one language.
type labels struct {
	Clinic, Template, Version, Locale, ContentSHA256, TemplateSHA256 string
	Patient, Name, BirthDate, PatientID, ConsentID, Created          string
	Acknowledged, Disclosure, DisclosureAccepted, By                 string
	Signatures, Role, Relationship, StaffID, IdentityVerified        string
	SignedAt, ClinicTime, Meaning, Page, Of, DOB                     string
	Evidence, EvidenceIntro, AuditTrail, Time, Event, Actor          string
	IP, UserAgent, Device, CertSHA256, ConsentSignedAt, NoEvents     string
	Yes, ImageUnreadable, Channels                                   string
	ChangeSummary, Replaces                                          string
	Roles                                                            map[string]string
	// ChannelNames describe the evidence channels (api, tablet, remote);
	// each starts with the channel's own name, as the API shows it.
	ChannelNames map[string]string
}

var labelsByLang = map[string]*labels{
	"en": {
		Clinic: "Clinic", Template: "Template", Version: "version", Locale: "language",
		ContentSHA256: "Content SHA-256", TemplateSHA256: "Template SHA-256",
		Patient: "Patient", Name: "Name", BirthDate: "Date of birth", PatientID: "Patient ID",
		ConsentID: "Consent ID", Created: "Created",
		Acknowledged: "Acknowledged", Disclosure: "Electronic records disclosure",
		DisclosureAccepted: "Agreed to electronic records", By: "by",
		Signatures: "Signatures", Role: "Role", Relationship: "Relationship", StaffID: "Staff ID",
		IdentityVerified: "Patient identity verified", SignedAt: "Signed", ClinicTime: "Clinic time",
		Meaning: "Meaning of this signature", Page: "Page", Of: "of", DOB: "DOB",
		Evidence: "Evidence", AuditTrail: "Audit trail",
		EvidenceIntro: "This document is sealed with a digital signature by the issuing system. Any change to the file invalidates the seal. The content hash identifies the exact text the patient was shown.",
		Time:          "Time (UTC)", Event: "Event", Actor: "Actor", IP: "IP address", UserAgent: "User agent",
		Device: "Device", CertSHA256: "Sealing certificate SHA-256", ConsentSignedAt: "Consent signed",
		NoEvents: "No audit events were supplied.", Yes: "yes", ImageUnreadable: "Signature image could not be drawn:",
		Channels: "Signing channels",
		ChannelNames: map[string]string{"api": "api (clinic system)", "tablet": "tablet (clinic kiosk)",
			"remote": "remote (patient's own device, signing link)"},
		ChangeSummary: "What changed since the last version", Replaces: "This consent replaces consent",
		Roles: map[string]string{"patient": "Patient", "representative": "Legal representative",
			"witness": "Witness", "clinician": "Clinician", "interpreter": "Interpreter"},
	},
	"es": {
		Clinic: "Clínica", Template: "Plantilla", Version: "versión", Locale: "idioma",
		ContentSHA256: "SHA-256 del contenido", TemplateSHA256: "SHA-256 de la plantilla",
		Patient: "Paciente", Name: "Nombre", BirthDate: "Fecha de nacimiento", PatientID: "ID de paciente",
		ConsentID: "ID del consentimiento", Created: "Creado",
		Acknowledged: "Leído y confirmado", Disclosure: "Aviso sobre registros electrónicos",
		DisclosureAccepted: "Aceptó los registros electrónicos", By: "por",
		Signatures: "Firmas", Role: "Función", Relationship: "Relación", StaffID: "ID de personal",
		IdentityVerified: "Identidad del paciente verificada", SignedAt: "Firmado", ClinicTime: "Hora de la clínica",
		Meaning: "Significado de esta firma", Page: "Página", Of: "de", DOB: "F. nac.",
		Evidence: "Evidencias", AuditTrail: "Registro de auditoría",
		EvidenceIntro: "Este documento está sellado con una firma digital del sistema emisor. Cualquier cambio en el archivo invalida el sello. El hash del contenido identifica el texto exacto que se mostró al paciente.",
		Time:          "Hora (UTC)", Event: "Evento", Actor: "Actor", IP: "Dirección IP", UserAgent: "Agente de usuario",
		Device: "Dispositivo", CertSHA256: "SHA-256 del certificado de sellado", ConsentSignedAt: "Consentimiento firmado",
		NoEvents: "No se facilitaron eventos de auditoría.", Yes: "sí", ImageUnreadable: "No se pudo dibujar la imagen de la firma:",
		Channels: "Canales de firma",
		ChannelNames: map[string]string{"api": "api (sistema de la clínica)", "tablet": "tablet (tableta de la clínica)",
			"remote": "remote (dispositivo propio del paciente, enlace de firma)"},
		ChangeSummary: "Qué cambió desde la versión anterior", Replaces: "Este consentimiento reemplaza al consentimiento",
		Roles: map[string]string{"patient": "Paciente", "representative": "Representante legal",
			"witness": "Testigo", "clinician": "Profesional sanitario", "interpreter": "Intérprete"},
	},
}

// labelsFor returns the labels for a locale such as "es" or "es-MX", falling back to English.
func labelsFor(locale string) *labels {
	lang := strings.ToLower(locale)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if l, ok := labelsByLang[lang]; ok {
		return l
	}
	return labelsByLang["en"]
}

// role returns the localised name of a signer role.
func (l *labels) role(r string) string {
	if s, ok := l.Roles[r]; ok {
		return s
	}
	return r
}
