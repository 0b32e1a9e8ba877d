package api

import (
	"encoding/json"
	"testing"
)

// signatureBody is a drawn signature of n points, the largest body the tablet sends.
func signatureBody(b *testing.B, n int) []byte {
	b.Helper()
	pts := make([]map[string]any, n)
	for i := range pts {
		pts[i] = map[string]any{"x": 10 + i%500, "y": 20 + i%150, "t": i}
	}
	body, err := json.Marshal(map[string]any{"role": "patient", "name": "Zoë Müller", "electronic_records_consent": true,
		"acknowledged_sections": []string{"benefits", "risks_long_term", "rights"},
		"signature":             map[string]any{"type": "drawn", "width": 600, "height": 200, "strokes": [][]map[string]any{pts}}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func benchmarkDecodeSignature(b *testing.B, points int) {
	body := signatureBody(b, points)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var req signRequest
		if err := decodeStrict(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSignature24(b *testing.B)    { benchmarkDecodeSignature(b, 24) }
func BenchmarkDecodeSignature10000(b *testing.B) { benchmarkDecodeSignature(b, 10000) }
