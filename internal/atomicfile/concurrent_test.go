package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestWriteConcurrentWritersAndReader: two writers replacing one file (the
// server and `consentd apikey revoke` both write the audit head) while a
// reader reads it (a second process opening the database, `consentd audit
// verify`): the reader only ever sees one whole content, never a torn or
// empty file. An earlier speed-up wrote each new content into one reused
// spare file and exchanged the two names; it failed this test (thousands of
// torn reads in 24 000), because a reader holding the previous file found
// it truncated when it became the spare, and two processes shared the spare.
func TestWriteConcurrentWritersAndReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit-head.json")
	if err := Write(path, bytes.Repeat([]byte("A"), 4096)); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var torn, reads atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			got, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			reads.Add(1)
			if len(got) != 4096 || bytes.Count(got, got[:1]) != 4096 {
				torn.Add(1)
			}
		}
	}()
	var wg sync.WaitGroup
	for _, c := range []byte{'A', 'B'} {
		wg.Go(func() {
			for range 300 {
				if err := Write(path, bytes.Repeat([]byte{c}, 4096)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	<-done
	if n := torn.Load(); n > 0 {
		t.Errorf("a reader saw a torn or empty file %d times in %d reads", n, reads.Load())
	}
}
