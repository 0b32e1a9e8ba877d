package consent

import (
	"context"
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
	ID      string // the clinic's staff identifier
	Name    string
	Role    string // clinician | witness | interpreter
	PINHash string // slow password hash
	// TemplateApprover permits approving template versions with the PIN
	// (a permission, not a role: an approver may also sign as their role).
	TemplateApprover bool
	CreatedAt        time.Time
	DeactivatedAt    *time.Time
}

// DownloadLink is a patient's link, opened without an API key behind the
// same date-of-birth gate: a download link fetches the sealed PDF; a remote
// signing link (Purpose LinkPurposeRemote) opens a signing session on the
// patient's own phone.
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
	// Purpose is "" for a download link, LinkPurposeRemote for remote signing.
	Purpose string
	// CodeHash is the MAC of the one-time code the patient must enter beside
	// the birth date ("" when none; remote signing only).
	CodeHash string
	UsedAt   *time.Time // remote signing: when the patient signed through it
}

// AccessReader finds who may act: API keys, staff members and enrolled
// devices, revoked or deactivated ones included (the caller checks). Find
// methods return ENOTFOUND when nothing matches.
type AccessReader interface {
	FindAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	FindAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns every key, oldest first.
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
	FindStaff(ctx context.Context, id string) (*Staff, error)
	// ListStaff returns every staff member ordered by ID.
	ListStaff(ctx context.Context) ([]*Staff, error)
	FindDeviceByHash(ctx context.Context, tokenHash string) (*Device, error)
	FindDevice(ctx context.Context, id string) (*Device, error)
	// ListDevices returns every device, oldest first.
	ListDevices(ctx context.Context) ([]*Device, error)
}

// AccessTx is the keys, staff and devices aggregate inside a unit of work.
// Create methods return ECONFLICT when the ID (or the secret's hash) exists;
// revocation and deactivation stamp a time once: ENOTFOUND if the record
// does not exist, ECONFLICT if already stamped.
type AccessTx interface {
	FindAPIKey(ctx context.Context, id string) (*APIKey, error)
	CreateAPIKey(ctx context.Context, k *APIKey) error
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	FindStaff(ctx context.Context, id string) (*Staff, error)
	CreateStaff(ctx context.Context, s *Staff) error
	DeactivateStaff(ctx context.Context, id string, at time.Time) error
	FindDevice(ctx context.Context, id string) (*Device, error)
	CreateDevice(ctx context.Context, d *Device) error
	RevokeDevice(ctx context.Context, id string, at time.Time) error
}
