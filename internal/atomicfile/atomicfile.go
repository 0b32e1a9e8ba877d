// Package atomicfile replaces small files (keys, the audit head) so that a
// reader or a crash sees either the old or the new content, never a torn file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, mode 0600: a synced temporary file in the same
// directory, renamed over path. The directory is not synced: after a crash the
// file holds the new or the previous content.
func Write(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := writeSynced(f, data); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeSynced writes data to f, syncs it to disk and closes f.
func writeSynced(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
