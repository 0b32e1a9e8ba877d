package consenttest

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// FindConsentByID returns the consent with its signatures, acknowledgments
// and PDF info; ENOTFOUND if none.
func (v view) FindConsentByID(ctx context.Context, id string) (*consent.Consent, error) {
	st := v.st()
	c, ok := st.consents[id]
	if !ok {
		return nil, notFound("Consent not found.")
	}
	return st.withParts(c), nil
}

// FindConsentSummary returns the summary of the consent (consent.SummaryOf);
// ENOTFOUND if none.
func (v view) FindConsentSummary(ctx context.Context, id string) (*consent.Consent, error) {
	c, err := v.FindConsentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return consent.SummaryOf(c), nil
}

// FindConsentBySigningToken finds the consent a signing token (by its hash) opens.
func (v view) FindConsentBySigningToken(ctx context.Context, tokenHash string) (*consent.Consent, error) {
	return v.findConsent(func(c *consent.Consent) bool { return tokenHash != "" && c.SigningTokenHash == tokenHash })
}

// FindConsentBySigningCode finds the consent a signing code (by its hash) opens.
func (v view) FindConsentBySigningCode(ctx context.Context, codeHash string) (*consent.Consent, error) {
	return v.findConsent(func(c *consent.Consent) bool { return codeHash != "" && c.SigningCodeHash == codeHash })
}

func (v view) findConsent(match func(*consent.Consent) bool) (*consent.Consent, error) {
	st := v.st()
	for _, c := range st.consents {
		if match(&c) {
			return st.withParts(c), nil
		}
	}
	return nil, notFound("Consent not found.")
}

// withParts returns a copy of c with its signatures (by signed_at, id),
// acknowledgments (in recording order) and PDF info.
func (st *state) withParts(c consent.Consent) *consent.Consent {
	c.Variables = maps.Clone(c.Variables)
	c.Signatures = slices.Clone(st.signatures[c.ID])
	slices.SortStableFunc(c.Signatures, func(a, b consent.Signature) int {
		return cmp.Or(a.SignedAt.Compare(b.SignedAt), cmp.Compare(a.ID, b.ID))
	})
	c.Acknowledgments = slices.Clone(st.acks[c.ID])
	c.Answers = slices.Clone(st.answers[c.ID])
	if p, ok := st.pdfs[pdfKey{c.ID, ""}]; ok {
		info := p.Info
		c.PDF = &info
	}
	// As storage, the withdrawal copy is shown on withdrawn consents only.
	if p, ok := st.pdfs[pdfKey{c.ID, consent.PDFKindWithdrawn}]; ok && c.Status == consent.StatusWithdrawn {
		info := p.Info
		c.WithdrawalPDF = &info
	}
	c.Successors = st.successors(c.ID)
	return &c
}

// consentCursor is the position after a page's last consent in the list's
// (created_at DESC, id DESC) order.
type consentCursor struct {
	CreatedMS int64  `json:"t"`
	ID        string `json:"id"`
}

func (c consentCursor) after(x consent.Consent) bool {
	t := x.CreatedAt.UnixMilli()
	return t < c.CreatedMS || (t == c.CreatedMS && x.ID < c.ID)
}

// matches applies a filter's patient, status, template and flag conditions;
// with f.Now set, a pending consent past its expiry counts as expired. The
// flags are the domain's own derivation (consent.DeriveFlags), which the
// databases' queries must agree with.
func (st *state) matches(c consent.Consent, f consent.ConsentFilter) bool {
	status := c.Status
	if !f.Now.IsZero() && status == consent.StatusPending && !ms(f.Now).Before(c.ExpiresAt) {
		status = consent.StatusExpired
	}
	if !((f.PatientID == "" || c.Patient.ID == f.PatientID) && (f.Status == "" || status == f.Status) &&
		(f.TemplateSlug == "" || c.TemplateSlug == f.TemplateSlug)) {
		return false
	}
	if f.ReconsentDue || f.RenewalDue {
		d := st.withParts(c)
		consent.DeriveFlags(d, st.versionsOf(c.TemplateSlug), ms(f.Now))
		return (!f.ReconsentDue || d.ReconsentDue != nil) && (!f.RenewalDue || d.RenewalDue != nil)
	}
	return true
}

// versionsOf returns a template's versions, oldest first.
func (st *state) versionsOf(slug string) []*consent.TemplateVersion {
	var out []*consent.TemplateVersion
	for k, v := range st.versions {
		if k.slug == slug {
			out = append(out, &v)
		}
	}
	slices.SortFunc(out, func(a, b *consent.TemplateVersion) int { return cmp.Compare(a.Version, b.Version) })
	return out
}

// successors returns the re-consents made from consent id, oldest first.
func (st *state) successors(id string) []consent.Successor {
	var list []consent.Consent
	for _, x := range st.consents {
		if x.Supersedes == id {
			list = append(list, x)
		}
	}
	slices.SortFunc(list, func(a, b consent.Consent) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	var out []consent.Successor
	for _, x := range list {
		out = append(out, consent.Successor{ID: x.ID, Status: x.Status, ExpiresAt: x.ExpiresAt})
	}
	return out
}

// ListReconsentCandidates returns up to limit consents of slug signed on a
// version below before, still signed and not superseded by a signed
// re-consent, with IDs above afterID, in ID order.
func (t *tx) ListReconsentCandidates(ctx context.Context, slug string, before int, afterID string, limit int) ([]*consent.Consent, error) {
	st := t.w
	var list []*consent.Consent
	for _, c := range st.consents {
		if c.TemplateSlug != slug || c.TemplateVersion >= before || c.Status != consent.StatusSigned || c.ID <= afterID {
			continue
		}
		d := st.withParts(c)
		if slices.ContainsFunc(d.Successors, func(s consent.Successor) bool {
			return s.Status == consent.StatusSigned || s.Status == consent.StatusWithdrawn || s.Status == consent.StatusVoided
		}) {
			continue
		}
		list = append(list, d)
	}
	slices.SortFunc(list, func(a, b *consent.Consent) int { return cmp.Compare(a.ID, b.ID) })
	return list[:min(len(list), limit)], nil
}

// ListConsents returns a page of consents, newest first, and the cursor of
// the next page ("" at the end); EINVALID for a cursor it did not return.
func (v view) ListConsents(ctx context.Context, f consent.ConsentFilter) ([]*consent.Consent, string, error) {
	var cur *consentCursor
	if f.Cursor != "" {
		var c consentCursor
		b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
		if err == nil {
			err = json.Unmarshal(b, &c)
		}
		if err != nil || c.ID == "" {
			return nil, "", consent.FieldErrorf(consent.EINVALID, "cursor", "is not a cursor this server returned.")
		}
		cur = &c
	}
	st := v.st()
	var list []consent.Consent
	for _, c := range st.consents {
		if st.matches(c, f) && (cur == nil || cur.after(c)) {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b consent.Consent) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	limit := consent.PageSize(f.Limit, consent.DefaultPageSize, consent.MaxPageSize)
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		b, _ := json.Marshal(consentCursor{CreatedMS: last.CreatedAt.UnixMilli(), ID: last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	var out []*consent.Consent
	for _, c := range list {
		out = append(out, st.withParts(c))
	}
	return out, next, nil
}

// ListConsentSummaries returns SummaryOf each consent ListConsents returns,
// with the same cursor.
func (v view) ListConsentSummaries(ctx context.Context, f consent.ConsentFilter) ([]*consent.Consent, string, error) {
	list, next, err := v.ListConsents(ctx, f)
	for i, c := range list {
		list[i] = consent.SummaryOf(c)
	}
	return list, next, err
}

// CountConsents counts the consents a filter matches (its cursor and limit
// are ignored).
func (v view) CountConsents(ctx context.Context, f consent.ConsentFilter) (int, error) {
	n := 0
	st := v.st()
	for _, c := range st.consents {
		if st.matches(c, f) {
			n++
		}
	}
	return n, nil
}

// ListExpiredPending returns up to limit pending consents whose expires_at
// <= now, soonest expired first.
func (v view) ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]*consent.Consent, error) {
	st := v.st()
	var list []consent.Consent
	for _, c := range st.consents {
		if c.Status == consent.StatusPending && !c.ExpiresAt.After(ms(now)) {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b consent.Consent) int {
		return cmp.Or(a.ExpiresAt.Compare(b.ExpiresAt), cmp.Compare(a.ID, b.ID))
	})
	list = list[:min(len(list), consent.PageSize(limit, consent.DefaultPageSize, consent.MaxAuditPageSize))]
	var out []*consent.Consent
	for _, c := range list {
		out = append(out, st.withParts(c))
	}
	return out, nil
}

// FindPDF returns a consent's sealed PDF with its bytes; ENOTFOUND if none.
func (v view) FindPDF(ctx context.Context, consentID string) (*consent.SealedPDF, error) {
	p, ok := v.st().pdfs[pdfKey{consentID, ""}]
	if !ok {
		return nil, notFound("PDF not found.")
	}
	p.Bytes = slices.Clone(p.Bytes)
	return &p, nil
}

// FindAdditionalPDF returns a consent's sealed PDF of kind; ENOTFOUND if none.
func (v view) FindAdditionalPDF(ctx context.Context, consentID, kind string) (*consent.SealedPDF, error) {
	p, ok := v.st().pdfs[pdfKey{consentID, kind}]
	if !ok || kind == "" || kind == consent.PDFKindSigned {
		return nil, notFound("PDF not found.")
	}
	p.Bytes = slices.Clone(p.Bytes)
	return &p, nil
}

// CreateConsent stores a new consent; ENOTFOUND if its template version does
// not exist, ECONFLICT if its ID or a signing secret is taken.
func (t *tx) CreateConsent(ctx context.Context, c *consent.Consent) error {
	w := t.w
	if _, ok := w.versions[versionKey{c.TemplateSlug, c.TemplateVersion}]; !ok {
		return notFound("Template version not found.")
	} else if _, ok := w.consents[c.Supersedes]; c.Supersedes != "" && !ok {
		return notFound("The consent it supersedes does not exist.")
	}
	taken := func(x consent.Consent) bool {
		return x.ID == c.ID || (c.SigningTokenHash != "" && x.SigningTokenHash == c.SigningTokenHash) ||
			(c.SigningCodeHash != "" && x.SigningCodeHash == c.SigningCodeHash)
	}
	for _, x := range w.consents {
		if taken(x) {
			return conflict("A consent with this ID or signing secret already exists.")
		}
	}
	row := *c
	row.Variables, row.Documents = maps.Clone(c.Variables), maps.Clone(c.Documents)
	row.CreatedAt, row.ExpiresAt = ms(c.CreatedAt), ms(c.ExpiresAt)
	row.SignedAt, row.StatusChangedAt = msPtr(c.SignedAt), msPtr(c.StatusChangedAt)
	row.Signatures, row.Acknowledgments, row.Answers, row.PDF, row.WithdrawalPDF = nil, nil, nil, nil, nil
	row.Successors, row.SupersededBy, row.ReconsentDue, row.RenewalDue = nil, "", nil, nil
	w.consents[c.ID] = row
	return nil
}

// TransitionConsent moves a consent from one status to another; ECONFLICT
// if its status is not from or the move is not a legal transition.
func (t *tx) TransitionConsent(ctx context.Context, id, from, to string, at time.Time, reason string) error {
	if !consent.CanTransition(from, to) {
		return conflict("A consent cannot move from " + from + " to " + to + ".")
	}
	c, ok := t.w.consents[id]
	switch {
	case !ok:
		return notFound("Consent not found.")
	case c.Status != from:
		return conflict("The consent is not " + from + ".")
	}
	at = ms(at)
	c.Status, c.StatusChangedAt, c.StatusReason = to, &at, reason
	if to == consent.StatusSigned {
		c.SignedAt = &at
	}
	t.w.consents[id] = c
	return nil
}

// SetConsentLocale fixes the locale; once a signature is stored it may not
// change (ECONFLICT), nor on a consent that is no longer pending.
func (t *tx) SetConsentLocale(ctx context.Context, id, locale string) error {
	c, ok := t.w.consents[id]
	switch {
	case !ok:
		return notFound("Consent not found.")
	case c.Status != consent.StatusPending || (c.Locale != locale && len(t.w.signatures[id]) > 0):
		return conflict("The consent's locale can no longer change.")
	}
	c.Locale = locale
	t.w.consents[id] = c
	return nil
}
