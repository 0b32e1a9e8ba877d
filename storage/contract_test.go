package storage_test

import (
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/consent/consenttest"
	"github.com/consentd/consentd/storage"
	"github.com/consentd/consentd/storage/storagetest"
)

// TestStoreContract runs the domain's store contract, the one the in-memory
// store passes, against SQLite (or, with CONSENTD_TEST_POSTGRES_URL set,
// PostgreSQL).
func TestStoreContract(t *testing.T) {
	consenttest.RunStoreContract(t, func(t *testing.T) consent.Store {
		return storagetest.MustOpenConfig(t, storage.Config{DataDir: t.TempDir(), AuditKey: consenttest.AuditKey,
			Now: func() time.Time { return consenttest.T0 }})
	})
}

// TestStoreContractPostgres runs it against PostgreSQL whenever a server is
// configured, also when the other storage tests stay on SQLite.
func TestStoreContractPostgres(t *testing.T) {
	if storagetest.Postgres() {
		t.Skip("TestStoreContract runs on PostgreSQL already")
	}
	storagetest.RequirePostgres(t)
	consenttest.RunStoreContract(t, func(t *testing.T) consent.Store {
		return storagetest.MustOpenConfig(t, storage.Config{DataDir: t.TempDir(), URL: storagetest.NewPostgresDatabase(t),
			AuditKey: consenttest.AuditKey, Now: func() time.Time { return consenttest.T0 }})
	})
}
