package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

// TestVerifyCLIRefusesJunk checks `consentd verify` applies the same bounds
// as POST /v1/verify: junk behind a PDF header is refused by the structure
// check (the PDF library took minutes on it) and a file larger than any
// sealed consent is not read.
func TestVerifyCLIRefusesJunk(t *testing.T) {
	dir := t.TempDir()
	vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(dir, "data")})
	junk := make([]byte, 2<<20)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	copy(junk, "%PDF-1.4\n")
	files := map[string][]byte{"junk.pdf": junk, "huge.pdf": make([]byte, consent.MaxSealedPDFBytes+1)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"junk.pdf": "INVALID: Not a sealed consent PDF", "huge.pdf": "INVALID: larger than"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"verify", filepath.Join(dir, name)}, vars, &out)
		if err != exitError(1) || !strings.Contains(out.String(), want) {
			t.Errorf("verify %s: %v %q, want exit 1 and %q", name, err, out.String(), want)
		}
	}
}
