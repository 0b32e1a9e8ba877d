package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Slot replaces one file over and over (the audit head, after every audit
// commit) with Write's guarantee: a reader or a crash sees the old or the
// new content, never a torn file. Where the file system can exchange two
// names atomically (Linux renameat2 RENAME_EXCHANGE: ext4, xfs, btrfs,
// tmpfs), the new content is written and synced into a spare file beside it,
// which is then exchanged with the file: the spare keeps the previous
// content for the next write, so no file is created or removed per write.
// Creating the temporary file and unlinking the replaced one were most of
// Write's cost, about a fifth of an audited read's CPU. Elsewhere each Write
// is Write. The spare is named "." + base + ".spare" and holds an older
// content of the file, never anything else.
type Slot struct {
	path, spare string
	mu          sync.Mutex
	noExchange  bool // the file system refused an exchange: use Write
}

// NewSlot returns the slot of path.
func NewSlot(path string) *Slot {
	return &Slot{path: path, spare: filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".spare")}
}

// Write replaces the slot's file with data, mode 0600, synced before it
// takes the file's name. The directory is not synced, as with Write.
func (s *Slot) Write(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noExchange {
		return Write(s.path, data)
	}
	f, err := os.OpenFile(s.spare, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := writeSynced(f, data); err != nil {
		return err
	}
	// An exchange would also move a directory or link standing at the path
	// aside, where a rename fails: only a regular file is exchanged.
	if fi, err := os.Lstat(s.path); err != nil || !fi.Mode().IsRegular() {
		return os.Rename(s.spare, s.path)
	}
	switch err := exchange(s.spare, s.path); {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist): // removed since Lstat
		return os.Rename(s.spare, s.path)
	case errors.Is(err, errNoExchange):
		s.noExchange = true
		return os.Rename(s.spare, s.path)
	default:
		return err
	}
}

// errNoExchange: the file system cannot exchange two names atomically.
var errNoExchange = errors.New("atomicfile: no atomic exchange here")
