package consent

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// WebhookNetworks decides which addresses webhook deliveries may connect to.
// Public addresses are allowed; loopback, private, link-local and other
// non-public ones only inside Allow (CONSENTD_WEBHOOK_ALLOW_NETS); cloud
// metadata addresses never, so a webhook cannot be aimed at the server's own
// network or its cloud credentials. The zero value allows public addresses only.
type WebhookNetworks struct {
	Allow []netip.Prefix
}

// cloudMetadata are the well-known addresses of cloud instance metadata and
// host services, which hand out credentials: never a webhook target.
var cloudMetadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean ... metadata
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata and credentials
	netip.MustParseAddr("169.254.170.23"),  // AWS EKS Pod Identity
	netip.MustParseAddr("169.254.169.253"), // AWS VPC DNS
	netip.MustParseAddr("169.254.169.123"), // AWS time sync
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud metadata
	netip.MustParseAddr("168.63.129.16"),   // Azure host (WireServer)
	netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud (classic) metadata
	netip.MustParseAddr("fd00:ec2::254"),   // AWS metadata over IPv6
	netip.MustParseAddr("fd00:ec2::23"),    // AWS EKS Pod Identity over IPv6
	netip.MustParseAddr("fd00:ec2::253"),   // AWS VPC DNS over IPv6
	netip.MustParseAddr("fd00:ec2::123"),   // AWS time sync over IPv6
}

// nonPublic are ranges that are not public unicast beyond what netip's
// predicates name (loopback, private, link-local, multicast, unspecified).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network": 0.0.0.0 reaches the local host
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, often internal
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
	netip.MustParsePrefix("fec0::/10"),     // deprecated site-local
	netip.MustParsePrefix("100::/64"),      // discard
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries in the
// forms a network may translate (NAT64, 6to4, IPv4-compatible), so those
// cannot smuggle an internal IPv4 address past the check.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(ip), netip.MustParsePrefix("::/96").Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case netip.MustParsePrefix("2002::/16").Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

func isNonPublic(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}

// CheckIP returns nil when a delivery may connect to ip, else an error
// saying why not (and how to allow it, where that is possible).
func (n *WebhookNetworks) CheckIP(ip netip.Addr) error {
	ip = ip.Unmap().WithZone("")
	candidates := []netip.Addr{ip}
	if v4, ok := embeddedIPv4(ip); ok {
		candidates = append(candidates, v4)
	}
	for _, c := range candidates {
		for _, m := range cloudMetadata {
			if c == m {
				return fmt.Errorf("address %s is a cloud metadata address, never a webhook target", ip)
			}
		}
	}
	if n != nil {
		for _, p := range n.Allow {
			if p.Contains(ip) {
				return nil
			}
		}
	}
	for _, c := range candidates {
		if kind := isNonPublic(c); kind != "" {
			return fmt.Errorf("address %s is %s; webhooks reach non-public networks only when CONSENTD_WEBHOOK_ALLOW_NETS allows them", ip, kind)
		}
	}
	return nil
}

// ParseWebhookNetworks parses a comma-separated list of CIDRs strictly: an
// empty list allows no non-public network; a malformed or non-canonical
// entry (10.20.1.0/16 for 10.20.0.0/16) is an error.
func ParseWebhookNetworks(s string) (*WebhookNetworks, error) {
	n := &WebhookNetworks{}
	if strings.TrimSpace(s) == "" {
		return n, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.20.0.0/16 or 127.0.0.0/8", item)
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("%q has host bits set; did you mean %s?", item, p.Masked())
		}
		n.Allow = append(n.Allow, p)
	}
	return n, nil
}

// Resolver looks up a host's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// checkWebhookURL refuses an endpoint whose host is, or resolves to, an
// address deliveries may not reach. A host that does not resolve now is
// accepted: every delivery checks the address it connects to anyway, which
// is what defeats DNS rebinding; this check only catches mistakes early.
func (s *Service) checkWebhookURL(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return s.WebhookNetworks.CheckIP(ip)
	}
	if s.Resolver == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := s.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if err := s.WebhookNetworks.CheckIP(ip); err != nil {
			return fmt.Errorf("%s resolves to %w", host, err)
		}
	}
	return nil
}

// WebhookTargetProblem is a registered endpoint that deliveries can no longer
// reach under the current network policy.
type WebhookTargetProblem struct {
	WebhookID string
	Host      string
	Reason    string
}

// CheckWebhookTargets re-checks every live endpoint against the network
// policy, e.g. at start after an upgrade, and lists those refused.
func (s *Service) CheckWebhookTargets(ctx context.Context) ([]WebhookTargetProblem, error) {
	list, err := s.Store.Webhooks().ListWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	var out []WebhookTargetProblem
	for _, w := range list {
		if w.DeletedAt != nil {
			continue
		}
		u, err := url.Parse(w.URL)
		if err != nil {
			out = append(out, WebhookTargetProblem{WebhookID: w.ID, Reason: "unparsable URL"})
			continue
		}
		if err := s.checkWebhookURL(ctx, u); err != nil {
			out = append(out, WebhookTargetProblem{WebhookID: w.ID, Host: u.Hostname(), Reason: err.Error()})
		}
	}
	return out, nil
}
