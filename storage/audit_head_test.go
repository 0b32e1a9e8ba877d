package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestAdvanceHeadOnlyMovesForward(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	db, err := Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if head, err := db.LastAuditHead(ctx); err != nil || head != nil {
		t.Fatalf("fresh database head = %+v, %v; want none", head, err)
	}
	newer := consent.AuditHead{Seq: 5, Hash: "h5", MAC: consent.AuditMAC(testKey, 5, "h5")}
	db.advanceHead(newer)
	db.advanceHead(consent.AuditHead{Seq: 4, Hash: "h4", MAC: "m4"}) // a slower commit reporting late
	got, err := db.LastAuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&newer, got); diff != "" {
		t.Errorf("head (-want +got):\n%s", diff)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

// A corrupt head file is a sign of tampering: the database does not open
// (and so cannot overwrite the evidence) until an operator looks at it.
func TestCorruptHeadFileRefusesOpen(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	if err := os.WriteFile(filepath.Join(dir, headFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey}); err == nil {
		db.Close()
		t.Fatal("Open with a corrupt audit head succeeded")
	}
}

// A head that cannot be written does not undo the commit, but Ping (readiness)
// reports it until a later commit writes the head again.
func TestHeadWriteFailureFailsPing(t *testing.T) {
	ctx := context.Background()
	dir, url := t.TempDir(), testURL(t)
	db, err := Open(ctx, Config{DataDir: dir, URL: url, AuditKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	blocker := filepath.Join(dir, headFile, "x") // a directory where the file belongs
	if err := os.MkdirAll(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	e := &consent.AuditEvent{Type: consent.EventConsentViewed}
	if err := db.AppendAuditEvents(ctx, e); err != nil {
		t.Fatalf("append = %v; the commit itself succeeded", err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Fatal("Ping = nil while the audit head cannot be written")
	}
	if err := os.RemoveAll(filepath.Join(dir, headFile)); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAuditEvents(ctx, &consent.AuditEvent{Type: consent.EventConsentViewed}); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after recovery = %v", err)
	}
	if head, err := db.LastAuditHead(ctx); err != nil || head == nil || head.Seq != 2 {
		t.Fatalf("head = %+v, %v; want seq 2", head, err)
	}
}
