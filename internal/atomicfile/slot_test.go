package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/consentd/consentd/internal/cputime"
)

// TestSlotWrite: each write replaces the file whole, mode 0600; on Linux the
// spare keeps the previous content (the names were exchanged, no file
// created per write), and no temporary file is left behind.
func TestSlotWrite(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, "head.json")
		s := NewSlot(p)
		s.noExchange = fallback
		for i, content := range []string{"first, the longest of all", "second", "third, longer"} {
			if err := s.Write([]byte(content)); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(p); err != nil || string(b) != content {
				t.Fatalf("fallback %v: read %q, %v; want %q", fallback, b, err, content)
			}
			fi, err := os.Stat(p)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("fallback %v: mode %v, %v", fallback, fi.Mode(), err)
			}
			spare, err := os.ReadFile(filepath.Join(dir, ".head.json.spare"))
			switch {
			case fallback || runtime.GOOS != "linux" || i == 0:
				if err == nil {
					t.Errorf("fallback %v, write %d: a spare file is left: %q", fallback, i, spare)
				}
			case s.noExchange:
				t.Logf("this file system cannot exchange names: every write is Write")
			case string(spare) != []string{"", "first, the longest of all", "second"}[i]:
				t.Errorf("write %d: the spare holds %q, want the previous content", i, spare)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	}
	if err := NewSlot(filepath.Join(t.TempDir(), "missing", "x")).Write(nil); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	// A directory where the file belongs fails the write, as with Write,
	// and stays where it is.
	blocked := filepath.Join(t.TempDir(), "head.json")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := NewSlot(blocked)
	if err := s.Write([]byte("new")); err == nil {
		t.Fatal("write over a directory succeeded")
	}
	if fi, err := os.Stat(filepath.Join(blocked, "x")); err != nil || !fi.IsDir() {
		t.Fatalf("the directory moved: %v", err)
	}
}

// BenchmarkSlotWrite compares Slot.Write with Write (a synced replace each).
func BenchmarkSlotWrite(b *testing.B) {
	data := []byte(`{"seq":123456,"hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","mac":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`)
	b.Run("Slot", func(b *testing.B) {
		s := NewSlot(filepath.Join(b.TempDir(), "head.json"))
		cpu := cputime.Used()
		for i := 0; i < b.N; i++ {
			if err := s.Write(data); err != nil {
				b.Fatal(err)
			}
		}
		cputime.Report(b, cpu)
	})
	b.Run("Write", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "head.json")
		cpu := cputime.Used()
		for i := 0; i < b.N; i++ {
			if err := Write(p, data); err != nil {
				b.Fatal(err)
			}
		}
		cputime.Report(b, cpu)
	})
}
