package consent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key so it is recognisable in configs and scanners.
const APIKeyPrefix = "cdk_"

// CreatedAPIKey is a new key with its secret, shown once.
type CreatedAPIKey struct {
	Key    *APIKey
	Secret string
}

// CreateAPIKey creates a key with the given scopes. Errors: EINVALID.
func (s *Service) CreateAPIKey(ctx context.Context, name string, scopes []string) (*CreatedAPIKey, error) {
	if err := CheckName("name", name, 100); err != nil {
		return nil, err
	} else if len(scopes) == 0 {
		return nil, FieldErrorf(EINVALID, "scopes", "at least one scope is required (%s).", strings.Join(Scopes, ", "))
	}
	for i, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return nil, FieldErrorf(EINVALID, fmt.Sprintf("scopes[%d]", i), "unknown scope %q; use %s.", sc, strings.Join(Scopes, ", "))
		}
	}
	secret := APIKeyPrefix + randomToken(32)
	k := &APIKey{ID: s.NewID(), Name: name, Scopes: scopes, Hash: HashSecret(secret), Prefix: secret[:len(APIKeyPrefix)+6], CreatedAt: s.now()}
	return update(ctx, s, func(tx Tx) (*CreatedAPIKey, error) {
		if err := tx.Access().CreateAPIKey(ctx, k); err != nil {
			return nil, err
		}
		return &CreatedAPIKey{Key: k, Secret: secret}, tx.Audit().AppendAudit(ctx, s.event(ctx, EventAPIKeyCreated, "", map[string]any{
			"key_id": k.ID, "name": name, "scopes": scopes}, k))
	})
}

// RevokeAPIKey revokes a key; revoking twice is a no-op. Errors: ENOTFOUND.
// The key stops working here as soon as this returns (other replicas: within
// KeyCacheTTL).
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	// After the commit: a lookup that reads the key before it is revoked
	// and caches it after this would otherwise outlive the revocation.
	defer s.keys.forget(id)
	return stampOnce(ctx, s, stamp[APIKey]{
		find:  func(tx Tx) (*APIKey, error) { return tx.Access().FindAPIKey(ctx, id) },
		at:    func(k *APIKey) **time.Time { return &k.RevokedAt },
		write: func(tx Tx, at time.Time) error { return tx.Access().RevokeAPIKey(ctx, id, at) },
		event: EventAPIKeyRevoked, details: map[string]any{"key_id": id}})
}

// Authenticate returns the live key for a secret. Errors: EUNAUTHORIZED (the
// failure is audited, without the secret, aggregated per client). Live keys
// are reused for KeyCacheTTL; unknown and revoked ones are looked up each
// time. The caller must not modify the key.
func (s *Service) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	hash, now := HashSecret(secret), s.Now()
	cached, gen := s.keys.get(hash, now)
	if cached != nil {
		return cached, nil
	}
	k, err := s.Store.Access().FindAPIKeyByHash(ctx, hash)
	if err == nil && k.RevokedAt == nil {
		s.keys.put(hash, k, gen, now)
		return k, nil
	} else if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	reason := "unknown key"
	if k != nil {
		reason = "revoked key " + k.ID
	}
	return nil, s.authFailed(ctx, reason, Errorf(EUNAUTHORIZED, "Invalid or revoked API key."))
}

// EnsureAdminKey creates an admin key when no key exists yet (first start) and
// returns its secret, or "" when keys already exist.
func (s *Service) EnsureAdminKey(ctx context.Context) (string, error) {
	keys, err := s.Store.Access().ListAPIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return "", err
	}
	k, err := s.CreateAPIKey(ctx, "initial admin key", []string{ScopeAdmin})
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}

// NewStaff is a staff member to register: who, as what they sign, their PIN,
// and whether they may approve template versions.
type NewStaff struct {
	ID, Name, Role, PIN string
	TemplateApprover    bool
}

// CreateStaff registers a staff member who signs with ID and PIN. Errors: EINVALID, ECONFLICT.
func (s *Service) CreateStaff(ctx context.Context, in NewStaff) (*Staff, error) {
	id, name, role, pin := in.ID, in.Name, in.Role, in.PIN
	if err := CheckID("id", id); err != nil {
		return nil, err
	} else if err := CheckName("name", name, 200); err != nil {
		return nil, err
	} else if !isStaffRole(role) {
		return nil, FieldErrorf(EINVALID, "role", "must be clinician, witness or interpreter.")
	} else if len(pin) < 6 || len(pin) > 64 {
		return nil, FieldErrorf(EINVALID, "pin", "must be 6 to 64 characters.")
	}
	hash, err := s.PINs.Hash(pin)
	if err != nil {
		return nil, err
	}
	st := &Staff{ID: id, Name: name, Role: role, PINHash: hash, TemplateApprover: in.TemplateApprover, CreatedAt: s.now()}
	return update(ctx, s, func(tx Tx) (*Staff, error) {
		if err := tx.Access().CreateStaff(ctx, st); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return nil, FieldErrorf(ECONFLICT, "id", "staff ID %q already exists.", id)
			}
			return nil, err
		}
		return st, tx.Audit().AppendAudit(ctx, s.event(ctx, EventStaffCreated, "", map[string]any{"staff_id": id, "role": role,
			"template_approver": in.TemplateApprover}, st))
	})
}

// DeactivateStaff stops a staff member from signing; the record stays. Errors: ENOTFOUND.
func (s *Service) DeactivateStaff(ctx context.Context, id string) (*Staff, error) {
	return stampOnce(ctx, s, stamp[Staff]{
		find:  func(tx Tx) (*Staff, error) { return tx.Access().FindStaff(ctx, id) },
		at:    func(st *Staff) **time.Time { return &st.DeactivatedAt },
		write: func(tx Tx, at time.Time) error { return tx.Access().DeactivateStaff(ctx, id, at) },
		event: EventStaffDeactivated, details: map[string]any{"staff_id": id}})
}
