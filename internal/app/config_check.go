package app

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/consentd/consentd/consent"
	"golang.org/x/crypto/bcrypt"
)

// Check reports every setting that is malformed or contradicts another, each
// naming its variable and flag, the value and what is expected. It reads the
// files the settings name (sealing keys, TLS pair, secret file) only as far
// as to know they are there and usable.
func (c *Config) Check() error {
	var errs []error
	bad := func(name, value, expect string) {
		errs = append(errs, problem(name, value, expect))
	}
	if err := checkAddr(c.Addr); err != nil || c.Addr == "" {
		bad("addr", c.Addr, "not a listen address host:port with a numeric port, such as :8080 or 127.0.0.1:8080")
	}
	if c.DataDir == "" {
		bad("data-dir", "", "a data directory is required")
	} else if fi, err := os.Stat(c.DataDir); err == nil && !fi.IsDir() {
		bad("data-dir", c.DataDir, "exists and is not a directory")
	}
	if msg := checkDatabaseURL(c.DatabaseURL); msg != "" {
		bad("database-url", c.DatabaseURL, msg)
	}
	if msg := checkHTTPURL(c.PublicURL); msg != "" || c.PublicURL == "" {
		bad("public-url", c.PublicURL, "not an absolute http(s) URL without query or fragment, such as https://consent.example.org")
	}
	if msg := checkProxies(c.TrustedProxies); msg != "" {
		bad("trusted-proxies", c.TrustedProxies, msg)
	}
	if msg := checkClinicName(c.ClinicName); msg != "" {
		bad("clinic-name", c.ClinicName, msg)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		bad("time-zone", c.TimeZone, "not a time zone name from the IANA database, such as America/Chicago or UTC")
	}
	errs = append(errs, c.checkSealing()...)
	if msg := checkHTTPURL(c.TSAURL); msg != "" {
		bad("tsa-url", c.TSAURL, "not an absolute http(s) URL of a timestamp authority")
	}
	errs = append(errs, c.checkTLS()...)
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("log-format", c.LogFormat, "use json or text")
	}
	if u, err := url.Parse(c.FHIRPatientSystem); err != nil || !u.IsAbs() || (u.Opaque == "" && u.Host == "") ||
		strings.ContainsFunc(c.FHIRPatientSystem, unicode.IsSpace) {
		bad("fhir-patient-system", c.FHIRPatientSystem, "not an absolute URI, such as urn:oid:2.16.840.1.113883.4.1 or https://hospital.example.org/mrn")
	}
	if d := c.ExpireEvery; d < 0 || (d > 0 && d < time.Second) {
		bad("expire-every", d.String(), "use 0 (never) or at least 1s")
	}
	if msg := checkLimit(c.KeyLimit); msg != "" {
		bad("key-rate", strconv.FormatFloat(c.KeyLimit.PerSecond, 'g', -1, 64), msg)
	}
	if c.Checkpoints.Events < 0 {
		bad("audit-checkpoint-events", strconv.FormatInt(c.Checkpoints.Events, 10), "must not be negative (0 turns the count off)")
	}
	if d := c.Checkpoints.Interval; d < 0 || (d > 0 && d < time.Second) {
		bad("audit-checkpoint-interval", d.String(), "use 0 (off) or at least 1s")
	}
	if _, err := consent.ParseWebhookNetworks(c.WebhookAllowNets); err != nil {
		bad("webhook-allow-nets", c.WebhookAllowNets, err.Error())
	}
	if c.MetricsAddr != "" {
		if checkAddr(c.MetricsAddr) != nil {
			bad("metrics-addr", c.MetricsAddr, "not a listen address host:port with a numeric port, such as 127.0.0.1:9090")
		} else if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
			bad("metrics-addr", c.MetricsAddr, "is the API's own address (--addr): give it a port of its own, or leave it empty to serve /metrics on the API")
		}
	}
	if t := c.MetricsToken; t != "" && (len(t) < 16 || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		bad("metrics-token", "(not shown)", "at least 16 characters without spaces, e.g. the output of `openssl rand -hex 16`")
	}
	errs = append(errs, c.checkSecret()...)
	if n := c.BcryptCost; n != 0 && (n < bcrypt.MinCost || n > bcrypt.MaxCost) {
		errs = append(errs, fmt.Errorf("BcryptCost %d: use 0 (the default) or %d to %d", n, bcrypt.MinCost, bcrypt.MaxCost))
	}
	if msg := checkLimit(c.CodeLimit); msg != "" {
		errs = append(errs, fmt.Errorf("CodeLimit %+v: %s", c.CodeLimit, msg))
	}
	if msg := checkLimit(c.LinkLimit); msg != "" {
		errs = append(errs, fmt.Errorf("LinkLimit %+v: %s", c.LinkLimit, msg))
	}
	if msg := checkLimit(c.PublicLimit); msg != "" {
		errs = append(errs, fmt.Errorf("PublicLimit %+v: %s", c.PublicLimit, msg))
	}
	if msg := checkLimit(c.PublicCeiling); msg != "" {
		errs = append(errs, fmt.Errorf("PublicCeiling %+v: %s", c.PublicCeiling, msg))
	}
	return errors.Join(errs...)
}

// problem is the one shape of a configuration error: the variable and its
// flag, the value as given (or a stand-in where it is a secret) and what is
// expected.
func problem(name, value, expect string) error {
	return fmt.Errorf("%s (--%s) %s: %s", envName(name), name, shown(name, value), expect)
}

// shown is a setting's value as an error message may print it: secrets are
// not printed, and a database URL loses its password.
func shown(name, value string) string {
	switch name {
	case "metrics-token", "seal-pkcs12-password":
		return "(not shown)"
	case "database-url":
		if u, err := url.Parse(value); err == nil {
			return strconv.Quote(u.Redacted())
		}
		return "(not shown: it may hold a password)"
	}
	return strconv.Quote(value)
}

// checkAddr accepts host:port with a numeric port (net.Listen would also
// look up service names such as "http"; a setting should not depend on that).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port != strconv.FormatUint(n, 10) {
		return errors.New("bad port")
	}
	return nil
}

// checkDatabaseURL accepts what storage.Open accepts.
func checkDatabaseURL(raw string) string {
	if raw == "" || strings.HasPrefix(raw, "sqlite:") {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || !strings.HasPrefix(raw, u.Scheme+"://") {
		return "use empty (SQLite in the data dir), sqlite:PATH or postgres://user@host:5432/dbname"
	}
	return ""
}

// checkHTTPURL accepts "" or an absolute http(s) URL with a host and no
// query or fragment.
func checkHTTPURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "not an absolute http(s) URL"
	}
	return ""
}

// checkProxies accepts IPs and CIDRs written in their canonical form, as
// CONSENTD_WEBHOOK_ALLOW_NETS does: 10.0.1.0/16 is a typo, not 10.0.0.0/16.
func checkProxies(list string) string {
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Sprintf("%q is not an IP address or a CIDR such as 10.0.0.0/8", p)
		} else if pfx != pfx.Masked() {
			return fmt.Sprintf("%q has bits set past its prefix length; did you mean %s?", p, pfx.Masked())
		}
	}
	return ""
}

// checkClinicName keeps the name printable on every PDF, as the domain does
// for every text a PDF shows.
func checkClinicName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "a clinic name is required"
	case len([]rune(name)) > 200:
		return "longer than 200 characters"
	}
	for _, r := range name {
		if !consent.Printable(r) {
			return fmt.Sprintf("holds %U, which a consent PDF cannot print", r)
		}
	}
	return ""
}

// checkLimit accepts the zero Limit (off) or a finite positive rate with a
// burst of at least one (a burst of 0 would refuse every request).
func checkLimit(l Limit) string {
	switch {
	case l.PerSecond == 0 && l.Burst == 0:
		return ""
	case l.PerSecond <= 0 || math.IsNaN(l.PerSecond) || math.IsInf(l.PerSecond, 0):
		return "the rate must be a positive number (0 = unlimited)"
	case l.Burst < 1:
		return "the burst must be at least 1"
	}
	return ""
}

// checkSealing accepts a PEM pair, a PKCS#12 file or neither (generated keys),
// each file present.
func (c *Config) checkSealing() []error {
	var errs []error
	switch {
	case c.SealPKCS12 != "" && (c.SealCert != "" || c.SealKey != ""):
		errs = append(errs, problem("seal-pkcs12", c.SealPKCS12, "give either --seal-pkcs12 or --seal-cert with --seal-key, not both"))
	case (c.SealCert == "") != (c.SealKey == ""):
		errs = append(errs, problem("seal-cert", c.SealCert, "--seal-cert and --seal-key go together (CONSENTD_SEAL_KEY is "+shown("seal-key", c.SealKey)+")"))
	case c.SealPKCS12Password != "" && c.SealPKCS12 == "":
		errs = append(errs, problem("seal-pkcs12-password", c.SealPKCS12Password, "is set without --seal-pkcs12"))
	}
	for name, path := range map[string]string{"seal-cert": c.SealCert, "seal-key": c.SealKey, "seal-pkcs12": c.SealPKCS12} {
		if msg := checkFile(path); msg != "" {
			errs = append(errs, problem(name, path, msg))
		}
	}
	if c.SealPrevious != "" {
		if fi, err := os.Stat(c.SealPrevious); err != nil || !fi.IsDir() {
			errs = append(errs, problem("seal-previous", c.SealPrevious, "not a directory of certificates"))
		}
	}
	return errs
}

// checkTLS accepts both files or neither, and only a pair that loads.
func (c *Config) checkTLS() []error {
	switch {
	case c.TLSCert == "" && c.TLSKey == "":
		return nil
	case c.TLSCert == "" || c.TLSKey == "":
		return []error{problem("tls-cert", c.TLSCert, "--tls-cert and --tls-key go together (CONSENTD_TLS_KEY is "+shown("tls-key", c.TLSKey)+")")}
	}
	var errs []error
	for name, path := range map[string]string{"tls-cert": c.TLSCert, "tls-key": c.TLSKey} {
		if msg := checkFile(path); msg != "" {
			errs = append(errs, problem(name, path, msg))
		}
	}
	if len(errs) == 0 {
		if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
			errs = append(errs, fmt.Errorf("CONSENTD_TLS_CERT (--tls-cert) %s and CONSENTD_TLS_KEY (--tls-key) %s: not a usable certificate and key: %v",
				shown("tls-cert", c.TLSCert), shown("tls-key", c.TLSKey), err))
		}
	}
	return errs
}

// checkFile accepts "" or a readable regular file.
func checkFile(path string) string {
	if path == "" {
		return ""
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case err != nil:
		return err.Error()
	case !fi.Mode().IsRegular():
		return "not a regular file"
	}
	f, err := os.Open(path)
	if err != nil {
		return "cannot be read: " + err.Error()
	}
	f.Close()
	return ""
}
