package app

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bind registers every setting of c as a flag of fs, with c's values as the
// defaults. After fs.Parse, the returned load applies the CONSENTD_*
// variables to the settings no flag gave (flags win) and checks the whole
// configuration: every malformed value is reported, naming the variable (or
// flag), the value and what is expected, and none becomes a silent default.
//
// Each flag's variable is CONSENTD_ and its name in upper case with "_" for
// "-" (--expire-every: CONSENTD_EXPIRE_EVERY). The standard flag package
// with this one loop does what a flags-from-environment library would,
// while run keeps its injected getenv.
func Bind(fs *flag.FlagSet, c *Config) (load func(getenv func(string) string) error) {
	var names []string // the settings' flags; a command may add others, which have no variable
	setting := func(name string, v flag.Value, usage string) {
		fs.Var(v, name, usage+" ("+envName(name)+")")
		names = append(names, name)
	}
	str := func(name string, p *string, usage string) { setting(name, (*stringValue)(p), usage) }
	str("addr", &c.Addr, "listen `address`, host:port")
	str("data-dir", &c.DataDir, "data `directory`: database, keys, secrets")
	str("database-url", &c.DatabaseURL, "database `URL`; empty = SQLite in the data dir, postgres://... = PostgreSQL")
	str("public-url", &c.PublicURL, "absolute base `URL` for links, QR codes and FHIR")
	str("trusted-proxies", &c.TrustedProxies, "comma-separated proxy `IPs/CIDRs` whose X-Forwarded-For is trusted")
	str("clinic-name", &c.ClinicName, "clinic `name` printed on PDFs")
	str("time-zone", &c.TimeZone, "clinic time `zone` for PDFs, e.g. America/Chicago")
	str("seal-cert", &c.SealCert, "PEM certificate chain `file` that seals PDFs, e.g. a mounted secret")
	str("seal-key", &c.SealKey, "PEM private key `file` that seals PDFs")
	str("seal-pkcs12", &c.SealPKCS12, "PKCS#12 `file` with the sealing key and chain")
	str("seal-pkcs12-password", &c.SealPKCS12Password, "`password` of the PKCS#12 file")
	str("seal-previous", &c.SealPrevious, "`directory` of earlier sealing certificates, trusted for verification; default DATA_DIR/keys/previous")
	str("tsa-url", &c.TSAURL, "RFC 3161 timestamp authority `URL`; off when empty")
	str("tls-cert", &c.TLSCert, "serve HTTPS with this certificate `file`")
	str("tls-key", &c.TLSKey, "and this key `file`")
	str("log-format", &c.LogFormat, "log `format`: json or text")
	setting("log-level", (*levelValue)(&c.LogLevel), "log `level`: debug, info (the default), warn or error")
	str("fhir-patient-system", &c.FHIRPatientSystem, "FHIR identifier system (an absolute `URI`) of patient IDs")
	setting("expire-every", (*durationValue)(&c.ExpireEvery), "how often (a `duration`) pending consents past expiry are expired; 0 = never")
	setting("key-rate", (*keyRateValue)(&c.KeyLimit), "`requests` per second allowed per API key, 0 = unlimited")
	setting("audit-checkpoint-events", (*countValue)(&c.Checkpoints.Events),
		"write a signed audit checkpoint after this many audit `events`; 0 = not by count")
	setting("audit-checkpoint-interval", (*durationValue)(&c.Checkpoints.Interval),
		"write a signed audit checkpoint at this `interval` while events are added; 0 = not by time")
	str("metrics-addr", &c.MetricsAddr, "serve /metrics on this `address` only, e.g. 127.0.0.1:9090, instead of on --addr")
	str("metrics-token", &c.MetricsToken, "bearer `token` (16+ characters) required to scrape /metrics; open when empty")
	str("webhook-allow-nets", &c.WebhookAllowNets, "comma-separated `CIDRs` of non-public networks webhooks may reach, e.g. 10.20.0.0/16")
	str("secret-file", &c.SecretFile, "`file` holding the server secret (32+ bytes), e.g. a mounted secret; or set CONSENTD_SECRET")

	return func(getenv func(string) string) error {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		var errs []error
		for _, name := range names {
			v := getenv(envName(name))
			if v == "" || given[name] {
				continue
			}
			if err := fs.Lookup(name).Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%s: %w", envName(name), shown(name, v), err))
			}
		}
		if v := getenv(envSecret); v != "" {
			b, err := decodeSecret(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envSecret, err))
			}
			c.Secret = b
		}
		// The settings that did parse are checked too, so one start reports
		// every problem.
		return errors.Join(append(errs, c.Check())...)
	}
}

// envName is the variable of a flag: CONSENTD_ and the name in upper case.
func envName(flagName string) string {
	return "CONSENTD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// stringValue is a plain string setting; Check validates it.
type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }

// durationValue needs a unit (time.ParseDuration takes "5" for nothing but
// "0") and is not negative.
type durationValue time.Duration

func (v *durationValue) String() string { return time.Duration(*v).String() }
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return errors.New("not a duration with a unit, such as 30s, 5m or 1h")
	}
	*v = durationValue(d)
	return nil
}

// countValue is a whole number (Check refuses a negative one).
type countValue int64

func (v *countValue) String() string { return strconv.FormatInt(int64(*v), 10) }
func (v *countValue) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not a whole number")
	}
	*v = countValue(n)
	return nil
}

// keyRateValue is --key-rate: a number of requests per second, 0 = unlimited.
type keyRateValue Limit

func (v *keyRateValue) String() string { return strconv.FormatFloat(v.PerSecond, 'g', -1, 64) }
func (v *keyRateValue) Set(s string) error {
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return errors.New("not a number of requests per second such as 200 or 0.5 (0 = unlimited)")
	}
	*v = keyRateValue(KeyRate(r))
	return nil
}

// levelValue accepts the four level names, in any case.
type levelValue slog.Level

func (v *levelValue) String() string { return strings.ToLower(slog.Level(*v).String()) }
func (v *levelValue) Set(s string) error {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if strings.EqualFold(s, l.String()) {
			*v = levelValue(l)
			return nil
		}
	}
	return errors.New("not a log level: use debug, info, warn or error")
}
