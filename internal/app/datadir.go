package app

import (
	"io/fs"
	"os"
	"path/filepath"
)

// permissionFix is one data-dir entry whose permissions were tightened.
type permissionFix struct {
	path     string
	was, now fs.FileMode
	err      error // the change failed (e.g. a file owned by another user)
}

// tightenDataDir makes the data directory private to the service's user:
// it holds the database (patient data), the secret key, the sealing keys and
// the audit head. A directory or file that group or others may read, write
// or enter (an old install, a restored backup, a permissive umask) is set to
// 0700 (directories) or 0600 (files), and reported so the start log can warn.
// Symbolic links are not followed; a change that fails (a file owned by
// another user) is reported, not fatal.
func tightenDataDir(dir string) ([]permissionFix, error) {
	var fixes []permissionFix
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 || !(d.IsDir() || d.Type().IsRegular()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		perm := info.Mode().Perm()
		if perm&0o077 == 0 {
			return nil
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		fixes = append(fixes, permissionFix{path: path, was: perm, now: want, err: os.Chmod(path, want)})
		return nil
	})
	return fixes, err
}
