package storage_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPostgresToastSettings: after the migrations, sealed PDFs are stored
// out of line without a compression attempt (consent documents:
// TestPostgresConsentDocumentsLZ4).
func TestPostgresToastSettings(t *testing.T) {
	_, url := openProcessesAt(t, 1)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct{ table, column, compression, storage string }{
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
