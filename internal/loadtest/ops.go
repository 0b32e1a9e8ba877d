package loadtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentd/consentd/consent"
)

// The operations the load test times.
const (
	opCreate        = "create"
	opSignPatient   = "sign-patient"
	opSignClinician = "sign-clinician" // the last signature: it seals the PDF
	opRead          = "read"           // GET /v1/consents/{id}
	opList          = "list"           // GET /v1/consents?patient_id=
	opDocument      = "document"       // GET /v1/consents/{id}/documents/{locale}, once per document (summary view)
)

// call sends one JSON request, times it under op and returns the status and
// body; a transport error counts under status 0.
func (r *runner) call(ctx context.Context, op, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+r.cfg.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() == nil { // a request cut by --max-duration is not the server's error
			r.stats[op].fail("transport error")
		}
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		if ctx.Err() == nil {
			r.stats[op].fail("transport error")
		}
		return 0, err
	}
	switch {
	case resp.StatusCode >= 300:
		r.stats[op].fail(strconv.Itoa(resp.StatusCode))
		return resp.StatusCode, fmt.Errorf("%s %s: %d %.200s", method, op, resp.StatusCode, b)
	case out != nil:
		if err := json.Unmarshal(b, out); err != nil {
			r.stats[op].fail("bad JSON")
			return resp.StatusCode, err
		}
	}
	r.stats[op].ok(d)
	return resp.StatusCode, nil
}

// ensureStaff registers the countersigning clinician; 409 means it exists.
func (r *runner) ensureStaff(ctx context.Context) error {
	body := map[string]any{"id": r.cfg.StaffID, "name": "Load Test Clinician", "role": "clinician", "pin": r.cfg.StaffPIN}
	r.stats["staff"] = newOpStats() // not reported
	st, err := r.call(ctx, "staff", http.MethodPost, "/v1/staff", body, nil)
	if err != nil && st != http.StatusConflict {
		return fmt.Errorf("loadtest: create staff %s (needs an admin key): %w", r.cfg.StaffID, err)
	}
	return nil
}

// sampleValues fills the variables a template version has no default for;
// any other name gets "Load test".
var sampleValues = map[string]string{"clinic_name": "Load Test Clinic", "clinician_name": "Dr. Load",
	"clinic_phone": "+1 555 0100", "after_hours_phone": "+1 555 0199", "infusion_fee": "$450"}

// loadVariables reads the template's current version and picks a value for
// every variable without a default, so the load test fits whichever version
// the server has current.
func (r *runner) loadVariables(ctx context.Context) error {
	r.stats["template"] = newOpStats() // not reported
	var tpl struct {
		CurrentVersion *int `json:"current_version"`
	}
	path := "/v1/templates/" + url.PathEscape(r.cfg.Template)
	if _, err := r.call(ctx, "template", http.MethodGet, path, nil, &tpl); err != nil {
		return fmt.Errorf("loadtest: read template %s: %w", r.cfg.Template, err)
	} else if tpl.CurrentVersion == nil {
		return fmt.Errorf("loadtest: template %s has no published version", r.cfg.Template)
	}
	var v struct {
		Variables []consent.Variable `json:"variables"`
	}
	if _, err := r.call(ctx, "template", http.MethodGet, fmt.Sprintf("%s/versions/%d", path, *tpl.CurrentVersion), nil, &v); err != nil {
		return fmt.Errorf("loadtest: read template %s version %d: %w", r.cfg.Template, *tpl.CurrentVersion, err)
	}
	r.vars = map[string]string{}
	for _, x := range v.Variables {
		if x.Default == "" {
			r.vars[x.Name] = cmp.Or(sampleValues[x.Name], "Load test")
		}
	}
	return nil
}

// createdConsent is the part of a created consent the load test needs: the
// sections needing acknowledgment come from the document (full view) or
// from the document read by its link, once per content hash (summary view).
type createdConsent struct {
	ID       string `json:"id"`
	Locale   string `json:"locale"`
	Document struct {
		Sections []documentSection `json:"sections"`
	} `json:"document"`
	Documents map[string]struct {
		ContentSHA256 string `json:"content_sha256"`
		URL           string `json:"url"`
	} `json:"documents"`
}

type documentSection struct {
	Key                    string `json:"key"`
	RequiresAcknowledgment bool   `json:"requires_acknowledgment"`
}

// ackKeys returns the sections of c's document that need acknowledgment.
func (r *runner) ackKeys(ctx context.Context, c *createdConsent) ([]string, error) {
	keys := func(sections []documentSection) []string {
		out := []string{}
		for _, s := range sections {
			if s.RequiresAcknowledgment {
				out = append(out, s.Key)
			}
		}
		return out
	}
	if r.cfg.View == "full" {
		return keys(c.Document.Sections), nil
	}
	ref, ok := c.Documents[c.Locale]
	if !ok {
		return nil, fmt.Errorf("loadtest: consent %s lists no document in %s", c.ID, c.Locale)
	}
	r.mu.Lock()
	acks, ok := r.acks[ref.ContentSHA256]
	r.mu.Unlock()
	if ok {
		return acks, nil
	}
	var doc struct {
		Sections []documentSection `json:"sections"`
	}
	if _, err := r.call(ctx, opDocument, http.MethodGet, ref.URL, nil, &doc); err != nil {
		return nil, err
	}
	acks = keys(doc.Sections)
	r.mu.Lock()
	r.acks[ref.ContentSHA256] = acks
	r.mu.Unlock()
	return acks, nil
}

// writes creates and signs N consents with C workers.
func (r *runner) writes(ctx context.Context) {
	parallel(ctx, r.cfg.C, r.cfg.N, func(i int64) { r.signOne(ctx, fmt.Sprintf("LOAD-%s-%d", r.runID, i)) })
}

// parallel calls do(0) ... do(n-1) from the given number of workers, until
// ctx ends.
func parallel(ctx context.Context, workers, n int, do func(i int64)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				do(i)
			}
		}()
	}
	wg.Wait()
}

// signOne creates one consent for patientID and signs it as patient, then
// clinician; the clinician's 201 acknowledges a signed, sealed consent.
func (r *runner) signOne(ctx context.Context, patientID string) {
	var c createdConsent
	body := map[string]any{"template": r.cfg.Template, "locale": "en",
		"patient":   map[string]any{"id": patientID, "given_name": "Load", "family_name": "Tester", "birth_date": "1980-04-02"},
		"variables": r.vars}
	if _, err := r.call(ctx, opCreate, http.MethodPost, "/v1/consents?view="+r.cfg.View, body, &c); err != nil {
		return
	}
	acks, err := r.ackKeys(ctx, &c)
	if err != nil {
		return
	}
	path := "/v1/consents/" + url.PathEscape(c.ID) + "/signatures"
	patient := map[string]any{"role": "patient", "name": "Load Tester", "acknowledged_sections": acks,
		"electronic_records_consent": true,
		"signature":                  map[string]any{"type": "drawn", "width": 600, "height": 200, "strokes": loadStrokes}}
	if _, err := r.call(ctx, opSignPatient, http.MethodPost, path, patient, nil); err != nil {
		return
	}
	clinician := map[string]any{"role": "clinician", "staff": map[string]any{"id": r.cfg.StaffID, "pin": r.cfg.StaffPIN},
		"identity_verified": true, "signature": map[string]any{"type": "typed", "text": "Load Test Clinician"}}
	if _, err := r.call(ctx, opSignClinician, http.MethodPost, path, clinician, nil); err != nil {
		return
	}
	if r.ids != nil {
		r.idsMu.Lock()
		fmt.Fprintln(r.ids, c.ID)
		r.idsMu.Unlock()
	}
	r.mu.Lock()
	r.signed = append(r.signed, target{id: c.ID, patientID: patientID})
	r.mu.Unlock()
}

// loadStrokes is a plausible drawn signature on a 600x200 canvas.
var loadStrokes = func() [][]map[string]int {
	var a, b []map[string]int
	for i := 0; i < 12; i++ {
		a = append(a, map[string]int{"x": 20 + i*15, "y": 100 + (i%3)*25 - 25, "t": i * 16})
		b = append(b, map[string]int{"x": 220 + i*20, "y": 60 + (i%4)*20, "t": 400 + i*16})
	}
	return [][]map[string]int{a, b}
}()

// reads sends ReadN audited reads spread over targets with ReadC workers and
// returns how many it sent.
func (r *runner) reads(ctx context.Context, targets []target) int {
	parallel(ctx, r.cfg.ReadC, r.cfg.ReadN, func(i int64) {
		// A stride coprime with most sizes spreads reads over the whole set.
		t := targets[(i*7919)%int64(len(targets))]
		list := r.cfg.ReadMode == "list" || (r.cfg.ReadMode == "both" && i%2 == 1)
		if list && t.patientID != "" {
			_, _ = r.call(ctx, opList, http.MethodGet, "/v1/consents?limit=50&view="+r.cfg.View+"&patient_id="+url.QueryEscape(t.patientID), nil, nil)
		} else {
			_, _ = r.call(ctx, opRead, http.MethodGet, "/v1/consents/"+url.PathEscape(t.id)+"?view="+r.cfg.View, nil, nil)
		}
	})
	return r.stats[opRead].count() + r.stats[opList].count()
}
