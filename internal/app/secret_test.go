package app

import (
	"bytes"
	"context"
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
