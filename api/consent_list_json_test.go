package api_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/consentd/consentd/api"
)

// TestRawListIsJSONMarshal: the list envelope written by hand is byte for
// byte what json.Marshal wrote, for items json.Marshal encoded (HTML
// characters, non-ASCII, nested structures, empty lists, cursors with and
// without characters JSON escapes).
func TestRawListIsJSONMarshal(t *testing.T) {
	var items []json.RawMessage
	for _, v := range []any{
		map[string]any{"id": "C1", "text": "<b>Risks</b> & \u2028 \"quoted\" Zoë 患者", "n": 1.5, "list": []any{1, "x", nil}},
		[]string{"a", "b"}, "plain", 42, nil, map[string]any{},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, b)
	}
	for _, tc := range []struct {
		items []json.RawMessage
		next  string
	}{{nil, ""}, {items[:1], ""}, {items, ""}, {items, "eyJ0IjoxNzAwMDAwMDAwMDAwLCJpZCI6IkMxIn0"}, {items[:2], `<&>"\`}} {
		want, err := api.ListResponseBytes(tc.items, tc.next)
		if err != nil {
			t.Fatal(err)
		}
		if got := api.RawList(tc.items, tc.next); !bytes.Equal(got, want) {
			t.Errorf("rawList(%d items, %q)\n got %s\nwant %s", len(tc.items), tc.next, got, want)
		}
	}
}
