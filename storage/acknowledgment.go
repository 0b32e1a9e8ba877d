package storage

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/consentd/consentd/consent"
)

// ackColumns are the columns of an acknowledgment a statement writes, in
// the order of ackArgs.
const ackColumns = "consent_id, section_key, locale, at, channel, ip, user_agent, device_id, actor, client_time"

func ackArgs(a *consent.Acknowledgment) []any {
	e := a.Evidence
	return []any{a.ConsentID, a.SectionKey, a.Locale, toMS(a.At), e.Channel, e.IP, e.UserAgent, e.DeviceID, e.Actor, e.ClientTime}
}

// ackKey names the acknowledgments of one statement that only their IDs tell apart.
type ackKey struct{ consentID, section, locale string }

// CreateAcknowledgments stores acknowledgments with one multi-row INSERT
// (SQLite and PostgreSQL both return the new IDs) and sets their IDs in
// order; ENOTFOUND without the consent. The IDs are matched to the
// acknowledgments by what each row returns, not by the order of the rows,
// which neither database promises.
func (t *tx) CreateAcknowledgments(ctx context.Context, acks []consent.Acknowledgment) error {
	if len(acks) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO acknowledgments (" + ackColumns + ") VALUES ")
	args := make([]any, 0, len(acks)*10)
	for i := range acks {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, ackArgs(&acks[i])...)
	}
	b.WriteString(" RETURNING id, consent_id, section_key, locale")
	var rows []struct {
		ID        int64  `gorm:"column:id"`
		ConsentID string `gorm:"column:consent_id"`
		Section   string `gorm:"column:section_key"`
		Locale    string `gorm:"column:locale"`
	}
	if err := t.q(ctx).Raw(b.String(), args...).Scan(&rows).Error; err != nil {
		// An error met reading the returned rows reaches here as the
		// driver's, untranslated (PostgreSQL reports the foreign key so).
		if tr, ok := t.g.Dialector.(gorm.ErrorTranslator); ok {
			err = tr.Translate(err)
		}
		return translate("create acknowledgments", err, msgs{notFound: "Consent not found."})
	}
	ids := map[ackKey][]int64{}
	for _, r := range rows {
		k := ackKey{r.ConsentID, r.Section, r.Locale}
		ids[k] = append(ids[k], r.ID)
	}
	// Rows that share a key were inserted in order, so take their IDs in order.
	for _, l := range ids {
		slices.Sort(l)
	}
	for i := range acks {
		a := &acks[i]
		k := ackKey{a.ConsentID, a.SectionKey, a.Locale}
		if len(ids[k]) == 0 {
			return consent.Errorf(consent.EINTERNAL, "create acknowledgments: no ID returned for section %s", a.SectionKey)
		}
		a.ID, ids[k] = ids[k][0], ids[k][1:]
	}
	return nil
}
