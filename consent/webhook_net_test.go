package consent

import (
	"net/netip"
	"strings"
	"testing"
)

func TestWebhookNetworksCheckIP(t *testing.T) {
	none := &WebhookNetworks{}
	lan, err := ParseWebhookNetworks("10.20.0.0/16, 127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	everything, err := ParseWebhookNetworks("0.0.0.0/0,::/0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip      string
		nets    *WebhookNetworks
		allowed bool
	}{
		{"93.184.215.14", nil, true},
		{"2606:4700::1111", none, true},
		{"127.0.0.1", none, false},
		{"127.0.0.1", lan, true},
		{"::1", lan, false},
		{"10.20.3.4", none, false},
		{"10.20.3.4", lan, true},
		{"10.21.0.1", lan, false},
		{"192.168.1.10", none, false},
		{"172.16.0.1", none, false},
		{"169.254.10.10", none, false},
		{"fe80::1%eth0", none, false},
		{"fc00::5", none, false},
		{"0.0.0.0", none, false},
		{"100.64.0.1", none, false},
		{"::ffff:127.0.0.1", none, false},        // IPv4-mapped
		{"::ffff:127.0.0.1", lan, true},          // the same address as 127.0.0.1
		{"64:ff9b::a00:1", none, false},          // NAT64 of 10.0.0.1
		{"2002:a9fe:a9fe::1", everything, false}, // 6to4 of 169.254.169.254
		// Cloud metadata: never, whatever is allowed.
		{"169.254.169.254", everything, false},
		{"169.254.170.2", everything, false},
		{"fd00:ec2::254", everything, false},
		{"::ffff:169.254.169.254", everything, false},
		{"100.100.100.200", everything, false},
		{"168.63.129.16", everything, false},
	}
	for _, tt := range tests {
		err := tt.nets.CheckIP(netip.MustParseAddr(tt.ip))
		if (err == nil) != tt.allowed {
			t.Errorf("CheckIP(%s) with %v = %v, want allowed %v", tt.ip, tt.nets, err, tt.allowed)
		}
	}
}

func TestParseWebhookNetworks(t *testing.T) {
	for in, want := range map[string]string{
		"10.20.0.0/33":       "not a CIDR",
		"10.20.1.0/16":       "did you mean 10.20.0.0/16",
		"10.0.0.1":           "not a CIDR",
		"10.0.0.0/8,":        "not a CIDR",
		"10.0.0.0/8;1.0.0.0": "not a CIDR",
	} {
		if _, err := ParseWebhookNetworks(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseWebhookNetworks(%q) = %v, want an error mentioning %q", in, err, want)
		}
	}
	n, err := ParseWebhookNetworks(" 10.20.0.0/16 , fd12:3456::/32 ")
	if err != nil || len(n.Allow) != 2 {
		t.Fatalf("%v %v", n, err)
	}
	if n, err := ParseWebhookNetworks(""); err != nil || len(n.Allow) != 0 {
		t.Fatalf("empty: %v %v", n, err)
	}
}
