package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/pdf"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/internal/pgtest"
)

// checkpointService is the domain over one process's handle, signing
// checkpoints with a real sealing key.
func checkpointService(t *testing.T, db *storage.DB, sealer *pdf.Sealer) *consent.Service {
	t.Helper()
	n := 0
	return &consent.Service{Store: db, Checkpoints: sealer, Now: func() time.Time { return t0 },
		NewID: func() string { n++; return "W" + itoa(n) }}
}

// TestPostgresCheckpointsCatchTruncation: two processes share one
// PostgreSQL database, each with its own head file. The tail of the log is
// deleted (with the checkpoints stored beside it) below what one process
// wrote but above the other's head file: that process finds its chain and
// head intact, and only the checkpoints an EHR kept reveal the loss.
func TestPostgresCheckpointsCatchTruncation(t *testing.T) {
	ctx := context.Background()
	procs, url := openProcessesAt(t, 2)
	a, b := procs[0], procs[1]
	sealer, err := pdf.NewSealer(pdf.Config{DataDir: t.TempDir(), ClinicName: "Clinic"})
	if err != nil {
		t.Fatal(err)
	}
	seedChain(t, b, 5) // b's head file: seq 5
	seedChain(t, a, 5) // a's: seq 10
	svcA, svcB := checkpointService(t, a, sealer), checkpointService(t, b, sealer)
	cp, err := svcA.WriteCheckpoint(ctx, consent.CheckpointPolicy{Events: 1})
	if err != nil || cp == nil || cp.Seq != 10 {
		t.Fatalf("checkpoint: %+v, %v", cp, err)
	}
	ehr := []*consent.AuditCheckpoint{cp} // the copy delivered to the EHR

	raw := pgtest.Open(t, url)
	exec(t, raw, "DROP TRIGGER audit_events_no_delete ON audit_events; DROP TRIGGER audit_checkpoints_no_delete ON audit_checkpoints")
	exec(t, raw, "DELETE FROM audit_events WHERE seq > 7; DELETE FROM audit_checkpoints")

	if seq, reason, err := b.VerifyAudit(ctx); seq != 0 || reason != "" || err != nil {
		t.Fatalf("process b without checkpoints: %d %q %v; its head file is older than the cut, so it cannot tell", seq, reason, err)
	}
	if report, err := svcB.VerifyAuditIntegrity(ctx, nil, ""); err != nil || !report.Intact() {
		t.Fatalf("process b with the (deleted) stored checkpoints: %+v, %v", report, err)
	}
	report, err := svcB.VerifyAuditIntegrity(ctx, ehr, "ehr.json")
	if err != nil || report.Intact() || report.Faults[0].Seq != 8 || !strings.Contains(report.Faults[0].Reason, "vouches for seq 10") {
		t.Fatalf("process b with the EHR's checkpoints: %+v, %v", report, err)
	}
	if seq, reason, err := a.VerifyAudit(ctx); seq != 8 || !strings.Contains(reason, "truncated") || err != nil {
		t.Fatalf("process a, whose head file says 10: %d %q %v", seq, reason, err)
	}
}

// TestCheckpointIsRefusedForABrokenChain: a checkpoint vouches only for a
// chain that verifies since the previous one.
func TestCheckpointIsRefusedForABrokenChain(t *testing.T) {
	ctx := context.Background()
	db, dir := openDir(t)
	sealer, err := pdf.NewSealer(pdf.Config{DataDir: t.TempDir(), ClinicName: "Clinic"})
	if err != nil {
		t.Fatal(err)
	}
	svc := checkpointService(t, db, sealer)
	seedChain(t, db, 3)
	if cp, err := svc.WriteCheckpoint(ctx, consent.CheckpointPolicy{Events: 1}); err != nil || cp == nil {
		t.Fatalf("first checkpoint: %+v, %v", cp, err)
	}
	seedChain(t, db, 3)
	raw := rawDB(t, dir)
	unlock(t, raw)
	exec(t, raw, `UPDATE audit_events SET actor = 'someone else' WHERE seq = 5`)
	_, err = svc.WriteCheckpoint(ctx, consent.CheckpointPolicy{Events: 1})
	if consent.ErrorCode(err) != consent.ECONFLICT || !strings.Contains(err.Error(), "seq 5") {
		t.Fatalf("checkpoint over a changed event: %v, want a refusal naming seq 5", err)
	}
	if list, err := db.ListAuditCheckpoints(ctx, 0, 10); err != nil || len(list) != 1 {
		t.Fatalf("stored checkpoints: %d, %v; want only the first", len(list), err)
	}
}
