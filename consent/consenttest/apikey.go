package consenttest

// Each aggregate's methods here look alike — one map per table — and what
// they share is in lookup, taken, sorted and stampOnce.

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/consentd/consentd/consent"
)

// FindAPIKeyByHash returns the key whose secret hashes to hash, revoked or
// not; ENOTFOUND if none.
func (v view) FindAPIKeyByHash(ctx context.Context, hash string) (*consent.APIKey, error) {
	for _, k := range v.st().keys {
		if k.Hash == hash {
			k.Scopes = slices.Clone(k.Scopes)
			return &k, nil
		}
	}
	return nil, notFound("API key not found.")
}

// FindAPIKey returns a key by ID; ENOTFOUND if none.
func (v view) FindAPIKey(ctx context.Context, id string) (*consent.APIKey, error) {
	k, err := lookup(v.st().keys, id, "API key not found.")
	if err == nil {
		k.Scopes = slices.Clone(k.Scopes)
	}
	return k, err
}

// ListAPIKeys returns every key, oldest first.
func (v view) ListAPIKeys(ctx context.Context) ([]*consent.APIKey, error) {
	return sorted(v.st().keys, func(k *consent.APIKey) (time.Time, string) { return k.CreatedAt, k.ID }), nil
}

// CreateAPIKey stores a key; ECONFLICT if its ID or hash exists.
func (t *tx) CreateAPIKey(ctx context.Context, k *consent.APIKey) error {
	if taken(t.w.keys, func(x consent.APIKey) bool { return x.ID == k.ID || x.Hash == k.Hash }) {
		return conflict("This API key already exists.")
	}
	row := *k
	row.Scopes, row.CreatedAt, row.RevokedAt = slices.Clone(k.Scopes), ms(k.CreatedAt), msPtr(k.RevokedAt)
	t.w.keys[k.ID] = row
	return nil
}

// RevokeAPIKey stamps revoked_at once; ENOTFOUND, ECONFLICT.
func (t *tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.keys, id, func(k *consent.APIKey) **time.Time { return &k.RevokedAt }, at,
		"API key not found.", "The API key is already revoked.")
}

// FindStaff returns a staff member by ID, active or not; ENOTFOUND if none.
func (v view) FindStaff(ctx context.Context, id string) (*consent.Staff, error) {
	return lookup(v.st().staff, id, "Staff member not found.")
}

// ListStaff returns every staff member ordered by ID.
func (v view) ListStaff(ctx context.Context) ([]*consent.Staff, error) {
	return sorted(v.st().staff, func(s *consent.Staff) (time.Time, string) { return time.Time{}, s.ID }), nil
}

// CreateStaff stores a staff member; ECONFLICT if the ID exists.
func (t *tx) CreateStaff(ctx context.Context, s *consent.Staff) error {
	if _, ok := t.w.staff[s.ID]; ok {
		return conflict("A staff member with this ID already exists.")
	}
	row := *s
	row.CreatedAt, row.DeactivatedAt = ms(s.CreatedAt), msPtr(s.DeactivatedAt)
	t.w.staff[s.ID] = row
	return nil
}

// DeactivateStaff stamps deactivated_at once; ENOTFOUND, ECONFLICT.
func (t *tx) DeactivateStaff(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.staff, id, func(s *consent.Staff) **time.Time { return &s.DeactivatedAt }, at,
		"Staff member not found.", "The staff member is already deactivated.")
}

// FindDeviceByHash returns the device a token (by its hash) belongs to,
// revoked included; ENOTFOUND if none.
func (v view) FindDeviceByHash(ctx context.Context, tokenHash string) (*consent.Device, error) {
	for _, d := range v.st().devices {
		if d.TokenHash == tokenHash {
			return &d, nil
		}
	}
	return nil, notFound("Device not found.")
}

// FindDevice returns a device by ID; ENOTFOUND if none.
func (v view) FindDevice(ctx context.Context, id string) (*consent.Device, error) {
	return lookup(v.st().devices, id, "Device not found.")
}

// ListDevices returns every device, oldest first.
func (v view) ListDevices(ctx context.Context) ([]*consent.Device, error) {
	return sorted(v.st().devices, func(d *consent.Device) (time.Time, string) { return d.CreatedAt, d.ID }), nil
}

// CreateDevice stores a device; ECONFLICT if its ID or token hash exists.
func (t *tx) CreateDevice(ctx context.Context, d *consent.Device) error {
	if taken(t.w.devices, func(x consent.Device) bool { return x.ID == d.ID || x.TokenHash == d.TokenHash }) {
		return conflict("This device already exists.")
	}
	row := *d
	row.CreatedAt, row.RevokedAt = ms(d.CreatedAt), msPtr(d.RevokedAt)
	t.w.devices[d.ID] = row
	return nil
}

// RevokeDevice stamps revoked_at once; ENOTFOUND, ECONFLICT.
func (t *tx) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return stampOnce(t.w.devices, id, func(d *consent.Device) **time.Time { return &d.RevokedAt }, at,
		"Device not found.", "The device is already revoked.")
}

// lookup returns a copy of the row with id; ENOTFOUND with msg if none.
func lookup[T any](rows map[string]T, id, msg string) (*T, error) {
	r, ok := rows[id]
	if !ok {
		return nil, notFound(msg)
	}
	return &r, nil
}

// taken reports whether a row matches (a unique ID, hash or token taken).
func taken[T any](rows map[string]T, match func(T) bool) bool {
	for _, r := range rows {
		if match(r) {
			return true
		}
	}
	return false
}

// sorted returns copies of the rows ordered by (time, id).
func sorted[T any](rows map[string]T, key func(*T) (time.Time, string)) []*T {
	out := make([]*T, 0, len(rows))
	for _, r := range rows {
		out = append(out, &r)
	}
	slices.SortFunc(out, func(a, b *T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		return cmp.Or(ta.Compare(tb), cmp.Compare(ia, ib))
	})
	return out
}

// FindIdempotency returns the stored response for scope and key; ENOTFOUND if none.
func (v view) FindIdempotency(ctx context.Context, scope, key string) (*consent.Idempotency, error) {
	r, ok := v.st().idempotency[idemKey{scope, key}]
	if !ok {
		return nil, notFound("Idempotency key not found.")
	}
	r.Result = slices.Clone(r.Result)
	return &r, nil
}

// SaveIdempotency stores a response; ECONFLICT if scope and key exist.
func (t *tx) SaveIdempotency(ctx context.Context, r *consent.Idempotency) error {
	k := idemKey{r.Scope, r.Key}
	if _, ok := t.w.idempotency[k]; ok {
		return conflict("This Idempotency-Key was already used.")
	}
	row := *r
	row.Result, row.CreatedAt = slices.Clone(r.Result), ms(r.CreatedAt)
	t.w.idempotency[k] = row
	return nil
}

// counter is one stored count.
type counter struct {
	count   int
	expires time.Time
}

// counters is the counts outside transactions; each update is one.
type counters struct{ view }

// UpdateCounters applies the updates in one transaction, a count never
// dropping below zero, and returns the new counts in order.
func (c counters) UpdateCounters(ctx context.Context, updates ...consent.CounterUpdate) ([]int, error) {
	out := make([]int, len(updates))
	err := c.s.write(func(w *state) error {
		for i, u := range updates {
			k := consent.CounterKey{Kind: u.Key.Kind, Subject: u.Key.Subject, Window: ms(u.Key.Window)}
			cur := w.counters[k]
			if u.Reset {
				cur.count = 0
			}
			cur.count = max(cur.count+u.Add, 0)
			if e := ms(u.Expires); e.After(cur.expires) {
				cur.expires = e
			}
			w.counters[k], out[i] = cur, cur.count
		}
		return nil
	})
	return out, err
}

// CounterValue returns a count, 0 when there is none.
func (c counters) CounterValue(ctx context.Context, key consent.CounterKey) (int, error) {
	key.Window = ms(key.Window)
	return c.st().counters[key].count, nil
}

// PurgeCounters deletes counts that expired at or before now.
func (c counters) PurgeCounters(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := c.s.write(func(w *state) error {
		for k, v := range w.counters {
			if !v.expires.After(ms(now)) {
				delete(w.counters, k)
				n++
			}
		}
		return nil
	})
	return n, err
}
