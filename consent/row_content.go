package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// The canonical content of every row the audit chain vouches for. Each holds
// every stored field of its row (a field left out could be edited unnoticed),
// as the JSON-compatible values CanonicalJSON encodes: times as API
// timestamps, large or fractional numbers as text, bytes as their SHA-256.
// Only columns derived from others and constrained by the database (a
// signature's side, a version's locale codes) are left out.

// RowRef returns the template's row.
func (t *Template) RowRef() RowRef { return RowRef{Table: TableTemplates, ID: t.Slug} }

// RowContent returns the template's stored fields.
func (t *Template) RowContent() map[string]any {
	return map[string]any{"slug": t.Slug, "title": t.Title, "created_at": rowTime(t.CreatedAt)}
}

// RowRef returns the version's row; its ID is "slug/version".
func (v *TemplateVersion) RowRef() RowRef {
	return RowRef{Table: TableTemplateVersions, ID: v.Slug + "/" + strconv.Itoa(v.Version)}
}

// RowContent returns the version's lifecycle fields and its whole content,
// so that a content edit is caught even if content_sha256 is left alone.
func (v *TemplateVersion) RowContent() map[string]any {
	m := map[string]any{"slug": v.Slug, "version": v.Version, "status": v.Status, "content_sha256": v.ContentSHA256,
		"published_at": rowTimePtr(v.PublishedAt), "approved_by": v.ApprovedBy, "retired_at": rowTimePtr(v.RetiredAt),
		"created_at": rowTime(v.CreatedAt), "content": v.Content().CanonicalMap()}
	// Fields added later enter only when set, so older rows keep their digest.
	if v.Reconsent != "" {
		m["reconsent"] = v.Reconsent
	}
	return m
}

// RowRef returns the consent's row (signatures, acknowledgments and the PDF are rows of their own).
func (c *Consent) RowRef() RowRef { return RowRef{Table: TableConsents, ID: c.ID} }

// RowContent returns the consent's patient, frozen documents (text, HTML and
// hashes), tokens and status fields.
func (c *Consent) RowContent() map[string]any {
	docs := make(map[string]any, len(c.Documents))
	for code, d := range c.Documents {
		docs[code] = frozenDocument{&d} // encoded as d.rowContent(), once per text (see row_document.go)
	}
	m := map[string]any{"id": c.ID, "status": c.Status, "template_slug": c.TemplateSlug,
		"template_version": c.TemplateVersion, "template_sha256": c.TemplateSHA256, "locale": c.Locale,
		"patient_id": c.Patient.ID, "patient_given_name": c.Patient.GivenName, "patient_family_name": c.Patient.FamilyName,
		"patient_birth_date": c.Patient.BirthDate, "variables": c.Variables, "documents": docs,
		"created_at": rowTime(c.CreatedAt), "expires_at": rowTime(c.ExpiresAt), "created_by": c.CreatedBy,
		"signing_token_hash": c.SigningTokenHash, "signing_code_hash": c.SigningCodeHash,
		"signed_at": rowTimePtr(c.SignedAt), "status_changed_at": rowTimePtr(c.StatusChangedAt), "status_reason": c.StatusReason}
	if c.Supersedes != "" {
		m["supersedes"] = c.Supersedes
	}
	return m
}

// rowContent is everything stored of a frozen document, the derived HTML
// included: it is what the tablet shows.
func (d Document) rowContent() map[string]any {
	sections := make([]any, 0, len(d.Sections))
	for _, s := range d.Sections {
		m := map[string]any{"key": s.Key, "kind": s.Kind, "heading": s.Heading, "body": s.Body,
			"body_html": s.BodyHTML, "requires_acknowledgment": s.RequiresAcknowledgment}
		// Questions enter only when set, so rows vouched for before they existed keep their digests.
		if len(s.Questions) > 0 {
			m["questions"] = canonicalQuestions(s.Questions)
		}
		sections = append(sections, m)
	}
	m := map[string]any{"locale": d.Locale, "title": d.Title, "sections": sections, "disclosure": d.Disclosure,
		"disclosure_html": d.DisclosureHTML, "meanings": d.Meanings, "content_sha256": d.ContentSHA256}
	if d.ChangeSummary != "" {
		m["change_summary"], m["change_summary_html"] = d.ChangeSummary, d.ChangeSummaryHTML
	}
	return m
}

// RowRef returns the signature's row.
func (s *Signature) RowRef() RowRef { return RowRef{Table: TableSignatures, ID: s.ID} }

// RowContent returns the signature's signer, meaning, mark (strokes point by
// point, an image by its SHA-256), attestations and evidence.
func (s *Signature) RowContent() map[string]any {
	m := map[string]any{"id": s.ID, "consent_id": s.ConsentID, "role": s.Role, "name": s.Name,
		"relationship": s.Relationship, "locale": s.Locale, "meaning": s.Meaning, "signed_at": rowTime(s.SignedAt),
		"mark_type": s.Mark.Type, "mark_width": s.Mark.Width, "mark_height": s.Mark.Height, "mark_strokes": rowStrokes(s.Mark.Strokes),
		"mark_png_sha256": rowBytes(s.Mark.PNG), "mark_text": s.Mark.Text, "staff_id": s.StaffID,
		"identity_verified": s.IdentityVerified, "electronic_records_consent_at": rowTimePtr(s.ElectronicRecordsConsentAt),
		"acknowledged": s.Acknowledged, "evidence": s.Evidence.rowContent()}
	// Set only on a countersignature after teach-back flags; absent before, so
	// rows vouched for before it existed keep their digests.
	if len(s.DiscussedSections) > 0 {
		m["discussed_sections"] = s.DiscussedSections
	}
	return m
}

func (e Evidence) rowContent() map[string]any {
	return map[string]any{"channel": e.Channel, "ip": e.IP, "user_agent": e.UserAgent, "device_id": e.DeviceID,
		"actor": e.Actor, "client_time": e.ClientTime}
}

// RowRef returns the acknowledgment's row, named by the number the store gave it.
func (a *Acknowledgment) RowRef() RowRef {
	return RowRef{Table: TableAcknowledgments, ID: strconv.FormatInt(a.ID, 10)}
}

// RowContent returns what was acknowledged, when, and the evidence.
func (a *Acknowledgment) RowContent() map[string]any {
	return map[string]any{"id": strconv.FormatInt(a.ID, 10), "consent_id": a.ConsentID, "section_key": a.SectionKey,
		"locale": a.Locale, "at": rowTime(a.At), "evidence": a.Evidence.rowContent()}
}

// RowRef returns the PDF's row: the signed PDF is named by its consent; a
// PDF sealed later (a withdrawal copy) is a row of additional_pdfs named
// "consent/kind".
func (p *SealedPDF) RowRef() RowRef {
	if p.additional() {
		return RowRef{Table: TableAdditionalPDFs, ID: p.ConsentID + "/" + p.Kind}
	}
	return RowRef{Table: TablePDFs, ID: p.ConsentID}
}

// RowContent returns the PDF's description and the SHA-256 of the bytes
// actually stored, so replaced bytes are caught even with the recorded hash
// left alone; a later PDF adds its kind.
func (p *SealedPDF) RowContent() map[string]any {
	m := map[string]any{"consent_id": p.ConsentID, "sha256": p.Info.SHA256, "size": p.Info.Size,
		"cert_sha256": p.Info.CertSHA256, "created_at": rowTime(p.Info.CreatedAt), "bytes_sha256": rowBytes(p.Bytes)}
	if p.additional() {
		m["kind"] = p.Kind
	}
	return m
}

// additional reports whether the PDF is stored beside the signed one.
func (p *SealedPDF) additional() bool { return p.Kind != "" && p.Kind != PDFKindSigned }

// RowRef returns the key's row.
func (k *APIKey) RowRef() RowRef { return RowRef{Table: TableAPIKeys, ID: k.ID} }

// RowContent returns the key's name, scopes, secret hash and lifecycle.
func (k *APIKey) RowContent() map[string]any {
	return map[string]any{"id": k.ID, "name": k.Name, "scopes": k.Scopes, "hash": k.Hash, "prefix": k.Prefix,
		"created_at": rowTime(k.CreatedAt), "revoked_at": rowTimePtr(k.RevokedAt)}
}

// RowRef returns the staff member's row.
func (s *Staff) RowRef() RowRef { return RowRef{Table: TableStaff, ID: s.ID} }

// RowContent returns the staff member's name, role, PIN hash, permission and lifecycle.
func (s *Staff) RowContent() map[string]any {
	m := map[string]any{"id": s.ID, "name": s.Name, "role": s.Role, "pin_hash": s.PINHash,
		"created_at": rowTime(s.CreatedAt), "deactivated_at": rowTimePtr(s.DeactivatedAt)}
	// The permission enters the digest only when granted, so rows vouched
	// for before it existed keep their digests.
	if s.TemplateApprover {
		m["template_approver"] = true
	}
	return m
}

// RowRef returns the link's row.
func (l *DownloadLink) RowRef() RowRef { return RowRef{Table: TableDownloadLinks, ID: l.ID} }

// RowContent returns the link's consent, token hash, birth-date gate and
// lifecycle, its lock by wrong dates of birth included: a lock cleared behind
// consentd's back would reopen the link to guessing. A remote signing link's
// purpose, code hash and use enter only when set, so download links made
// before them keep their digests.
func (l *DownloadLink) RowContent() map[string]any {
	m := map[string]any{"id": l.ID, "consent_id": l.ConsentID, "token_hash": l.TokenHash,
		"expires_at": rowTime(l.ExpiresAt), "require_birth_date": l.RequireBirthDate, "created_at": rowTime(l.CreatedAt),
		"created_by": l.CreatedBy, "revoked_at": rowTimePtr(l.RevokedAt), "locked_at": rowTimePtr(l.LockedAt)}
	if l.Purpose != "" {
		m["purpose"] = l.Purpose
	}
	if l.CodeHash != "" {
		m["code_hash"] = l.CodeHash
	}
	if l.UsedAt != nil {
		m["used_at"] = rowTimePtr(l.UsedAt)
	}
	return m
}

// RowRef returns the device's row.
func (d *Device) RowRef() RowRef { return RowRef{Table: TableDevices, ID: d.ID} }

// RowContent returns the device's name, token hash and lifecycle: a device
// added or un-revoked behind consentd's back would be trusted as the clinic's
// tablet (its own limits, enrolled:<id> in the evidence).
func (d *Device) RowContent() map[string]any {
	return map[string]any{"id": d.ID, "name": d.Name, "token_hash": d.TokenHash, "created_at": rowTime(d.CreatedAt),
		"created_by": d.CreatedBy, "revoked_at": rowTimePtr(d.RevokedAt)}
}

// RowRef returns the endpoint's row.
func (w *Webhook) RowRef() RowRef { return RowRef{Table: TableWebhooks, ID: w.ID} }

// RowContent returns the endpoint's URL, events, signing secret and lifecycle:
// an edited URL would send patients' consent events elsewhere.
func (w *Webhook) RowContent() map[string]any {
	m := map[string]any{"id": w.ID, "url": w.URL, "events": w.Events, "secret": w.Secret,
		"created_at": rowTime(w.CreatedAt), "deleted_at": rowTimePtr(w.DeletedAt)}
	// A rotation's previous secret enters the digest only when there is one,
	// so rows vouched for before rotation existed keep their digests.
	if w.PreviousSecret != "" || w.PreviousSecretExpiresAt != nil {
		m["previous_secret"], m["previous_secret_expires_at"] = w.PreviousSecret, rowTimePtr(w.PreviousSecretExpiresAt)
	}
	return m
}

func rowTime(t time.Time) string { return FormatTime(t) }

func rowTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return FormatTime(*t)
}

// rowStrokes writes a drawing point by point as one text, "x,y,t" with ";"
// between points and "|" between strokes. Coordinates are written exactly:
// the shortest text that reads back as the same float64.
func rowStrokes(strokes [][]Point) string {
	var b []byte
	for i, st := range strokes {
		if i > 0 {
			b = append(b, '|')
		}
		for j, p := range st {
			if j > 0 {
				b = append(b, ';')
			}
			b = strconv.AppendFloat(b, p.X, 'g', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, p.Y, 'g', -1, 64)
			b = append(b, ',')
			b = strconv.AppendInt(b, p.T, 10)
		}
	}
	return string(b)
}

func rowBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
