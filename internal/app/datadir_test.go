package app

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDataDirPermissionsTightened opens a data directory that a restore or a
// permissive umask left readable to group and others: open makes it 0700 and
// its files 0600, and reports each change for the start log.
func TestDataDirPermissionsTightened(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := Default()
	cfg.DataDir = dir
	a, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	mode := func(p string) fs.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	db, secret, keys := filepath.Join(dir, "consentd.db"), filepath.Join(dir, "secret.key"), filepath.Join(dir, "keys")
	for _, p := range []string{db, secret} {
		if m := mode(p); m != 0o600 {
			t.Errorf("fresh %s: %v, want 0600", filepath.Base(p), m)
		}
	}
	for p, m := range map[string]fs.FileMode{dir: 0o755, keys: 0o750, db: 0o644, secret: 0o640} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	a, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var fixed []string
	for _, f := range a.permissionFixes {
		if f.err != nil {
			t.Errorf("%s: %v", f.path, f.err)
		}
		fixed = append(fixed, f.path)
	}
	for p, want := range map[string]fs.FileMode{dir: 0o700, keys: 0o700, db: 0o600, secret: 0o600} {
		if m := mode(p); m != want {
			t.Errorf("%s: %v, want %v", p, m, want)
		}
		if !slices.Contains(fixed, p) {
			t.Errorf("%s tightened without a warning (reported: %v)", p, fixed)
		}
	}
}
