package consenttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// RunStoreContract checks that a consent.Store keeps the promises the domain
// relies on: error codes, uniqueness, transitions guarded by the expected
// status, append-only records, the audit chain, idempotency, counters, list
// order, paging and filters, and transactions that roll back on error and
// read their own writes. open returns a fresh, empty store for each subtest;
// its audit events must be sealed with the key the store verifies with.
// The in-memory Store, SQLite and PostgreSQL all run it.
func RunStoreContract(t *testing.T, open func(t *testing.T) consent.Store) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, st consent.Store)
	}{
		{"Transactions", contractTransactions},
		{"GroupedUpdates", contractGroupedUpdates},
		{"Templates", contractTemplates},
		{"TemplateLifecycle", contractTemplateLifecycle},
		{"TemplateApprovals", contractApprovals},
		{"Consents", contractConsents},
		{"ConsentSummary", contractConsentSummary},
		{"ConsentState", contractConsentState},
		{"ConsentTransitions", contractTransitions},
		{"ConsentDocuments", contractDocuments},
		{"Signatures", contractSignatures},
		{"Acknowledgments", contractAcknowledgments},
		{"PDFs", contractPDFs},
		{"Answers", contractAnswers},
		{"ConsentList", contractConsentList},
		{"ExpiredPending", contractExpiredPending},
		{"Reconsent", contractReconsent},
		{"DownloadLinks", contractLinks},
		{"Access", contractAccess},
		{"Idempotency", contractIdempotency},
		{"Counters", contractCounters},
		{"AuditChain", contractAuditChain},
		{"AuditAppendMany", contractAuditAppendMany},
		{"AuditLists", contractAuditLists},
		{"AuditVerify", contractAuditVerify},
		{"Checkpoints", contractCheckpoints},
		{"Webhooks", contractWebhooks},
		{"Deliveries", contractDeliveries},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// T0 is the time the contract's records are made at: stores keep
// milliseconds, so it has some.
var T0 = time.Date(2026, 3, 2, 10, 0, 0, 123_000_000, time.UTC)

// statusCase is one guarded status change tried on the record with id:
// from what it must be, to what, and the error code expected ("" for none).
type statusCase struct {
	name, id, from, to, code string
}

// update runs fn in a transaction and fails the test on error.
func update(t *testing.T, st consent.Store, fn func(tx consent.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// wantCode fails the test unless err carries code ("" for no error).
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := consent.ErrorCode(err); (err == nil) != (code == "") || (err != nil && got != code) {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// must fails the test at once on an error.
func must[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// same fails the test unless got and want hold the same values, nil and
// empty slices and maps alike (a JSON column does not keep the difference,
// and the domain does not rely on it).
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Slice {
		out := "["
		for i := range rv.Len() {
			out += show(rv.Index(i).Interface()) + " "
		}
		return out + "]"
	}
	if rv.IsValid() {
		return fmt.Sprintf("%+v", rv.Interface())
	}
	return "<nil>"
}

func equal(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Map:
		if a.Len() == 0 && b.Len() == 0 {
			return true
		}
		if a.Len() != b.Len() {
			return false
		}
		if a.Kind() == reflect.Map {
			for _, k := range a.MapKeys() {
				if bv := b.MapIndex(k); !bv.IsValid() || !equal(a.MapIndex(k), bv) {
					return false
				}
			}
			return true
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Struct:
		if t, ok := a.Interface().(time.Time); ok {
			return t.Equal(b.Interface().(time.Time))
		}
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// contractTransactions: an error rolls everything back; a transaction reads
// its own writes; reads outside it see only what was committed.
func contractTransactions(t *testing.T, st consent.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx consent.Tx) error {
		if err := tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "gone", Title: "Gone", CreatedAt: T0}); err != nil {
			return err
		}
		if err := tx.Access().CreateStaff(ctx, &consent.Staff{ID: "st1", Name: "A", Role: consent.RoleClinician, PINHash: "h", CreatedAt: T0}); err != nil {
			return err
		}
		if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: "test.rolled_back", At: T0}); err != nil {
			return err
		}
		// Reads inside see the writes; reads outside do not yet.
		if _, err := tx.Templates().FindTemplate(ctx, "gone"); err != nil {
			return fmt.Errorf("own write not visible: %w", err)
		}
		if _, err := tx.Access().FindStaff(ctx, "st1"); err != nil {
			return fmt.Errorf("own write not visible: %w", err)
		}
		if _, err := st.Templates().FindTemplate(ctx, "gone"); consent.ErrorCode(err) != consent.ENOTFOUND {
			return fmt.Errorf("uncommitted write visible outside the transaction (err %v)", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's own error", err)
	}
	_, err = st.Templates().FindTemplate(ctx, "gone")
	wantCode(t, "template after rollback", err, consent.ENOTFOUND)
	_, err = st.Access().FindStaff(ctx, "st1")
	wantCode(t, "staff after rollback", err, consent.ENOTFOUND)
	head := must[consent.AuditHead](t, "chain head")(st.Audit().AuditChainHead(ctx))
	same(t, "audit chain after rollback", head.Seq, int64(0))

	// A domain error from fn comes back as it was, code included.
	err = st.Update(ctx, func(tx consent.Tx) error { return consent.Errorf(consent.EGONE, "gone") })
	wantCode(t, "fn's domain error", err, consent.EGONE)

	// A committed transaction is visible afterwards.
	update(t, st, func(tx consent.Tx) error {
		return tx.Templates().CreateTemplate(ctx, &consent.Template{Slug: "kept", Title: "Kept", CreatedAt: T0})
	})
	got := must[*consent.Template](t, "find committed")(st.Templates().FindTemplate(ctx, "kept"))
	same(t, "committed template", got, &consent.Template{Slug: "kept", Title: "Kept", CreatedAt: T0})
}
