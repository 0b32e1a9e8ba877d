package consent

import (
	"context"
	"strings"
	"time"
)

// DeviceTokenPrefix starts every device token so it is recognisable.
const DeviceTokenPrefix = "cdt_"

// Device is an enrolled kiosk tablet. Its token (kept as a SHA-256, like API
// keys) lives in the tablet's browser as a cookie; requests that carry it are
// attributed to the device and limited per device instead of per IP.
type Device struct {
	ID        string
	Name      string
	TokenHash string
	CreatedAt time.Time
	CreatedBy string
	RevokedAt *time.Time
}

// CreatedDevice is a new device with its token, shown once.
type CreatedDevice struct {
	Device *Device
	Token  string
}

// DeviceEvidence is how an enrolled device appears in evidence and audit
// events ("enrolled:<id>"); a client's own X-Device-ID claim that looks like
// it is recorded as "declared:<claim>".
func DeviceEvidence(deviceID, declared string) string {
	if deviceID != "" {
		return "enrolled:" + deviceID
	} else if strings.HasPrefix(declared, "enrolled:") || strings.HasPrefix(declared, "declared:") {
		return "declared:" + declared
	}
	return declared
}

// CreateDevice registers a kiosk tablet and returns its token once. Errors: EINVALID.
func (s *Service) CreateDevice(ctx context.Context, name string) (*CreatedDevice, error) {
	if err := CheckName("name", name, 100); err != nil {
		return nil, err
	}
	token := DeviceTokenPrefix + randomToken(32)
	d := &Device{ID: s.NewID(), Name: name, TokenHash: HashSecret(token), CreatedAt: s.now(), CreatedBy: RequestFrom(ctx).Actor}
	return update(ctx, s, func(tx Tx) (*CreatedDevice, error) {
		if err := tx.Access().CreateDevice(ctx, d); err != nil {
			return nil, err
		}
		return &CreatedDevice{Device: d, Token: token}, tx.Audit().AppendAudit(ctx, s.event(ctx, EventDeviceCreated, "",
			map[string]any{"device_id": d.ID, "name": name}, d))
	})
}

// ListDevices returns every device, revoked ones included.
func (s *Service) ListDevices(ctx context.Context) ([]*Device, error) {
	return s.Store.Access().ListDevices(ctx)
}

// RevokeDevice stops a device's token from working; revoking twice is a
// no-op. Errors: ENOTFOUND.
func (s *Service) RevokeDevice(ctx context.Context, id string) (*Device, error) {
	return stampOnce(ctx, s, stamp[Device]{
		find:  func(tx Tx) (*Device, error) { return tx.Access().FindDevice(ctx, id) },
		at:    func(d *Device) **time.Time { return &d.RevokedAt },
		write: func(tx Tx, at time.Time) error { return tx.Access().RevokeDevice(ctx, id, at) },
		event: EventDeviceRevoked, details: map[string]any{"device_id": id}})
}

// DeviceByToken returns the live device a token belongs to, or nil when the
// token is unknown or revoked (the request then counts as unenrolled). It
// audits nothing: a tablet sends its cookie with every request.
func (s *Service) DeviceByToken(ctx context.Context, token string) (*Device, error) {
	if !strings.HasPrefix(token, DeviceTokenPrefix) || len(token) > 100 {
		return nil, nil
	}
	d, err := s.Store.Access().FindDeviceByHash(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && d.RevokedAt != nil) {
		return nil, nil
	}
	return d, err
}

// EnrolDevice checks a device token a tablet presents once (from the
// enrolment URL) and records which browser took it. A valid token always
// enrols, whatever others on the same network guessed; unknown tokens count
// as signing guesses (256 random bits cannot be guessed: the limit bounds
// audit-log flooding). Errors: EUNAUTHORIZED, ERATELIMITED.
func (s *Service) EnrolDevice(ctx context.Context, token string) (*Device, error) {
	d, err := s.DeviceByToken(ctx, token)
	if err != nil {
		return nil, err
	} else if d == nil {
		if err := s.checkGuesses(ctx); err != nil {
			return nil, err
		} else if err := s.countGuess(ctx); err != nil {
			return nil, err
		}
		return nil, s.authFailed(ctx, "unknown or revoked device token", Errorf(EUNAUTHORIZED,
			"This enrolment link is not valid (revoked or mistyped). Please ask the clinic's administrator for a new one."))
	}
	return d, s.Store.Audit().AppendAuditEvents(ctx, s.event(ctx, EventDeviceEnrolled, "", map[string]any{"device_id": d.ID}))
}
