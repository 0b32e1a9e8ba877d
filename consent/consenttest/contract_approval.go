package consenttest

import (
	"context"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// contractApprovals: a version has at most one approval, stored as given,
// never changed; an approval needs its version and its approver.
func contractApprovals(t *testing.T, st consent.Store) {
	ctx := context.Background()
	seedTemplate(t, st, "tpl")
	md := &consent.Staff{ID: "md", Name: "Dr. Medical Director", Role: consent.RoleClinician, PINHash: "p", TemplateApprover: true, CreatedAt: T0}
	update(t, st, func(tx consent.Tx) error { return tx.Access().CreateStaff(ctx, md) })
	_, err := st.Templates().FindApproval(ctx, "tpl", 1)
	wantCode(t, "FindApproval while pending", err, consent.ENOTFOUND)

	a := &consent.TemplateApproval{Slug: "tpl", Version: 1, StaffID: "md", Name: "Dr. Medical Director",
		Meaning: consent.ApprovalMeaning, At: T0.Add(time.Hour),
		Evidence: consent.Evidence{Channel: "api", IP: "10.0.0.5", UserAgent: "ehr/1.0", Actor: "apikey:K1"}}
	update(t, st, func(tx consent.Tx) error {
		if err := tx.Templates().CreateApproval(ctx, a); err != nil {
			return err
		}
		got, err := tx.Templates().FindApproval(ctx, "tpl", 1) // a transaction reads its own writes
		same(t, "approval inside its transaction", got, a)
		return err
	})
	same(t, "FindApproval", must[*consent.TemplateApproval](t, "FindApproval")(st.Templates().FindApproval(ctx, "tpl", 1)), a)
	same(t, "FindStaff keeps the permission", must[*consent.Staff](t, "FindStaff")(st.Access().FindStaff(ctx, "md")), md)

	for _, tc := range []struct {
		name string
		a    consent.TemplateApproval
		code string
	}{
		{"a second approval", consent.TemplateApproval{Slug: "tpl", Version: 1, StaffID: "md", Name: "Again", At: T0}, consent.ECONFLICT},
		{"approval of an unknown version", consent.TemplateApproval{Slug: "tpl", Version: 9, StaffID: "md", Name: "X", At: T0}, consent.ENOTFOUND},
		{"approval by an unknown approver", consent.TemplateApproval{Slug: "tpl", Version: 1, StaffID: "zz", Name: "X", At: T0}, ""},
	} {
		err := st.Update(ctx, func(tx consent.Tx) error { return tx.Templates().CreateApproval(ctx, &tc.a) })
		if tc.code == "" { // ENOTFOUND or ECONFLICT: either refuses it
			if err == nil {
				t.Errorf("%s: stored", tc.name)
			}
			continue
		}
		wantCode(t, tc.name, err, tc.code)
	}
	same(t, "FindApproval after refused writes", must[*consent.TemplateApproval](t, "FindApproval")(st.Templates().FindApproval(ctx, "tpl", 1)), a)
}
