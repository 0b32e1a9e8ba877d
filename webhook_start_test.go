package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookAllowNetsIsStrict checks a malformed CONSENTD_WEBHOOK_ALLOW_NETS
// stops the start with a message naming the variable.
func TestWebhookAllowNetsIsStrict(t *testing.T) {
	for _, bad := range []string{"10.20.0.0/33", "10.20.1.0/16", "localhost"} {
		vars := env(map[string]string{"CONSENTD_DATA_DIR": filepath.Join(t.TempDir(), "data"), "CONSENTD_ADDR": "127.0.0.1:0",
			"CONSENTD_WEBHOOK_ALLOW_NETS": bad})
		var out bytes.Buffer
		err := run(context.Background(), []string{"serve"}, vars, &out)
		if err == nil || !strings.Contains(err.Error(), "CONSENTD_WEBHOOK_ALLOW_NETS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
