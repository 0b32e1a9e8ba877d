package consent

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// CheckpointFormat names the signed checkpoint statement and its version.
const CheckpointFormat = "consentd-audit-checkpoint/1"

// EventAuditCheckpoint is the webhook event that carries each new checkpoint.
const EventAuditCheckpoint = "audit.checkpoint"

// AuditCheckpoint is a signed statement that the audit chain had reached seq
// with head hash at a time. Sent to integrations as it is written, it is a
// copy of the chain's state that lives outside the machine: a log cut short,
// rolled back to an older copy or rewritten no longer matches it.
type AuditCheckpoint struct {
	Seq       int64
	Hash      string
	At        time.Time // server clock, UTC, millisecond precision
	Signature CheckpointSignature
}

// CheckpointSignature is a signature over a checkpoint's SignedBytes.
type CheckpointSignature struct {
	Algorithm  string // "ecdsa-p256-sha256" (ASN.1 DER), "rsa-pkcs1v15-sha256" or "ed25519"
	CertSHA256 string // fingerprint of the sealing certificate whose key signed
	Value      []byte
}

// CheckpointSigner signs checkpoints with the PDF sealing key, so anyone with
// the sealing certificate (GET /v1/signing-certificate) can check them, and
// verifies them against the current and every earlier sealing certificate,
// so rotating the key leaves old checkpoints verifiable.
type CheckpointSigner interface {
	SignCheckpoint(msg []byte) (CheckpointSignature, error)
	// VerifyCheckpoint returns an error saying why sig is not a valid
	// signature of msg by one of the sealing keys.
	VerifyCheckpoint(msg []byte, sig CheckpointSignature) error
}

// SignedBytes returns what the signature covers: the RFC 8785 canonical JSON
// of {"at", "format", "hash", "seq"}, e.g.
// {"at":"2026-11-25T09:44:00.123Z","format":"consentd-audit-checkpoint/1","hash":"9f…","seq":1200}.
func (c *AuditCheckpoint) SignedBytes() []byte {
	b, err := CanonicalJSON(map[string]any{"format": CheckpointFormat, "seq": c.Seq, "hash": c.Hash, "at": FormatTime(c.At)})
	if err != nil {
		// Every field is a plain string or a sequence number; nothing here can fail.
		panic("consent: checkpoint encoding: " + err.Error())
	}
	return b
}

// checkpointJSON is the wire form served by GET /v1/audit/checkpoints, sent in
// audit.checkpoint webhooks and read by "consentd audit verify --checkpoints".
type checkpointJSON struct {
	Format     string `json:"format"`
	Seq        int64  `json:"seq"`
	Hash       string `json:"hash"`
	At         string `json:"at"`
	Algorithm  string `json:"algorithm"`
	CertSHA256 string `json:"cert_sha256"`
	Signature  string `json:"signature"` // base64 (standard, padded)
}

// MarshalJSON writes the checkpoint's wire form.
func (c AuditCheckpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{Format: CheckpointFormat, Seq: c.Seq, Hash: c.Hash, At: FormatTime(c.At),
		Algorithm: c.Signature.Algorithm, CertSHA256: c.Signature.CertSHA256,
		Signature: base64.StdEncoding.EncodeToString(c.Signature.Value)})
}

// UnmarshalJSON reads the wire form, refusing another format or a malformed field.
func (c *AuditCheckpoint) UnmarshalJSON(b []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Format != CheckpointFormat {
		return fmt.Errorf("format %q is not %s", j.Format, CheckpointFormat)
	}
	at, err := time.Parse(time.RFC3339Nano, j.At)
	if err != nil {
		return fmt.Errorf("at: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Signature)
	if err != nil {
		return fmt.Errorf("signature: not base64: %w", err)
	}
	if j.Seq <= 0 || j.Hash == "" || len(sig) == 0 {
		return fmt.Errorf("seq, hash and signature are required")
	}
	*c = AuditCheckpoint{Seq: j.Seq, Hash: j.Hash, At: Millis(at),
		Signature: CheckpointSignature{Algorithm: j.Algorithm, CertSHA256: j.CertSHA256, Value: sig}}
	return nil
}
