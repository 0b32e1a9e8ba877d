package webhook

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/consentd/consentd/consent"
)

// guardedClient returns the HTTP client deliveries use: every connection is
// checked against the network policy on the address actually dialled (after
// DNS resolution, so a name that resolves to a public address at registration
// and to an internal one later is still refused), no proxy from the
// environment (it would hide the real destination), no redirects, and
// timeout bounds each attempt.
func guardedClient(nets *consent.WebhookNetworks, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: min(timeout, 5*time.Second),
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook: unexpected dial address %q", address)
			}
			return nets.CheckIP(ap.Addr())
		},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   min(timeout, 5*time.Second),
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: transport, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
