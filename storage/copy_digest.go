package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math/bits"
)

// tableDigest sums a table's rows into one value that does not depend on
// the order they are read in: SHA-256 of each row's encoding, added modulo
// 2^256. Reading order differs between the databases (text collation, tables
// without a key) while the multiset of rows must not; a repeated row counts
// twice, which XOR would cancel. Values are encoded by what they hold, not by
// how a database types them — an integer of any width or a flag as a 64-bit
// integer, text and bytes as their bytes — so the source is digested as
// go-sqlite3 reads it, before the copier converts anything, and the target as
// pgx reads it back: a conversion that changed a value shows. It guards
// against mistakes in the copy, not against rows forged to collide (the audit
// chain's row digests do that).
type tableDigest struct {
	sum  [4]uint64 // little-endian limbs
	rows int64
	h    hash.Hash
	head []byte // a value's tag and length
}

// add folds one row.
func (d *tableDigest) add(vals []any) error {
	if d.h == nil {
		d.h = sha256.New()
	}
	d.h.Reset()
	for _, v := range vals {
		b := d.head[:0]
		var body []byte
		switch x := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(x))
		case int32:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(int64(x)))
		case int16:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(int64(x)))
		case bool:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), map[bool]uint64{false: 0, true: 1}[x])
		case string:
			b = binary.BigEndian.AppendUint64(append(b, 'x'), uint64(len(x)))
			d.h.Write(b)
			b = b[:0]
			io.WriteString(d.h, x)
		case []byte:
			b = binary.BigEndian.AppendUint64(append(b, 'x'), uint64(len(x)))
			body = x
		default:
			return fmt.Errorf("storage: copy: cannot digest a %T", v)
		}
		d.h.Write(b)
		d.h.Write(body)
		d.head = b
	}
	var sum [sha256.Size]byte
	h := d.h.Sum(sum[:0])
	var carry uint64
	for i := range d.sum {
		d.sum[i], carry = bits.Add64(d.sum[i], binary.LittleEndian.Uint64(h[8*i:]), carry)
	}
	d.rows++
	return nil
}

// String is the sum in hex.
func (d *tableDigest) String() string {
	var b [32]byte
	for i, limb := range d.sum {
		binary.BigEndian.PutUint64(b[8*(3-i):], limb)
	}
	return hex.EncodeToString(b[:])
}
