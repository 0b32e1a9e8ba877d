package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGivenSecret: a secret from the environment or a file is used as it is
// and no secret.key is written; one that differs from a secret.key an
// earlier start created is refused, because what that start wrote would no
// longer verify.
func TestGivenSecret(t *testing.T) {
	ctx := context.Background()
	open := func(cfg Config) (*App, error) {
		a, err := New(ctx, cfg)
		if err == nil {
			a.Close()
		}
		return a, err
	}
	cfg := Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Secret = bytes.Repeat([]byte{7}, 32)
	a, err := open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.secret, cfg.Secret) {
		t.Error("the given secret was not used")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, secretFileName)); err == nil {
		t.Error("a secret.key was written beside a given secret")
	}

	generated := Default()
	generated.DataDir = filepath.Join(t.TempDir(), "data")
	if _, err := open(generated); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(generated.DataDir, secretFileName))
	if err != nil {
		t.Fatal(err)
	}
	generated.Secret = cfg.Secret
	if _, err := open(generated); err == nil || !strings.Contains(err.Error(), "differs from") {
		t.Fatalf("a secret other than the data dir's: %v", err)
	}
	generated.Secret = old // the same secret, now given: fine
	if _, err := open(generated); err != nil {
		t.Fatalf("the data dir's own secret, given: %v", err)
	}
	generated.Secret, generated.SecretFile = nil, filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(generated.SecretFile, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := open(generated); err != nil || !bytes.Equal(a.secret, old) {
		t.Fatalf("the data dir's secret.key copied to a mounted file: %v", err)
	}
}

// TestExistingAuditKey: tools that read a database an earlier start wrote
// (migrate-db, the seeder) get the audit key of the secret that start used,
// from secret.key or as given, and never a new secret. The derivation is
// pinned: audit MACs written with it must verify forever.
func TestExistingAuditKey(t *testing.T) {
	const pinned = "e8d966b56ca33d049a3f4327ee9cfb2d04211e6fad3725004f83eeff3a566431" // HMAC-SHA256(32 bytes of 7, "consentd|audit-log")
	seven := bytes.Repeat([]byte{7}, 32)

	empty := t.TempDir()
	if _, err := ExistingAuditKey(Config{DataDir: empty}); err == nil || !strings.Contains(err.Error(), "secret.key") {
		t.Errorf("no secret: %v, want an error naming secret.key", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "secret.key")); err == nil {
		t.Error("ExistingAuditKey created a secret.key")
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), seven, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{"secret.key": {DataDir: dir}, "given": {DataDir: t.TempDir(), Secret: seven}} {
		if k, err := ExistingAuditKey(cfg); err != nil || hex.EncodeToString(k) != pinned {
			t.Errorf("%s: %x %v, want %s", name, k, err, pinned)
		}
	}
	if _, err := ExistingAuditKey(Config{DataDir: dir, Secret: bytes.Repeat([]byte{8}, 32)}); err == nil {
		t.Error("a given secret that differs from secret.key was accepted")
	}
}
