package consent_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/consentd/consentd/consent"
)

func TestAPIKeys(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		key    string
		scopes []string
		field  string
	}{
		{"no scope", "ehr", nil, "scopes"},
		{"unknown scope", "ehr", []string{"consents:read", "root"}, "scopes[1]"},
		{"no name", "", []string{"admin"}, "name"},
	} {
		_, err := w.svc.CreateAPIKey(w.admin, tc.key, tc.scopes)
		wantCode(t, tc.name, err, consent.EINVALID, tc.field)
	}
	k := must[*consent.CreatedAPIKey](t)(w.svc.CreateAPIKey(w.admin, "ehr", []string{consent.ScopeConsentsRead}))
	if !strings.HasPrefix(k.Secret, consent.APIKeyPrefix) || k.Key.Hash != consent.HashSecret(k.Secret) || !strings.HasPrefix(k.Secret, k.Key.Prefix) {
		t.Errorf("key %+v for secret %s", k.Key, k.Secret)
	}
	got := must[*consent.APIKey](t)(w.svc.Authenticate(w.admin, k.Secret))
	if got.ID != k.Key.ID || !got.Allows(consent.ScopeConsentsRead) || got.Allows(consent.ScopeAuditRead) {
		t.Errorf("authenticated %+v", got)
	}
	must[*consent.APIKey](t)(w.svc.RevokeAPIKey(w.admin, k.Key.ID))
	must[*consent.APIKey](t)(w.svc.RevokeAPIKey(w.admin, k.Key.ID)) // twice is a no-op
	_, err := w.svc.RevokeAPIKey(w.admin, "nope")
	wantCode(t, "revoke an unknown key", err, consent.ENOTFOUND, "")
	client := tablet("192.0.2.1", "")
	for _, secret := range []string{k.Secret, "cdk_unknown"} {
		_, err := w.svc.Authenticate(client, secret)
		wantCode(t, "authenticate "+secret[:8], err, consent.EUNAUTHORIZED, "")
	}
	w.svc.FailedAuthLog().Flush(w.admin, w.clock.Now())
	var failures []map[string]any
	for _, e := range w.events("") {
		if e.Type == consent.EventAuthFailed {
			failures = append(failures, map[string]any{"reason": e.Details["reason"], "reasons": e.Details["reasons"], "count": e.Details["count"]})
		}
	}
	want := []map[string]any{{"reason": "revoked key " + k.Key.ID, "reasons": nil, "count": float64(1)},
		{"reason": nil, "reasons": map[string]any{"unknown key": float64(1)}, "count": float64(1)}}
	if d := cmp.Diff(want, failures); d != "" {
		t.Errorf("failed authentications (-want +got):\n%s", d)
	}
	for _, e := range w.events("") {
		for _, v := range e.Details {
			if s, ok := v.(string); ok && strings.Contains(s, k.Secret) {
				t.Errorf("%s holds the secret", e.Type)
			}
		}
	}

	// The first start makes one admin key; later starts none.
	fresh := newWorld(t)
	secret := must[string](t)(fresh.svc.EnsureAdminKey(fresh.admin))
	if again := must[string](t)(fresh.svc.EnsureAdminKey(fresh.admin)); secret == "" || again != "" {
		t.Errorf("EnsureAdminKey: %q then %q", secret, again)
	}
	w.intact()
}

func TestStaff(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name, id, person, role, pin, code, field string
	}{
		{"valid", "dr-1", "Dr. Ana Ruiz", consent.RoleClinician, "135790", "", ""},
		{"taken ID", "dr-1", "Dr. B", consent.RoleClinician, "135790", consent.ECONFLICT, "id"},
		{"ID not addressable", "dr/1", "Dr. C", consent.RoleClinician, "135790", consent.EINVALID, "id"},
		{"patient is no staff role", "p-1", "P", consent.RolePatient, "135790", consent.EINVALID, "role"},
		{"short PIN", "dr-2", "Dr. D", consent.RoleWitness, "123", consent.EINVALID, "pin"},
	} {
		_, err := w.svc.CreateStaff(w.admin, tc.id, tc.person, tc.role, tc.pin)
		wantCode(t, tc.name, err, tc.code, tc.field)
	}
	st := must[*consent.Staff](t)(w.store.Access().FindStaff(w.admin, "dr-1"))
	if st.PINHash == "135790" || !w.pins.Compare(st.PINHash, "135790") {
		t.Errorf("PIN stored as %q", st.PINHash)
	}
	d := must[*consent.Staff](t)(w.svc.DeactivateStaff(w.admin, "dr-1"))
	again := must[*consent.Staff](t)(w.svc.DeactivateStaff(w.admin, "dr-1"))
	if d.DeactivatedAt == nil || !again.DeactivatedAt.Equal(*d.DeactivatedAt) {
		t.Errorf("deactivated at %v, then %v", d.DeactivatedAt, again.DeactivatedAt)
	}
	w.intact()
}

func TestDevices(t *testing.T) {
	w := newWorld(t)
	d := must[*consent.CreatedDevice](t)(w.svc.CreateDevice(w.admin, "Front desk"))
	if !strings.HasPrefix(d.Token, consent.DeviceTokenPrefix) || d.Device.CreatedBy != "apikey:KADMIN" {
		t.Errorf("device %+v token %s", d.Device, d.Token)
	}
	browser := tablet("10.0.0.70", "")
	got := must[*consent.Device](t)(w.svc.EnrolDevice(browser, d.Token))
	if got.ID != d.Device.ID {
		t.Errorf("enrolled %s", got.ID)
	}
	if dev := must[*consent.Device](t)(w.svc.DeviceByToken(browser, d.Token)); dev == nil || dev.ID != d.Device.ID {
		t.Errorf("DeviceByToken: %v", dev)
	}
	for _, token := range []string{"cdt_unknown", "not-a-device-token", strings.Repeat("x", 200)} {
		if dev := must[*consent.Device](t)(w.svc.DeviceByToken(browser, token)); dev != nil {
			t.Errorf("DeviceByToken(%.10s) = %v", token, dev)
		}
	}
	_, err := w.svc.EnrolDevice(browser, "cdt_unknown")
	wantCode(t, "enrol an unknown token", err, consent.EUNAUTHORIZED, "")
	must[*consent.Device](t)(w.svc.RevokeDevice(w.admin, d.Device.ID))
	if dev := must[*consent.Device](t)(w.svc.DeviceByToken(browser, d.Token)); dev != nil {
		t.Errorf("a revoked device still counts: %v", dev)
	}
	list := must[[]*consent.Device](t)(w.svc.ListDevices(w.admin))
	if len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("devices %v", list)
	}
	if d := cmp.Diff([]string{consent.EventDeviceCreated, consent.EventDeviceEnrolled, consent.EventAuthFailed, consent.EventDeviceRevoked},
		w.types("", 0)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	w.intact()
}

// resolver answers every host with fixed addresses.
type resolver []netip.Addr

func (r resolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) { return r, nil }

func TestWebhooks(t *testing.T) {
	w := newWorld(t)
	w.svc.Resolver = resolver{netip.MustParseAddr("10.1.2.3")}
	for _, tc := range []struct {
		name, url string
		events    []string
		field     string
	}{
		{"not a URL", "ftp://x", []string{consent.EventConsentSigned}, "url"},
		{"a private address", "https://10.0.0.1/hook", []string{consent.EventConsentSigned}, "url"},
		{"a host resolving privately", "https://ehr.example/hook", []string{consent.EventConsentSigned}, "url"},
		{"metadata address", "http://169.254.169.254/", []string{consent.EventConsentSigned}, "url"},
		{"no events", "https://203.0.113.1/hook", nil, "events"},
		{"unknown event", "https://203.0.113.1/hook", []string{"consent.signed", "consent.deleted"}, "events[1]"},
	} {
		_, err := w.svc.CreateWebhook(w.admin, tc.url, tc.events)
		wantCode(t, tc.name, err, consent.EINVALID, tc.field)
	}
	nets, err := consent.ParseWebhookNetworks("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	w.svc.WebhookNetworks = nets
	hook := must[*consent.Webhook](t)(w.svc.CreateWebhook(w.admin, "https://ehr.example/hook", []string{consent.EventConsentCreated}))
	if !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Errorf("secret %q", hook.Secret)
	}
	w.svc.WebhookNetworks = nil
	problems := must[[]consent.WebhookTargetProblem](t)(w.svc.CheckWebhookTargets(w.admin))
	if len(problems) != 1 || problems[0].WebhookID != hook.ID {
		t.Errorf("targets refused after the policy changed: %+v", problems)
	}
	w.publish("tpl", testContent())
	w.create()
	// A webhook event carries IDs and states, never the patient.
	due := must[[]*consent.WebhookDelivery](t)(w.store.Deliveries().ClaimDueDeliveries(w.admin, w.clock.Now(), 0, consent.DeliveryClaim{Limit: 10}))
	if len(due) != 1 || strings.Contains(string(due[0].Payload), "Müller") || !strings.Contains(string(due[0].Payload), `"status":"pending"`) {
		t.Errorf("deliveries %d, payload %s", len(due), due[0].Payload)
	}
	deleted := must[*consent.Webhook](t)(w.svc.DeleteWebhook(w.admin, hook.ID))
	if again := must[*consent.Webhook](t)(w.svc.DeleteWebhook(w.admin, hook.ID)); deleted.DeletedAt == nil || !again.DeletedAt.Equal(*deleted.DeletedAt) {
		t.Errorf("deleted at %v, then %v", deleted.DeletedAt, again.DeletedAt)
	}
	w.create()
	if n := must[int](t)(w.store.Webhooks().CountPendingDeliveries(w.admin)); n != 0 {
		t.Errorf("%d pending deliveries after the delete", n)
	}
	w.intact()
}
