// Package webhook delivers consentd's queued webhook events over HTTP: signed
// with HMAC-SHA256, leased in the database so no delivery is sent twice at
// once, retried with exponential backoff for up to a day.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/consentd/consentd/consent"
)

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>",
// with one v1 per signing secret (two during a rotation's overlap).
const SignatureHeader = "Consentd-Signature"

// Sign returns the signature header value for body sent at unix time t.
func Sign(secret string, t int64, body []byte) string {
	return SignAll([]string{secret}, t, body)
}

// SignAll returns the signature header value with a v1 for each secret; the
// HMAC key is the whole secret string, as it was given.
func SignAll(secrets []string, t int64, body []byte) string {
	out := "t=" + strconv.FormatInt(t, 10)
	for _, secret := range secrets {
		m := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(m, "%d.", t)
		m.Write(body)
		out += ",v1=" + hex.EncodeToString(m.Sum(nil))
	}
	return out
}

// Verify checks a delivery's signature header the way a
// receiver should: a v1 HMAC that matches, and a timestamp within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts int64
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == 0 || len(sigs) == 0 {
		return fmt.Errorf("malformed signature header")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("timestamp outside the %s tolerance", tolerance)
	}
	want := Sign(secret, ts, body)
	_, wantSig, _ := strings.Cut(want, ",v1=")
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(wantSig)) {
			return nil
		}
	}
	return fmt.Errorf("signature does not match")
}

// Dispatcher delivers queued webhook events with exponential backoff
// for up to MaxAge. Deliveries are leased in the database, so several
// dispatchers (or processes) never send the same delivery at once. Sends run
// on at most Workers goroutines, at most PerEndpoint per endpoint, each
// attempt bounded by Timeout, so one slow receiver never delays the others.
type Dispatcher struct {
	Store consent.Deliveries
	// Networks is the policy every connection is checked against (nil:
	// public addresses only).
	Networks *consent.WebhookNetworks
	Timeout  time.Duration // per attempt, including connecting (default 10 s)
	Now      func() time.Time
	MaxAge   time.Duration // give up after this long since the event (default 24 h)
	Lease    time.Duration // how long a claimed delivery is reserved (default 1 min)
	Batch    int           // deliveries claimed per round by RunOnce (default 20)
	// Workers bounds concurrent sends (default 8), PerEndpoint those to one
	// endpoint (default 2).
	Workers, PerEndpoint int
	Backoff              func(attempts int) time.Duration
	OnResult             func(d *consent.WebhookDelivery) // e.g. metrics; may be nil

	once     sync.Once
	client   *http.Client
	mu       sync.Mutex
	inflight map[string]int // sends in progress per endpoint
	running  int
	freed    chan struct{} // a send ended: claim more
}

// DefaultBackoff waits 10 s after the first failure, doubling up to one hour.
func DefaultBackoff(attempts int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (w *Dispatcher) defaults() {
	w.once.Do(func() {
		if w.MaxAge == 0 {
			w.MaxAge = 24 * time.Hour
		}
		if w.Lease == 0 {
			w.Lease = time.Minute
		}
		if w.Batch == 0 {
			w.Batch = 20
		}
		if w.Workers <= 0 {
			w.Workers = 8
		}
		if w.PerEndpoint <= 0 {
			w.PerEndpoint = 2
		}
		if w.Timeout <= 0 {
			w.Timeout = 10 * time.Second
		}
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		w.client = guardedClient(w.Networks, w.Timeout)
		w.inflight = map[string]int{}
		w.freed = make(chan struct{}, 1)
	})
}

// Run delivers due events until ctx ends: it claims what free workers can
// send every interval (and whenever a send ends), skipping endpoints that are
// still being sent to, and waits for sends in progress before returning.
func (w *Dispatcher) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	w.defaults()
	var sends sync.WaitGroup
	defer sends.Wait()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		report := func(err error) {
			if err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
		report(w.claimAndSend(ctx, &sends, report))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.freed:
		}
	}
}

// claimAndSend claims deliveries for the free workers and starts them; a
// send whose outcome cannot be stored is reported (its lease expires and it
// is sent again).
func (w *Dispatcher) claimAndSend(ctx context.Context, sends *sync.WaitGroup, report func(error)) error {
	w.mu.Lock()
	free := w.Workers - w.running
	var busy []string
	for id := range w.inflight {
		busy = append(busy, id)
	}
	w.mu.Unlock()
	if free <= 0 {
		return nil
	}
	due, err := w.Store.ClaimDueDeliveries(ctx, w.Now(), w.Lease,
		consent.DeliveryClaim{Limit: free, PerEndpoint: w.PerEndpoint, Skip: busy})
	if err != nil {
		return err
	}
	for _, d := range due {
		w.mu.Lock()
		w.running++
		w.inflight[d.WebhookID]++
		w.mu.Unlock()
		sends.Add(1)
		go func() {
			defer sends.Done()
			report(w.deliver(ctx, d))
			w.mu.Lock()
			w.running--
			if w.inflight[d.WebhookID]--; w.inflight[d.WebhookID] == 0 {
				delete(w.inflight, d.WebhookID)
			}
			w.mu.Unlock()
			select {
			case w.freed <- struct{}{}:
			default:
			}
		}()
	}
	return nil
}

// RunOnce claims the due deliveries (up to Batch, PerEndpoint per endpoint),
// sends them concurrently, waits for every outcome and returns how many it
// attempted. Tests and one-shot tools use it; Run is the long-lived loop.
func (w *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	due, err := w.Store.ClaimDueDeliveries(ctx, w.Now(), w.Lease, consent.DeliveryClaim{Limit: w.Batch, PerEndpoint: w.PerEndpoint})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(due))
	for i, d := range due {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.deliver(ctx, d)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return len(due), err
		}
	}
	return len(due), nil
}

func (w *Dispatcher) deliver(ctx context.Context, d *consent.WebhookDelivery) error {
	start := w.Now()
	code, sendErr := w.send(ctx, d, start)
	now := consent.Millis(w.Now())
	a := consent.DeliveryAttempt{At: now, StatusCode: code, Duration: now.Sub(start)}
	d.Attempts++
	d.LastAttemptAt, d.LastStatusCode = &now, code
	switch {
	case sendErr == nil && code >= 200 && code < 300:
		d.Status, d.DeliveredAt, d.LastError = consent.DeliveryDelivered, &now, ""
	default:
		if sendErr != nil {
			a.Error = sendErr.Error()
		} else if code >= 300 && code < 400 {
			a.Error = fmt.Sprintf("endpoint answered %d; redirects are not followed", code)
		} else {
			a.Error = fmt.Sprintf("endpoint answered %d", code)
		}
		d.LastError = a.Error
		d.NextAttemptAt = now.Add(w.Backoff(d.Attempts))
		d.Status = consent.DeliveryPending
		if d.NextAttemptAt.Sub(d.CreatedAt) > w.MaxAge {
			d.Status = consent.DeliveryFailed
		}
	}
	if err := w.Store.CompleteDelivery(ctx, d, a); err != nil {
		return err
	}
	if w.OnResult != nil {
		w.OnResult(d)
	}
	return nil
}

func (w *Dispatcher) send(ctx context.Context, d *consent.WebhookDelivery, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "consentd-webhooks/1")
	req.Header.Set("Consentd-Delivery", d.ID)
	req.Header.Set("Consentd-Event", d.EventType)
	secrets := d.SigningSecrets(now)
	req.Header.Set(SignatureHeader, SignAll(secrets, now.Unix(), d.Payload))
	std, err := SignStandard(secrets, d.EventID, now.Unix(), d.Payload)
	if err != nil {
		return 0, err
	}
	// Set directly: the specification spells these names in lower case.
	req.Header[IDHeader] = []string{d.EventID}
	req.Header[TimestampHeader] = []string{strconv.FormatInt(now.Unix(), 10)}
	req.Header[StandardSignatureHeader] = []string{std}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
