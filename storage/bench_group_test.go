package storage_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

// BenchmarkSigningCommits measures the storage side of signing from many
// clients at once (SQLite in a temp dir, synchronous=FULL; PostgreSQL with
// CONSENTD_TEST_POSTGRES_URL): one op is a consent's creation (row + event)
// and its completing signature (check, signature, status change, 50 KB PDF,
// two events that vouch for the rows), each its own unit of work, through
// Update (one commit and fsync per unit: before) or UpdateGrouped (after).
// It reports signed consents/s, commits/s and units per commit.
func BenchmarkSigningCommits(b *testing.B) {
	for _, mode := range []string{"update", "grouped"} {
		b.Run(mode, func(b *testing.B) {
			db, _ := openDir(b)
			seedTemplate(b, db, "k")
			write := db.Update
			if mode == "grouped" {
				write = db.UpdateGrouped
			}
			var n atomic.Int64
			pdf := make([]byte, 50_000)
			before := db.GroupStats()
			b.SetParallelism(16) // 16 × GOMAXPROCS clients, as under the load tool
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprintf("B%08d", n.Add(1))
					if err := write(context.Background(), createUnit(id, nil)); err != nil {
						b.Error(err)
						return
					}
					if err := write(context.Background(), signUnit(id, pdf)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			ops := float64(n.Load())
			b.ReportMetric(ops/elapsed.Seconds(), "signed/s")
			commits := 2 * ops // Update: one commit per unit
			if mode == "grouped" {
				commits = float64(db.GroupStats().Commits - before.Commits)
			}
			b.ReportMetric(commits/elapsed.Seconds(), "commits/s")
			b.ReportMetric(2*ops/commits, "units/commit")
			if seq, reason, err := db.VerifyAudit(context.Background()); seq != 0 || err != nil {
				b.Fatalf("VerifyAudit = %d %q %v", seq, reason, err)
			}
		})
	}
}

// signUnit completes consent id as commitSignature does: re-read and check,
// signature, transition, sealed PDF, events vouching for them.
func signUnit(id string, pdfBytes []byte) func(tx consent.Tx) error {
	return func(tx consent.Tx) error {
		ctx := context.Background()
		before, err := tx.Consents().FindConsentByID(ctx, id)
		if err != nil {
			return err
		} else if before.Status != consent.StatusPending {
			return consent.Errorf(consent.ECONFLICT, "not pending")
		}
		sig := newSignature("S"+id, id, consent.RoleClinician)
		at := sig.SignedAt
		pdf := &consent.SealedPDF{ConsentID: id, Bytes: pdfBytes, Info: consent.PDFInfo{SHA256: "sha", Size: len(pdfBytes),
			CertSHA256: "cert", CreatedAt: at}}
		after := *before
		after.Status, after.SignedAt, after.StatusChangedAt, after.PDF = consent.StatusSigned, &at, &at, &pdf.Info
		after.Signatures = append(after.Signatures, *sig)
		if err := tx.Consents().CreateSignature(ctx, sig); err != nil {
			return err
		} else if err := tx.Consents().TransitionConsent(ctx, id, consent.StatusPending, consent.StatusSigned, at, ""); err != nil {
			return err
		} else if err := tx.Consents().StorePDF(ctx, pdf); err != nil {
			return err
		} else if err := tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventSignatureRecorded, ConsentID: id,
			Rows: []consent.Row{sig}}); err != nil {
			return err
		}
		return tx.Audit().AppendAudit(ctx, &consent.AuditEvent{Type: consent.EventConsentSigned, ConsentID: id,
			Rows: []consent.Row{&after, pdf}, RowsBefore: []consent.Row{before}})
	}
}
