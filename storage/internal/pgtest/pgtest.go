// Package pgtest gives tests throwaway databases on a real PostgreSQL server,
// named by the environment variable CONSENTD_TEST_POSTGRES_URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL names the server the PostgreSQL tests use, e.g.
// postgres://consentd@127.0.0.1:5432/postgres?sslmode=disable. The role must
// be allowed to create databases (and, for the tamper tests, be a superuser).
// Setting it also makes storagetest.MustOpen use PostgreSQL for every test.
const EnvURL = "CONSENTD_TEST_POSTGRES_URL"

// EnvServer names a server for the PostgreSQL-only tests (multi-process,
// triggers, tampering) while every other test stays on SQLite.
const EnvServer = "CONSENTD_TEST_POSTGRES_SERVER"

// ServerURL returns the configured server URL, or "" for none.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return os.Getenv(EnvServer)
}

// AllTests reports whether every storage test should run on PostgreSQL.
func AllTests() bool { return os.Getenv(EnvURL) != "" }

// Require returns the server URL; without one it skips the test locally and
// fails it when the environment variable CI is set.
func Require(tb testing.TB) string {
	tb.Helper()
	u := ServerURL()
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("neither %s nor %s is set; CI runs the PostgreSQL tests (see .ci/start-postgres)", EnvURL, EnvServer)
		}
		tb.Skipf("%s is not set: no PostgreSQL server to test against", EnvServer)
	}
	return u
}

var (
	maintOnce sync.Once
	maint     *sql.DB
	maintErr  error
)

// maintenance is one shared connection pool to the server's own database,
// for CREATE and DROP DATABASE.
func maintenance(server string) (*sql.DB, error) {
	maintOnce.Do(func() {
		maint, maintErr = sql.Open("pgx", server)
		if maintErr == nil {
			maint.SetMaxOpenConns(2)
			maintErr = maint.PingContext(context.Background())
		}
	})
	return maint, maintErr
}

// NewDatabase creates a fresh, uniquely named database on server, drops it
// (closing anything still connected) when the test ends, and returns its URL.
func NewDatabase(tb testing.TB, server string) string {
	tb.Helper()
	m, err := maintenance(server)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("consentd_test_%d_%s", os.Getpid(), hex.EncodeToString(b[:]))
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	if _, err := m.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := m.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return u.String()
}

// Open opens a plain database/sql handle on url (behind storage's back, as
// an administrator with psql would) and closes it when the test ends.
func Open(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
