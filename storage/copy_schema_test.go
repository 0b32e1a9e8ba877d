package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/consentd/consentd/storage/internal/pgtest"
)

var testAuditKey = []byte("copy-schema-test-audit-key-32byt")

// TestCopyKnowsEveryTable fails when a migration adds a table the copier
// does not list (it would be left behind by migrate-db), or when the SQLite
// and PostgreSQL schemas of a copied table have different columns.
func TestCopyKnowsEveryTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, Config{DataDir: dir, URL: "sqlite:", AuditKey: testAuditKey})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	lite, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "consentd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	tables, err := sqliteTables(ctx, lite)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(copyTables), schemaMigrationsTable)
	slices.Sort(want)
	if !slices.Equal(tables, want) {
		t.Fatalf("SQLite tables after every migration:\n%v\nthe copier knows:\n%v\n"+
			"add a new table to copyTables (in dependency order) and say how it is copied", tables, want)
	}
	if u := unknownTables(append(tables, "extra")); !slices.Equal(u, []string{"extra"}) {
		t.Errorf("unknownTables = %v, want [extra]", u)
	}

	server := pgtest.Require(t)
	url := pgtest.NewDatabase(t, server)
	pg, err := Open(ctx, Config{DataDir: t.TempDir(), URL: url, AuditKey: testAuditKey})
	if err != nil {
		t.Fatal(err)
	}
	pg.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pgTables, err := postgresTables(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pgTables, want) {
		t.Fatalf("PostgreSQL tables after every migration:\n%v\nthe copier knows:\n%v", pgTables, want)
	}
	for _, table := range copyTables {
		if _, _, err := tableColumns(ctx, lite, conn, table); err != nil {
			t.Errorf("%s: %v", table, err)
		}
	}
}

func TestCopyConvertersRefuseWhatWouldChange(t *testing.T) {
	tests := []struct {
		pgType string
		in     any
		want   any
		ok     bool
	}{
		{"bigint", int64(1764064000123), int64(1764064000123), true},
		{"bigint", nil, nil, true},
		{"bigint", 1.5, nil, false},
		{"bigint", "1764064000123", nil, false},
		{"integer", int64(7), int64(7), true},
		{"boolean", int64(1), true, true},
		{"boolean", int64(0), false, true},
		{"boolean", int64(2), nil, false},
		{"text", "Zoë", "Zoë", true},
		{"text", []byte("Zoë"), "Zoë", true},
		{"text", "a\x00b", nil, false},
		{"text", "\xff", nil, false},
		{"text", int64(3), nil, false},
		{"bytea", []byte{0, 1}, []byte{0, 1}, true},
		{"bytea", []byte{}, []byte{}, true},
		{"bytea", nil, nil, true},
		{"bytea", "%PDF", []byte("%PDF"), true},
		{"bytea", int64(1), nil, false},
	}
	for _, tt := range tests {
		got, err := converters[tt.pgType](tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("%s(%#v): error %v, want ok=%v", tt.pgType, tt.in, err, tt.ok)
			continue
		}
		if tt.ok {
			if b, isBytes := tt.want.([]byte); isBytes {
				if g, _ := got.([]byte); string(g) != string(b) || g == nil {
					t.Errorf("%s(%#v) = %#v, want %#v", tt.pgType, tt.in, got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("%s(%#v) = %#v, want %#v", tt.pgType, tt.in, got, tt.want)
			}
		}
	}
}

func TestTableDigestIgnoresOrderNotRepeats(t *testing.T) {
	rows := [][]any{{int64(1), "a", []byte("x"), nil, true}, {int32(2), "b", []byte{}, int64(3), false}}
	var ab, ba, aab tableDigest
	for _, r := range rows {
		ab.add(r)
	}
	ba.add(rows[1])
	ba.add(rows[0])
	aab.add(rows[0])
	aab.add(rows[0])
	aab.add(rows[1])
	if ab.String() != ba.String() {
		t.Error("the digest depends on the order of rows")
	}
	if aab.String() == ab.String() {
		t.Error("a repeated row leaves the digest unchanged")
	}
	var empty, nilBytes tableDigest
	empty.add([]any{[]byte{}})
	nilBytes.add([]any{nil})
	if empty.String() == nilBytes.String() {
		t.Error("empty bytes and NULL digest alike")
	}
	// What SQLite reads and what PostgreSQL returns for the same values.
	var lite, pg tableDigest
	lite.add([]any{int64(5), int64(1), int64(0), "Zoë", []byte("Zoë"), []byte{0xff}})
	pg.add([]any{int32(5), true, false, "Zoë", "Zoë", []byte{0xff}})
	if lite.String() != pg.String() {
		t.Error("the same values read from SQLite and PostgreSQL digest differently")
	}
	var flipped tableDigest
	flipped.add([]any{int32(5), false, false, "Zoë", "Zoë", []byte{0xff}})
	if flipped.String() == lite.String() {
		t.Error("a flag turned from 1 to false digests like the original")
	}
}
