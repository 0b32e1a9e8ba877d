package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/storage"
)

func BenchmarkCreateConsent(b *testing.B) {
	ctx := context.Background()
	db, _ := openDir(b)
	seedTemplate(b, db, "k")
	i := 0
	for b.Loop() {
		i++
		c := newConsent(fmt.Sprintf("C%08d", i), "k", t0)
		if err := db.Update(ctx, func(tx consent.Tx) error { return tx.Consents().CreateConsent(ctx, c) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindConsentByID(b *testing.B) {
	ctx := context.Background()
	db := readBenchDB(b)
	for b.Loop() {
		if _, err := db.FindConsentByID(ctx, "C050"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindConsentSummary is BenchmarkFindConsentByID's consent loaded
// for the summary view, its document hashes cached after the first read.
func BenchmarkFindConsentSummary(b *testing.B) {
	ctx := context.Background()
	db := readBenchDB(b)
	for b.Loop() {
		if _, err := db.FindConsentSummary(ctx, "C050"); err != nil {
			b.Fatal(err)
		}
	}
}

// readBenchDB returns a database of 100 consents, C050 with an
// acknowledgment, two signatures and its PDF.
func readBenchDB(b *testing.B) *storage.DB {
	ctx := context.Background()
	db, _ := openDir(b)
	seedTemplate(b, db, "k")
	for i := range 100 {
		createConsent(b, db, newConsent(fmt.Sprintf("C%03d", i), "k", t0))
	}
	update(b, db, func(tx consent.Tx) error {
		for _, err := range []error{
			tx.Consents().CreateAcknowledgment(ctx, &consent.Acknowledgment{ConsentID: "C050", SectionKey: "risks", At: t0}),
			tx.Consents().CreateSignature(ctx, newSignature("S1", "C050", consent.RolePatient)),
			tx.Consents().CreateSignature(ctx, newSignature("S2", "C050", consent.RoleClinician)),
			tx.Consents().StorePDF(ctx, &consent.SealedPDF{ConsentID: "C050", Bytes: make([]byte, 73_000)}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	return db
}

// BenchmarkAppendAudit appends one event per durable commit, one caller at a time.
func BenchmarkAppendAudit(b *testing.B) {
	ctx := context.Background()
	db, _ := openDir(b)
	i := 0
	for b.Loop() {
		i++
		if err := db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C1", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendAuditInUpdate appends one event inside an Update, as writes do.
func BenchmarkAppendAuditInUpdate(b *testing.B) {
	ctx := context.Background()
	db, _ := openDir(b)
	i := 0
	for b.Loop() {
		i++
		e := auditEvent(consent.EventConsentViewed, "C1", i)
		if err := db.Update(ctx, func(tx consent.Tx) error { return tx.Audit().AppendAudit(ctx, e) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendAuditEventsParallel is the audited-read hot path: many
// request goroutines each append one event and wait until it is durable; the
// writer groups them into shared commits.
func BenchmarkAppendAuditEventsParallel(b *testing.B) {
	ctx := context.Background()
	db, _ := openDir(b)
	b.SetParallelism(32) // many more waiting requests than cores, as under load
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if err := db.AppendAuditEvents(ctx, auditEvent(consent.EventConsentViewed, "C1", i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if seq, reason, err := db.VerifyAudit(ctx); seq != 0 || err != nil {
		b.Fatalf("VerifyAudit = %d %q %v", seq, reason, err)
	}
}
