package pdf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestRenderBytesUnchanged renders a spread of documents — the ketamine
// consent in English and Spanish, the fixture consent for patients in
// right-to-left, CJK, Cyrillic and Latin Extended scripts, with a PNG mark,
// a QR code, and a withdrawal copy — and compares the SHA-256 of each with
// pdf/testdata/render-sha256.txt. The hashes were first taken on main
// before issue 12's rendering work (b2bb2d2), and the caches and the patched
// gofpdf left every byte as it was; they were regenerated once, on purpose,
// when the page streams moved to klauspost/compress (other deflate bytes,
// the same inflated content: TestCompressStreamsMatchesGofpdf). Caches must
// not change a byte. After an intended change to the output, regenerate with
//
//	UPDATE_GOLDEN=1 go test ./pdf -run TestRenderBytesUnchanged
//
// and say so in the commit.
func TestRenderBytesUnchanged(t *testing.T) {
	docs := map[string][]byte{}
	for _, l := range []string{"en", "es"} {
		docs["ketamine-"+l] = renderKetamine(t, l)
	}
	names := map[string][2]string{"rtl": {"محمد پریسا", "عبد الله (MRN 42) דוד כהן"}, "cjk": {"小明 さくら 민준", "王 陳美麗 山田"},
		"cyrillic": {"Иван", "Петров"}, "latin-ext": {"Łucja Ŵyn", "Wałęsa-Nguyễn"}}
	for name, n := range names {
		c := namedConsent(t, n[0], n[1])
		b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena", TimeZone: madrid(t),
			VerifyURL: testVerifyURL(c.ID)})
		if err != nil {
			t.Fatal(err)
		}
		docs["fixture-"+name] = b
	}
	c := fixtureConsent(t, "es")
	when := c.SignedAt.Add(30 * 24 * time.Hour)
	b, err := Render(c, fixtureEvents(c), RenderOptions{ClinicName: "Clínica Serena", Withdrawal: &Withdrawal{At: when,
		Reason: "Eligió otro tratamiento", SignedSHA256: strings.Repeat("ab", 32)}})
	if err != nil {
		t.Fatal(err)
	}
	docs["withdrawal-es"] = b

	var lines []string
	for name, b := range docs {
		sum := sha256.Sum256(b)
		lines = append(lines, fmt.Sprintf("%s %s", hex.EncodeToString(sum[:]), name))
	}
	sort.Strings(lines)
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "render-sha256.txt")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (regenerate with UPDATE_GOLDEN=1)", err)
	}
	if got != string(want) {
		t.Errorf("rendered bytes changed:\ngot\n%swant\n%s", got, want)
	}
}
