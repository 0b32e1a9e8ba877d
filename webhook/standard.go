package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
)

// The Standard Webhooks headers (https://www.standardwebhooks.com), sent
// beside Consentd-Signature so receivers can verify deliveries with the
// official libraries in any language.
const (
	// IDHeader is the event ID: the same on every retry and for every
	// endpoint, and equal to the payload's "id", so receivers de-duplicate by it.
	IDHeader = "webhook-id"
	// TimestampHeader is the attempt's time in unix seconds.
	TimestampHeader = "webhook-timestamp"
	// StandardSignatureHeader is "v1,<base64 HMAC-SHA256>" per signing
	// secret, space-separated (two during a rotation's overlap).
	StandardSignatureHeader = "webhook-signature"
)

// StandardKey returns the Standard Webhooks HMAC key of an endpoint secret:
// the bytes that the part after "whsec_" encodes. Secrets issued now are
// standard base64, which the official libraries decode themselves; secrets
// issued before Standard Webhooks headers existed are unpadded base64url
// (they hold - and _ where standard base64 has + and /), and are read the
// same way after mapping those characters, so both kinds give the random
// bytes they were made from.
func StandardKey(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, consent.WebhookSecretPrefix)
	if !ok || enc == "" {
		return nil, fmt.Errorf("webhook secret does not start with %s", consent.WebhookSecretPrefix)
	}
	enc = strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(enc), "=")
	key, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || len(key) < 24 {
		return nil, fmt.Errorf("webhook secret is not base64 of at least 24 bytes")
	}
	return key, nil
}

// StandardSecret returns secret in the form the official Standard Webhooks
// libraries accept: "whsec_" and the standard, padded base64 of
// StandardKey(secret). For a secret issued now it is the secret itself; a
// receiver holding an older (base64url) secret converts it with this.
func StandardSecret(secret string) (string, error) {
	key, err := StandardKey(secret)
	if err != nil {
		return "", err
	}
	return consent.WebhookSecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// SignStandard returns the webhook-signature value for a delivery of body
// with event ID msgID at unix time t: "v1,<base64 HMAC-SHA256(key,
// "<msgID>.<t>.<body>")>" for each secret, space-separated.
func SignStandard(secrets []string, msgID string, t int64, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := StandardKey(s)
		if err != nil {
			return "", err
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msgID + "." + strconv.FormatInt(t, 10) + "."))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// VerifyStandard checks a delivery's Standard Webhooks headers the way a
// receiver should: a v1 signature made with secret, over the ID, a timestamp
// within tolerance of now and the body.
func VerifyStandard(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get(IDHeader), h.Get(TimestampHeader), h.Get(StandardSignatureHeader)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing Standard Webhooks headers")
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("malformed %s", TimestampHeader)
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("timestamp outside the %s tolerance", tolerance)
	}
	want, err := SignStandard([]string{secret}, id, t, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no signature matches")
}
