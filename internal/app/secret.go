package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// envSecret carries the server secret itself, base64 or hex; it has no flag,
// because a flag's value shows in the process list.
const envSecret = "CONSENTD_SECRET"

// minSecret is the least number of secret bytes accepted.
const minSecret = 32

// secretFileName is the secret's file in the data directory.
const secretFileName = "secret.key"

// decodeSecret reads CONSENTD_SECRET: hex when it is only hex digits (as
// `openssl rand -hex 32` prints), else standard or URL-safe base64, padded or
// not (as `openssl rand -base64 32` or `base64 -w0 data/secret.key` prints).
// The value is never part of the error.
func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	if len(s)%2 == 0 && strings.Trim(s, "0123456789abcdefABCDEF") == "" {
		b, err = hex.DecodeString(s)
	} else {
		b, err = decodeBase64(s)
	}
	if err != nil {
		return nil, errors.New("not hex or base64 (e.g. the output of `openssl rand -base64 32`, or `base64 -w0 data/secret.key`)")
	}
	if len(b) < minSecret {
		return nil, fmt.Errorf("%d bytes decoded; at least %d are required", len(b), minSecret)
	}
	return b, nil
}

func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// checkSecret accepts at most one of CONSENTD_SECRET and --secret-file, each
// long enough.
func (c *Config) checkSecret() []error {
	switch {
	case c.Secret != nil && c.SecretFile != "":
		return []error{problem("secret-file", c.SecretFile, "give either "+envSecret+" or --secret-file, not both")}
	case c.Secret != nil && len(c.Secret) < minSecret:
		return []error{fmt.Errorf("%s: %d bytes; at least %d are required", envSecret, len(c.Secret), minSecret)}
	case c.SecretFile != "":
		if msg := checkFile(c.SecretFile); msg != "" {
			return []error{problem("secret-file", c.SecretFile, msg)}
		}
		if _, err := readSecretFile(c.SecretFile); err != nil {
			return []error{err}
		}
	}
	return nil
}

// loadSecret returns the server secret: CONSENTD_SECRET, the --secret-file, or
// the data dir's secret.key (created 0600 on first start). The secret never
// enters the database: the audit MACs, row digests and signing sessions
// derive from it. A given secret that differs from a secret.key already in
// the data dir is refused: the records written under the old one would no
// longer verify.
func loadSecret(cfg *Config) ([]byte, error) { return secretOf(cfg, true) }

// ExistingAuditKey returns the audit log's key for cfg's secret (given, or
// the data dir's secret.key) and never creates a secret: a tool that reads a
// database an earlier start wrote (migrate-db, the seeder) needs the secret
// that start used, and a wrong data dir must not get a fresh one.
func ExistingAuditKey(cfg Config) ([]byte, error) {
	secret, err := secretOf(&cfg, false)
	if err != nil {
		return nil, err
	}
	return derive(secret, "audit-log"), nil
}

// secretOf is loadSecret; without create, a missing secret.key is an error.
func secretOf(cfg *Config, create bool) ([]byte, error) {
	path := filepath.Join(cfg.DataDir, secretFileName)
	given, from := cfg.Secret, envSecret
	if cfg.SecretFile != "" {
		b, err := readSecretFile(cfg.SecretFile)
		if err != nil {
			return nil, err
		}
		given, from = b, "the file of --secret-file"
	}
	if given != nil {
		old, err := os.ReadFile(path)
		if err == nil && !hmac.Equal(old, given) {
			return nil, fmt.Errorf("%s differs from %s, which an earlier start created: records written with one do not verify with the other. "+
				"Give the same secret (e.g. %s=$(base64 -w0 %s)), or remove %s if nothing was ever written with it", from, path, envSecret, path, path)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return given, nil
	}
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < minSecret {
			return nil, fmt.Errorf("%s: secret too short", path)
		}
		return b, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	} else if !create {
		return nil, fmt.Errorf("no %s and neither %s nor CONSENTD_SECRET_FILE is set: point --data-dir (CONSENTD_DATA_DIR) at consentd's data directory, "+
			"or give the secret it was started with", path, envSecret)
	}
	return createSecret(path)
}

// readSecretFile reads a secret file: hex or base64 text (as CONSENTD_SECRET
// takes it, e.g. written by `openssl rand -base64 32`) is decoded, so the
// same text means the same secret in either place; anything else is the
// secret's bytes as they are (a copy of a data dir's secret.key).
func readSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CONSENTD_SECRET_FILE (--secret-file): %w", err)
	}
	if d, err := decodeSecret(string(b)); err == nil {
		return d, nil
	}
	if len(b) < minSecret {
		return nil, problem("secret-file", path, fmt.Sprintf("holds %d bytes; at least %d are required", len(b), minSecret))
	}
	return b, nil
}

// createSecret writes minSecret random bytes to path, which must not exist.
func createSecret(path string) ([]byte, error) {
	b := make([]byte, minSecret)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// derive gives each use of the secret its own key.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("consentd|" + purpose))
	return m.Sum(nil)
}
