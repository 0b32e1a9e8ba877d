package consent

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"testing"
)

// FuzzPNGIntake feeds arbitrary bytes (as base64 and raw) through the image
// signature intake: no panic, no huge allocation, only client errors.
func FuzzPNGIntake(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 120, 40)))
	valid := buf.Bytes()
	huge := bytes.Clone(valid)
	binary.BigEndian.PutUint32(huge[16:], 60000)
	binary.BigEndian.PutUint32(huge[20:], 60000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	for _, seed := range [][]byte{valid, huge, valid[:30], []byte("\xff\xd8\xff\xe0JFIF"), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, err := DecodePNGBase64("signature.png_base64", base64.StdEncoding.EncodeToString(b))
		if err != nil {
			if c := ErrorCode(err); c != EINVALID && c != ETOOLARGE {
				t.Fatalf("decode: %v", err)
			}
			return
		}
		m := Mark{Type: "image", PNG: raw}
		if err := m.Validate(SignatureForms, "x"); err != nil {
			if c := ErrorCode(err); c != EINVALID && c != ETOOLARGE {
				t.Fatalf("validate: %v", err)
			}
		}
	})
}
