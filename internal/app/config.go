package app

import (
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/consentd/consentd/api"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/internal/ratelimit"
)

// Config is every setting of one consentd process. The commands fill it from
// flags and CONSENTD_* variables (Bind); tests start from Default and change
// fields. New refuses a Config that Check refuses.
type Config struct {
	// Settings an operator gives as a flag or a CONSENTD_* variable (Bind
	// names them; the README's Configuration table explains them).
	Addr               string // listen address, host:port
	DataDir            string // database (SQLite), generated keys, secret.key, audit head, admin key
	DatabaseURL        string // "" or sqlite:PATH for SQLite, postgres://... for PostgreSQL
	PublicURL          string // absolute base of links, QR codes and FHIR URLs
	TrustedProxies     string // comma-separated IPs and CIDRs whose X-Forwarded-For is believed
	ClinicName         string // printed on every PDF
	TimeZone           string // IANA name; PDFs show UTC and this zone
	SealCert, SealKey  string // PEM chain and key that seal PDFs; generated in the data dir when both empty
	SealPKCS12         string // or a PKCS#12 file holding both
	SealPKCS12Password string
	SealPrevious       string // directory of earlier sealing certificates; <DataDir>/keys/previous when empty
	TSAURL             string // RFC 3161 time-stamp authority; none when empty
	TLSCert, TLSKey    string // serve HTTPS with these; plain HTTP when empty
	LogFormat          string // json or text
	LogLevel           slog.Level
	FHIRPatientSystem  string                   // identifier system of patient IDs in FHIR
	ExpireEvery        time.Duration            // how often pending consents past expiry are expired; 0 = never
	KeyLimit           Limit                    // requests per API key (--key-rate); zero = unlimited
	Checkpoints        consent.CheckpointPolicy // when signed audit checkpoints are written
	WebhookAllowNets   string                   // comma-separated CIDRs of non-public networks webhooks may reach
	MetricsAddr        string                   // serve /metrics only here instead of on Addr
	MetricsToken       string                   // bearer token required to scrape /metrics; open when empty
	// Secret is the server secret (CONSENTD_SECRET, environment only: a flag
	// would show in the process list); SecretFile a file holding it. With
	// neither, the data dir's secret.key is used, created on first start.
	Secret     []byte
	SecretFile string

	// Settings in code only: "consentd serve" uses Default's values; tests
	// change them, and only them and the ones above, to fit a test.
	Now           func() time.Time // the clock of every timestamp and limit window
	BcryptCost    int              // cost of staff PIN hashes; 0 = bcrypt's default
	CodeLimit     Limit            // signing-code exchanges per enrolled device or client IP
	LinkLimit     Limit            // patient download-link requests per client IP
	PublicLimit   Limit            // public verifications (no API key) per client IP
	PublicCeiling Limit            // all public verifications together, against rotating addresses
	LogOutput     io.Writer        // where logs go
	Version       string           // reported by /healthz and in logs
}

// Limit is a token bucket per key: PerSecond requests on average and up to
// Burst at once. The zero Limit is no limit.
type Limit struct {
	PerSecond float64
	Burst     int
}

// Default returns the settings "consentd serve" starts with when no flag or
// variable is given.
func Default() Config {
	return Config{
		Addr:              ":8080",
		DataDir:           "./data",
		PublicURL:         "http://localhost:8080",
		ClinicName:        "Clinic",
		TimeZone:          "UTC",
		LogFormat:         "json",
		LogLevel:          slog.LevelInfo,
		FHIRPatientSystem: "urn:consentd:patient-id",
		ExpireEvery:       time.Minute,
		KeyLimit:          KeyRate(200),
		Checkpoints:       consent.CheckpointPolicy{Events: 1000, Interval: 15 * time.Minute},
		Now:               time.Now,
		CodeLimit:         Limit{PerSecond: 0.2, Burst: 10},
		LinkLimit:         Limit{PerSecond: 0.5, Burst: 20},
		PublicLimit:       Limit{PerSecond: 0.2, Burst: 10},
		PublicCeiling:     Limit{PerSecond: 2, Burst: 60},
		LogOutput:         os.Stderr,
		Version:           "dev",
	}
}

// KeyRate is the per-key limit of --key-rate: perSecond on average, bursts
// of two seconds' worth (at least one request); 0 is no limit.
func KeyRate(perSecond float64) Limit {
	if perSecond <= 0 {
		return Limit{}
	}
	return Limit{PerSecond: perSecond, Burst: max(1, int(math.Ceil(2*perSecond)))}
}

// limiter returns the limiter, or nil (no limit) for the zero Limit.
func (l Limit) limiter() api.Limiter {
	if l.PerSecond <= 0 {
		return nil
	}
	return ratelimit.New(l.PerSecond, l.Burst)
}
