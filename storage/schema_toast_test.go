package storage_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPostgresToastSettings: after the migrations, consent documents stored
// apart are compressed with lz4 when the server has it (migration 13), and
// sealed PDFs are stored out of line without a compression attempt
// (migration 15). Each fails without its migration.
func TestPostgresToastSettings(t *testing.T) {
	_, url := openProcessesAt(t, 1)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var lz4 bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'
		AND 'lz4' = ANY(enumvals))`).Scan(&lz4); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ table, column, compression, storage string }{
		{"consent_documents", "documents", map[bool]string{true: "l", false: ""}[lz4], "x"},
		{"pdfs", "bytes", "", "e"},
		{"additional_pdfs", "bytes", "", "e"},
	} {
		var compression, storage string
		if err := conn.QueryRow(ctx, `SELECT attcompression::text, attstorage::text FROM pg_attribute
			WHERE attrelid = $1::regclass AND attname = $2`, c.table, c.column).Scan(&compression, &storage); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.column, err)
		}
		if compression != c.compression || storage != c.storage {
			t.Errorf("%s.%s: compression %q storage %q, want %q and %q", c.table, c.column, compression, storage, c.compression, c.storage)
		}
	}
}
