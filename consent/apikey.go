package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// API key scopes. ScopeAdmin implies every other scope.
const (
	ScopeTemplatesRead  = "templates:read"
	ScopeTemplatesWrite = "templates:write"
	ScopeConsentsRead   = "consents:read"
	ScopeConsentsWrite  = "consents:write"
	ScopeAuditRead      = "audit:read"
	ScopeAdmin          = "admin"
)

// Scopes lists every scope.
var Scopes = []string{ScopeTemplatesRead, ScopeTemplatesWrite, ScopeConsentsRead, ScopeConsentsWrite, ScopeAuditRead, ScopeAdmin}

// APIKey is an integration's credential; only the SHA-256 of the secret is kept.
type APIKey struct {
	ID        string
	Name      string
	Scopes    []string
	Hash      string // hex SHA-256 of the secret
	Prefix    string // first characters of the secret, to recognise it in lists
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Allows reports whether the key grants scope.
func (k *APIKey) Allows(scope string) bool {
	return k.RevokedAt == nil && (slices.Contains(k.Scopes, ScopeAdmin) || slices.Contains(k.Scopes, scope))
}

// HashSecret returns the hex SHA-256 of a secret (API key, token or code).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Staff is a clinician, witness or interpreter who signs with a staff ID and PIN.
type Staff struct {
	ID            string // the clinic's staff identifier
	Name          string
	Role          string // clinician | witness | interpreter
	PINHash       string // slow password hash
	CreatedAt     time.Time
	DeactivatedAt *time.Time
}

// DownloadLink lets a patient fetch their sealed PDF without an API key.
type DownloadLink struct {
	ID               string
	ConsentID        string
	TokenHash        string
	ExpiresAt        time.Time
	RequireBirthDate bool
	CreatedAt        time.Time
	CreatedBy        string
	RevokedAt        *time.Time
	LockedAt         *time.Time // wrong birth dates used it up
}

// Idempotency is a stored response to a write made with an Idempotency-Key.
type Idempotency struct {
	Scope       string // API key or token identity plus route
	Key         string
	RequestHash string
	Status      int
	Body        []byte
	CreatedAt   time.Time
}
