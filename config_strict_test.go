package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/internal/app/apptest"
)

// badSetting is a variable with a value that must stop the start.
type badSetting struct {
	name, value string
	also        map[string]string // other variables the case needs
	secret      bool              // the value must not be printed
}

// badSettings has malformed values of every CONSENTD_* variable.
func badSettings(t *testing.T) []badSetting {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	short := filepath.Join(dir, "short-secret")
	for p, b := range map[string]string{file: "x", short: "0123456789"} {
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return []badSetting{
		{name: "CONSENTD_ADDR", value: "8080"},
		{name: "CONSENTD_ADDR", value: ":99999"},
		{name: "CONSENTD_ADDR", value: "localhost:http"},
		{name: "CONSENTD_DATA_DIR", value: file},
		{name: "CONSENTD_DATABASE_URL", value: "mysql://db.example/consentd"},
		{name: "CONSENTD_DATABASE_URL", value: "postgres:/db.example/consentd"},
		{name: "CONSENTD_PUBLIC_URL", value: "consent.example.org"},
		{name: "CONSENTD_PUBLIC_URL", value: "ftp://consent.example.org"},
		{name: "CONSENTD_PUBLIC_URL", value: "https://consent.example.org/?tenant=1"},
		{name: "CONSENTD_TRUSTED_PROXIES", value: "10.0.0.0/33"},
		{name: "CONSENTD_TRUSTED_PROXIES", value: "proxy.local"},
		{name: "CONSENTD_TRUSTED_PROXIES", value: "10.0.1.0/16"},
		{name: "CONSENTD_CLINIC_NAME", value: "Calm Waters \x07"},
		{name: "CONSENTD_CLINIC_NAME", value: "Calm Waters 😀"},
		{name: "CONSENTD_CLINIC_NAME", value: strings.Repeat("Calm Waters ", 20)},
		{name: "CONSENTD_TIME_ZONE", value: "Mars/Olympus"},
		{name: "CONSENTD_TIME_ZONE", value: "+05:00"},
		{name: "CONSENTD_SEAL_CERT", value: filepath.Join(dir, "missing.pem"), also: map[string]string{"CONSENTD_SEAL_KEY": file}},
		{name: "CONSENTD_SEAL_CERT", value: file}, // without a key
		{name: "CONSENTD_SEAL_KEY", value: filepath.Join(dir, "missing.key"), also: map[string]string{"CONSENTD_SEAL_CERT": file}},
		{name: "CONSENTD_SEAL_PKCS12", value: filepath.Join(dir, "missing.p12")},
		{name: "CONSENTD_SEAL_PKCS12", value: file, also: map[string]string{"CONSENTD_SEAL_CERT": file, "CONSENTD_SEAL_KEY": file}},
		{name: "CONSENTD_SEAL_PKCS12_PASSWORD", value: "hunter2-hunter2", secret: true},
		{name: "CONSENTD_SEAL_PREVIOUS", value: filepath.Join(dir, "no-such-dir")},
		{name: "CONSENTD_SEAL_PREVIOUS", value: file},
		{name: "CONSENTD_TSA_URL", value: "timestamp.example"},
		{name: "CONSENTD_TSA_URL", value: "ldap://timestamp.example"},
		{name: "CONSENTD_TLS_CERT", value: file}, // without a key
		{name: "CONSENTD_TLS_CERT", value: filepath.Join(dir, "missing.crt"), also: map[string]string{"CONSENTD_TLS_KEY": file}},
		{name: "CONSENTD_TLS_KEY", value: file, also: map[string]string{"CONSENTD_TLS_CERT": file}}, // not a key pair
		{name: "CONSENTD_LOG_FORMAT", value: "xml"},
		{name: "CONSENTD_LOG_LEVEL", value: "loud"},
		{name: "CONSENTD_LOG_LEVEL", value: "3"},
		{name: "CONSENTD_FHIR_PATIENT_SYSTEM", value: "MRN"},
		{name: "CONSENTD_FHIR_PATIENT_SYSTEM", value: "urn:"},
		{name: "CONSENTD_FHIR_PATIENT_SYSTEM", value: "https://hospital.example.org/ mrn"},
		{name: "CONSENTD_EXPIRE_EVERY", value: "5"},
		{name: "CONSENTD_EXPIRE_EVERY", value: "1 minute"},
		{name: "CONSENTD_EXPIRE_EVERY", value: "-1m"},
		{name: "CONSENTD_EXPIRE_EVERY", value: "10ms"},
		{name: "CONSENTD_KEY_RATE", value: "abc"},
		{name: "CONSENTD_KEY_RATE", value: "-1"},
		{name: "CONSENTD_KEY_RATE", value: "NaN"},
		{name: "CONSENTD_KEY_RATE", value: "Inf"},
		{name: "CONSENTD_KEY_RATE", value: "200/s"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_EVENTS", value: "1k"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_EVENTS", value: "-5"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_EVENTS", value: "1.5"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_INTERVAL", value: "5 minutes"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_INTERVAL", value: "500ms"},
		{name: "CONSENTD_AUDIT_CHECKPOINT_INTERVAL", value: "-15m"},
		{name: "CONSENTD_METRICS_ADDR", value: "9090"},
		{name: "CONSENTD_METRICS_ADDR", value: "127.0.0.1:8080", also: map[string]string{"CONSENTD_ADDR": "127.0.0.1:8080"}},
		{name: "CONSENTD_METRICS_TOKEN", value: "short", secret: true},
		{name: "CONSENTD_METRICS_TOKEN", value: "has a space 0123456789", secret: true},
		{name: "CONSENTD_WEBHOOK_ALLOW_NETS", value: "10.20.0.0/33"},
		{name: "CONSENTD_WEBHOOK_ALLOW_NETS", value: "localhost"},
		{name: "CONSENTD_SECRET", value: "dG9vIHNob3J0", secret: true}, // "too short", base64
		{name: "CONSENTD_SECRET", value: hex.EncodeToString(make([]byte, 31)), secret: true},
		{name: "CONSENTD_SECRET", value: "not base64 and not hex!", secret: true},
		{name: "CONSENTD_SECRET_FILE", value: filepath.Join(dir, "missing-secret")},
		{name: "CONSENTD_SECRET_FILE", value: short},
		{name: "CONSENTD_SECRET_FILE", value: file, also: map[string]string{"CONSENTD_SECRET": hex.EncodeToString(make([]byte, 32))}},
	}
}

// TestBadSettingsStopTheStart: a malformed value of any variable stops
// "serve" before it opens anything, with a message that names the variable,
// shows the value (never a secret's) and says what is expected.
func TestBadSettingsStopTheStart(t *testing.T) {
	for _, tt := range badSettings(t) {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			vars := map[string]string{"CONSENTD_DATA_DIR": dataDir, "CONSENTD_ADDR": "127.0.0.1:0", tt.name: tt.value}
			for k, v := range tt.also {
				vars[k] = v
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a start that wrongly accepts the value returns at once
			err := run(ctx, []string{"serve"}, env(vars), &apptest.SyncBuffer{})
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Fatalf("%v, want an error naming %s", err, tt.name)
			}
			if shown := strings.Contains(err.Error(), strconv.Quote(tt.value)); shown == tt.secret {
				t.Errorf("value shown: %v, want %v: %v", shown, !tt.secret, err)
			}
			if _, statErr := os.Stat(dataDir); statErr == nil && tt.name != "CONSENTD_DATA_DIR" {
				t.Errorf("the refused start created the data dir")
			}
		})
	}
}

// TestBadSettingStopsEveryCommand: every command checks the whole
// configuration, so a value that would stop "serve" stops the others too.
func TestBadSettingStopsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(dir, "data"), "CONSENTD_EXPIRE_EVERY": "5"})
	for _, args := range [][]string{{"serve"}, {"apikey", "create", "--name", "x", "--scopes", "admin"}, {"apikey", "list"},
		{"apikey", "revoke", "X"}, {"templates", "import"}, {"verify", filepath.Join(dir, "x.pdf")}, {"audit", "verify"},
		{"backup", filepath.Join(dir, "b.db")}, {"keys", "rotate"}, {"healthcheck"}} {
		err := run(context.Background(), args, vars, &apptest.SyncBuffer{})
		if err == nil || !strings.Contains(err.Error(), `CONSENTD_EXPIRE_EVERY="5"`) {
			t.Errorf("%v: %v, want the bad CONSENTD_EXPIRE_EVERY named", args, err)
		}
	}
}

// TestFlagsWinOverEnvironment: a flag replaces its variable, so the
// variable's value is not looked at.
func TestFlagsWinOverEnvironment(t *testing.T) {
	vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CONSENTD_EXPIRE_EVERY": "5"})
	var out apptest.SyncBuffer
	if err := run(context.Background(), []string{"apikey", "list", "--expire-every", "2m"}, vars, &out); err != nil {
		t.Fatalf("apikey list with --expire-every: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"apikey", "list", "--expire-every", "5"}, vars, &out); err != exitError(2) ||
		!strings.Contains(out.String(), "not a duration with a unit") {
		t.Fatalf("a bad flag: %v %s", err, out.String())
	}
}
