package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
)

// config is every setting, from flags with CONSENTD_* environment defaults.
type config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string
	PublicURL      string
	TrustedProxies string
	ClinicName     string
	TimeZone       string
	SealCert       string
	SealKey        string
	SealPKCS12     string
	SealPKCS12Pass string
	TSAURL         string
	TLSCert        string
	TLSKey         string
	LogFormat      string
	LogLevel       string
	FHIRSystem     string
	ExpireEvery    time.Duration
	KeyRate        float64
	Checkpoints    consent.CheckpointPolicy // when signed audit checkpoints are written
	// WebhookAllowNets are the non-public networks webhooks may reach (CIDRs).
	WebhookAllowNets string
	// MetricsAddr serves /metrics on its own listener instead of the API's;
	// MetricsToken, when set, is required as a bearer token to scrape it.
	MetricsAddr  string
	MetricsToken string

	errs []error // malformed environment values, reported by check
}

func bindConfig(fs *flag.FlagSet, getenv func(string) string) *config {
	c := &config{}
	env := func(name, def string) string {
		if v := getenv("CONSENTD_" + name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (CONSENTD_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "data directory: database, keys, secrets (CONSENTD_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "database URL; empty = SQLite in the data dir (CONSENTD_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", "http://localhost:8080"), "absolute base URL for links, QR codes and FHIR (CONSENTD_PUBLIC_URL)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated proxy IPs/CIDRs whose X-Forwarded-For is trusted (CONSENTD_TRUSTED_PROXIES)")
	fs.StringVar(&c.ClinicName, "clinic-name", env("CLINIC_NAME", "Clinic"), "clinic name printed on PDFs (CONSENTD_CLINIC_NAME)")
	fs.StringVar(&c.TimeZone, "time-zone", env("TIME_ZONE", "UTC"), "clinic time zone for PDFs, e.g. America/Chicago (CONSENTD_TIME_ZONE)")
	fs.StringVar(&c.SealCert, "seal-cert", env("SEAL_CERT", ""), "PEM certificate chain that seals PDFs (CONSENTD_SEAL_CERT)")
	fs.StringVar(&c.SealKey, "seal-key", env("SEAL_KEY", ""), "PEM private key that seals PDFs (CONSENTD_SEAL_KEY)")
	fs.StringVar(&c.SealPKCS12, "seal-pkcs12", env("SEAL_PKCS12", ""), "PKCS#12 file with the sealing key and chain (CONSENTD_SEAL_PKCS12)")
	fs.StringVar(&c.SealPKCS12Pass, "seal-pkcs12-password", env("SEAL_PKCS12_PASSWORD", ""), "password of the PKCS#12 file (CONSENTD_SEAL_PKCS12_PASSWORD)")
	fs.StringVar(&c.TSAURL, "tsa-url", env("TSA_URL", ""), "RFC 3161 timestamp authority URL; off when empty (CONSENTD_TSA_URL)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("TLS_CERT", ""), "serve HTTPS with this certificate (CONSENTD_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("TLS_KEY", ""), "and this key (CONSENTD_TLS_KEY)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "json"), "json or text (CONSENTD_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (CONSENTD_LOG_LEVEL)")
	fs.StringVar(&c.FHIRSystem, "fhir-patient-system", env("FHIR_PATIENT_SYSTEM", "urn:consentd:patient-id"), "FHIR identifier system of patient IDs (CONSENTD_FHIR_PATIENT_SYSTEM)")
	every, _ := time.ParseDuration(env("EXPIRE_EVERY", "1m"))
	fs.DurationVar(&c.ExpireEvery, "expire-every", every, "how often pending consents past expiry are expired (CONSENTD_EXPIRE_EVERY)")
	rate, err := strconv.ParseFloat(env("KEY_RATE", "200"), 64)
	if err != nil {
		rate = 200
	}
	fs.Float64Var(&c.KeyRate, "key-rate", rate, "requests per second allowed per API key, 0 = unlimited (CONSENTD_KEY_RATE)")
	bindCheckpointConfig(fs, getenv, c)
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""),
		"serve /metrics on this address only, e.g. 127.0.0.1:9090, instead of on --addr (CONSENTD_METRICS_ADDR)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("METRICS_TOKEN", ""),
		"bearer token (16+ characters) required to scrape /metrics; open when empty (CONSENTD_METRICS_TOKEN)")
	fs.StringVar(&c.WebhookAllowNets, "webhook-allow-nets", env("WEBHOOK_ALLOW_NETS", ""),
		"comma-separated CIDRs of non-public networks webhooks may reach, e.g. 10.20.0.0/16 (CONSENTD_WEBHOOK_ALLOW_NETS)")
	return c
}

func (c *config) trustedProxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkMetrics refuses a metrics token too short to resist guessing.
func (c *config) checkMetrics() error {
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("CONSENTD_METRICS_TOKEN (--metrics-token): at least 16 characters, e.g. the output of `openssl rand -hex 16`")
	}
	return nil
}
