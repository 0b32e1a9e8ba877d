package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// coldRowDigest is RowDigest without the memo: every document is encoded
// from its map, as before the memo existed.
func coldRowDigest(t *testing.T, key []byte, c *Consent) string {
	t.Helper()
	content := c.RowContent()
	docs := map[string]any{}
	for code, d := range c.Documents {
		docs[code] = d.rowContent()
	}
	content["documents"] = docs
	b, err := CanonicalJSON(map[string]any{"table": TableConsents, "id": c.ID, "row": content})
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// memoConsent is a consent whose documents use every field a document
// stores, with text that needs escaping and characters beyond the BMP.
func memoConsent(id, text string) *Consent {
	c := testConsent(id, "1980-04-02")
	correct := 1
	c.Documents = map[string]Document{}
	for _, l := range []string{"en", "es", "zh"} {
		c.Documents[l] = Document{Locale: l, Title: "Ketamine \"IV\" " + l, Disclosure: "Records\n\t\\ 😀 " + text,
			DisclosureHTML: "<p>Records</p>", Meanings: map[string]string{"patient": "I agree", "clinician": "I explained"},
			ChangeSummary: "What changed: " + text, ChangeSummaryHTML: "<p>changed</p>", ContentSHA256: strings.Repeat("c", 64),
			Sections: []DocumentSection{
				{Key: "risks", Kind: "risks", Heading: "Risks", Body: text + " \u0001 é", BodyHTML: "<p>" + text + "</p>", RequiresAcknowledgment: true,
					Questions: []Question{{Key: "q1", Question: "Can you drive?", Choices: []string{"Yes", "No"}, Correct: &correct, Explanation: "See risks."}}},
				{Key: "plain", Kind: "other", Heading: "Plain", Body: "b"},
			}}
	}
	return c
}

// TestRowDigestGolden pins a consent's row digest as computed before frozen
// documents were memoized: old audit rows must keep verifying.
func TestRowDigestGolden(t *testing.T) {
	const want = "4647c14f6194d6b9b2268c9e04e906525470fa99e3e8595ddb13ccabe645de4d" // computed by the code before the memo
	// Cold, then from the memo.
	for i := range 3 {
		if got, err := RowDigest(rowKey, memoConsent("C1", "Ketamine can cause dissociation.")); err != nil || got != want {
			t.Fatalf("round %d: RowDigest = %s, %v; want %s", i, got, err, want)
		}
	}
}

// TestRowDigestMemoMatchesCold: digests through the memo equal digests
// encoded afresh, for varied documents, for a row edited behind the
// memo's back with its content hash left alone, and for documents changed
// in place after they were encoded (the memo keeps its own copy).
func TestRowDigestMemoMatchesCold(t *testing.T) {
	check := func(name string, c *Consent) {
		t.Helper()
		for round := range 2 {
			got, err := RowDigest(rowKey, c)
			if err != nil {
				t.Fatal(err)
			}
			if want := coldRowDigest(t, rowKey, c); got != want {
				t.Errorf("%s (round %d): memoized digest %s, cold %s", name, round, got, want)
			}
		}
	}
	for i, text := range []string{"", "a", "Ketamine can cause dissociation.", strings.Repeat("long text ", 5000), "\"quoted\" \\ \u001f", "日本語 😀"} {
		check(fmt.Sprintf("text %d", i), memoConsent(fmt.Sprintf("C%d", i), text))
	}
	c := memoConsent("C1", "original")
	check("original", c)
	edited := memoConsent("C1", "edited, same content_sha256") // as an edit in the database would read back
	check("edited row", edited)
	check("original again", c)

	en := c.Documents["en"]
	en.Sections[0].Body = "changed in place"
	check("section body changed in place", c)
	en.Sections[0].Questions[0].Choices[1] = "Maybe"
	check("choice changed in place", c)
	*en.Sections[0].Questions[0].Correct = 0
	check("correct answer changed in place", c)
	en.Meanings["patient"] = "I do not agree"
	check("meaning changed in place", c)
	en.Title = "Another title"
	c.Documents["en"] = en
	check("title changed", c)
	en.Meanings = nil
	en.Sections = nil
	c.Documents["en"] = en
	check("no sections, no meanings", c)
	en.Sections = []DocumentSection{}
	c.Documents["en"] = en
	check("empty sections", c)
	delete(c.Documents, "es")
	check("one locale fewer", c)
}

// TestRowDigestMemoIsBounded: the memo keeps at most documentMemoSize
// encodings, however many different documents pass through it.
func TestRowDigestMemoIsBounded(t *testing.T) {
	for i := range documentMemoSize * 3 {
		c := memoConsent("C1", "text")
		d := c.Documents["en"]
		d.ContentSHA256 = fmt.Sprintf("%064d", i)
		c.Documents = map[string]Document{"en": d}
		if _, err := RowDigest(rowKey, c); err != nil {
			t.Fatal(err)
		}
	}
	if n, o := documentEncodings.len(); n > documentMemoSize || n != o {
		t.Fatalf("memo holds %d entries (%d in order), want at most %d", n, o, documentMemoSize)
	}
}
