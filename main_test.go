package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/internal/app/apptest"
)

// TestEndToEnd drives run() like a new user: start the server on an empty data
// dir, read the admin key it wrote, create and sign the ketamine consent over
// HTTP, verify the PDF and the audit chain with the CLI, and shut down cleanly.
func TestEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := env(map[string]string{"CONSENTD_DATA_DIR": dir, "CONSENTD_ADDR": "127.0.0.1:0", "CONSENTD_LOG_FORMAT": "text",
		"CONSENTD_AUDIT_CHECKPOINT_INTERVAL": "1s"})
	srv := startServe(t, vars)
	base := srv.base
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode: %v %v", fi.Mode(), err)
	}
	keyFile := filepath.Join(dir, "admin-api-key")
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin key file: %v %v", fi, err)
	}
	b, _ := os.ReadFile(keyFile)
	key := strings.TrimSpace(string(b))

	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var r io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			r = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m
	}
	st, list := call("GET", "/v1/templates", nil)
	if st != 200 || len(list["data"].([]any)) == 0 {
		t.Fatalf("templates: %d %v", st, list)
	}
	// A fresh install publishes every shipped version; the newest is current.
	if tpl := list["data"].([]any)[0].(map[string]any); tpl["slug"] != "ketamine-iv" || tpl["current_version"] != float64(3) {
		t.Fatalf("fresh install: %v, want ketamine-iv with current_version 3", tpl)
	}
	if st, vs := call("GET", "/v1/templates/ketamine-iv/versions", nil); st != 200 || len(vs["data"].([]any)) != 3 ||
		vs["data"].([]any)[0].(map[string]any)["status"] != "published" || vs["data"].([]any)[1].(map[string]any)["status"] != "published" ||
		vs["data"].([]any)[2].(map[string]any)["status"] != "published" {
		t.Fatalf("fresh install versions: %d %v, want 1, 2 and 3 published", st, vs)
	}
	st, c := call("POST", "/v1/consents", apptest.ConsentRequest("en"))
	if st != 201 {
		t.Fatalf("create: %d %v", st, c)
	}
	id := c["id"].(string)
	if st, m := call("POST", "/v1/staff", map[string]any{"id": apptest.StaffID, "name": apptest.StaffName, "role": "clinician", "pin": apptest.StaffPIN}); st != 201 {
		t.Fatalf("staff: %d %v", st, m)
	}
	if st, m := call("POST", "/v1/consents/"+id+"/signatures", apptest.PatientSignature(apptest.Acknowledged(t, c))); st != 201 {
		t.Fatalf("patient: %d %v", st, m)
	}
	if st, m := call("POST", "/v1/consents/"+id+"/signatures", apptest.ClinicianSignature()); st != 201 || m["consent_status"] != "signed" {
		t.Fatalf("clinician: %d %v", st, m)
	}
	req, _ := http.NewRequest("GET", base+"/v1/consents/"+id+"/pdf", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("pdf: %v %v", resp, err)
	}
	pdfBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pdfPath := filepath.Join(t.TempDir(), "consent.pdf")
	os.WriteFile(pdfPath, pdfBytes, 0o600)

	cli := func(args ...string) (string, error) {
		var o bytes.Buffer
		err := run(context.Background(), args, vars, &o)
		return o.String(), err
	}
	if o, err := cli("verify", pdfPath); err != nil || !strings.Contains(o, "VALID: consent "+id) {
		t.Fatalf("verify: %v %s", err, o)
	}
	// Withdrawing seals a second PDF; the CLI recognises both.
	if st, m := call("POST", "/v1/consents/"+id+"/withdraw", map[string]any{"reason": "patient request"}); st != 200 || m["withdrawal_pdf"] == nil {
		t.Fatalf("withdraw: %d %v", st, m)
	}
	req, _ = http.NewRequest("GET", base+"/v1/consents/"+id+"/pdf/withdrawn", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("withdrawal copy: %v %v", resp, err)
	}
	copyBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	copyPath := filepath.Join(t.TempDir(), "withdrawn.pdf")
	os.WriteFile(copyPath, copyBytes, 0o600)
	if o, err := cli("verify", copyPath); err != nil || !strings.Contains(o, "VALID: consent "+id) || !strings.Contains(o, "withdrawal copy") {
		t.Fatalf("verify the withdrawal copy: %v %s", err, o)
	}
	if o, err := cli("verify", pdfPath); err != nil || !strings.Contains(o, "VALID: consent "+id) || strings.Contains(o, "withdraw") {
		t.Fatalf("verify the signed PDF after the withdrawal: %v %s", err, o)
	}
	pdfBytes[len(pdfBytes)/2] ^= 0xff
	os.WriteFile(pdfPath, pdfBytes, 0o600)
	if o, err := cli("verify", pdfPath); err != exitError(1) || !strings.Contains(o, "INVALID") {
		t.Fatalf("tampered verify: %v %s", err, o)
	}
	if o, err := cli("audit", "verify"); err != nil || !strings.Contains(o, "intact") {
		t.Fatalf("audit verify: %v %s", err, o)
	}
	// The server writes a signed checkpoint within a second of the signing;
	// an EHR keeps it, and audit verify checks the chain against it.
	var checkpoints []byte
	for i := 0; i < 100 && checkpoints == nil; i++ {
		req, _ := http.NewRequest("GET", base+"/v1/audit/checkpoints", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("checkpoints: %d %s", resp.StatusCode, b)
		}
		if bytes.Contains(b, []byte(`"seq"`)) {
			checkpoints = b
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	cpFile := filepath.Join(t.TempDir(), "checkpoints.json")
	os.WriteFile(cpFile, checkpoints, 0o600)
	if o, err := cli("audit", "verify", "--checkpoints", cpFile); err != nil || !strings.Contains(o, "intact") || strings.Contains(o, " 0 checkpoints") {
		t.Fatalf("audit verify --checkpoints: %v %s", err, o)
	}
	o, err := cli("apikey", "create", "--name", "ehr", "--scopes", "consents:read")
	if err != nil {
		t.Fatalf("apikey create: %v %s", err, o)
	}
	lines := strings.Split(strings.TrimSpace(o), "\n")
	newKey := lines[len(lines)-1]
	req, _ = http.NewRequest("GET", base+"/v1/consents/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+newKey)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("new key cannot read: %v %v", resp.StatusCode, err)
	}
	if o, err := cli("templates", "import"); err != nil || !strings.Contains(o, "nothing to import") {
		t.Fatalf("templates import: %v %s", err, o)
	}
	// The one command that approves the shipped version, PIN on standard input.
	if st, v := call("GET", "/v1/templates/ketamine-iv/versions/3", nil); st != 200 || v["approval"].(map[string]any)["status"] != "pending" {
		t.Fatalf("shipped version 3 before approval: %d %v", st, v["approval"])
	}
	if st, m := call("POST", "/v1/staff", map[string]any{"id": apptest.ApproverID, "name": apptest.ApproverName,
		"role": "clinician", "pin": apptest.ApproverPIN, "template_approver": true}); st != 201 || m["template_approver"] != true {
		t.Fatalf("approver: %d %v", st, m)
	}
	approve := func(pin string) (string, error) {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(w, pin)
		w.Close()
		defer func(old *os.File) { stdin = old; r.Close() }(stdin)
		stdin = r
		return cli("templates", "approve", "ketamine-iv", "3", "--staff-id", apptest.ApproverID)
	}
	if o, err := approve("000000"); err == nil || !strings.Contains(err.Error(), "wrong staff ID or PIN") {
		t.Fatalf("approve with a wrong PIN: %v %s", err, o)
	}
	if o, err := approve(apptest.ApproverPIN); err != nil || !strings.Contains(o, "approved ketamine-iv version 3") {
		t.Fatalf("templates approve: %v %s", err, o)
	}
	if st, v := call("GET", "/v1/templates/ketamine-iv/versions/3", nil); st != 200 ||
		v["approval"].(map[string]any)["staff_id"] != apptest.ApproverID {
		t.Fatalf("shipped version 3 after approval: %d %v", st, v["approval"])
	}
	if o, err := cli("apikey", "list"); err != nil || !strings.Contains(o, "ehr") {
		t.Fatalf("apikey list: %v %s", err, o)
	}

	if err := srv.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(srv.out.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), key) {
			t.Fatal("the admin key was printed")
		}
	}
}

func TestUsageAndBadFlags(t *testing.T) {
	var o bytes.Buffer
	if err := run(context.Background(), nil, env(nil), &o); err != exitError(2) || !strings.Contains(o.String(), "usage") {
		t.Fatalf("no args: %v %q", err, o.String())
	}
	o.Reset()
	if err := run(context.Background(), []string{"serve", "--no-such-flag"}, env(nil), &o); err != exitError(2) {
		t.Fatalf("bad flag: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &o); err != exitError(2) {
		t.Fatalf("unknown command: %v", err)
	}
	// "consentd loadtest" is internal/loadtest behind its own flags; its exit
	// statuses come through.
	if err := run(context.Background(), []string{"loadtest", "--no-such-flag"}, env(nil), &o); err != exitError(2) {
		t.Fatalf("loadtest bad flag: %v", err)
	}
	if err := run(context.Background(), []string{"loadtest", "--key", "k", "--c", "0"}, env(nil), &o); err == nil || !strings.Contains(err.Error(), "--c and --read-c") {
		t.Fatalf("loadtest bad value: %v", err)
	}
}
