package storage_test

import (
	"context"
	"sync"
	"testing"

	"github.com/consentd/consentd/storage/storagetest"
)

// TestPostgresPoolKeepsIdleConnections reads in bursts of 16 parallel
// readers, as a busy clinic's integrations do: between bursts the pool must
// keep its connections rather than close them and open new ones (each a new
// PostgreSQL backend process) on the next burst.
func TestPostgresPoolKeepsIdleConnections(t *testing.T) {
	if !storagetest.Postgres() {
		t.Skip("PostgreSQL only (CONSENTD_TEST_POSTGRES_URL)")
	}
	db := storagetest.MustOpen(t)
	seedTemplate(t, db, "pool")
	ctx := context.Background()
	before := db.PoolStats().MaxIdleClosed // the migrations drop idle connections once, on purpose
	for burst := 0; burst < 5; burst++ {
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.ListVersions(ctx, "pool"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if st := db.PoolStats(); st.MaxIdleClosed > before {
		t.Errorf("the pool closed %d connections for want of idle slots (%+v)", st.MaxIdleClosed-before, st)
	}
}
