package turnserver

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	secret := []byte("0123456789abcdef")
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means valid
	}{
		{"minimal", Config{Listen: "127.0.0.1:0", Secret: secret}, ""},
		{"unspecified with relay IP", Config{Listen: ":0", Secret: secret, RelayIP: net.IPv4(192, 0, 2, 1)}, ""},
		{"no secret", Config{Listen: "127.0.0.1:0"}, "secret"},
		{"short secret", Config{Listen: "127.0.0.1:0", Secret: secret[:15]}, "secret"},
		{"default listen needs relay IP", Config{Secret: secret}, "relay IP required"},
		{"unspecified needs relay IP", Config{Listen: "0.0.0.0:0", Secret: secret}, "relay IP required"},
		{"unspecified relay IP", Config{Listen: ":0", Secret: secret, RelayIP: net.IPv4zero}, "unspecified"},
		{"IPv6 relay IP", Config{Listen: ":0", Secret: secret, RelayIP: net.ParseIP("2001:db8::1")}, ""},
		{"relay families differ", Config{Listen: ":0", Secret: secret, RelayIP: net.ParseIP("2001:db8::1"), RelayBind: "0.0.0.0"}, "family"},
		{"bad relay bind", Config{Listen: "127.0.0.1:0", Secret: secret, RelayBind: "host"}, "relay bind"},
		{"min port too low", Config{Listen: "127.0.0.1:0", Secret: secret, MinPort: 80, MaxPort: 90}, "relay ports"},
		{"min above max", Config{Listen: "127.0.0.1:0", Secret: secret, MinPort: 41000, MaxPort: 40000}, "relay ports"},
		{"max too high", Config{Listen: "127.0.0.1:0", Secret: secret, MinPort: 60000, MaxPort: 70000}, "relay ports"},
		{"min only, default max below", Config{Listen: "127.0.0.1:0", Secret: secret, MinPort: 60000}, "relay ports"},
		{"negative per-user", Config{Listen: "127.0.0.1:0", Secret: secret, MaxAllocationsPerUser: -1}, "negative"},
		{"negative total", Config{Listen: "127.0.0.1:0", Secret: secret, MaxAllocations: -1}, "negative"},
		{"short lifetime", Config{Listen: "127.0.0.1:0", Secret: secret, AllocationLifetime: time.Millisecond}, "lifetime"},
		{"bad listen", Config{Listen: "127.0.0.1:notaport", Secret: secret}, "listen address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			laddr, err := listenAddr(&tt.cfg)
			if err == nil {
				c := tt.cfg.withDefaults(laddr.IP)
				err = c.validate()
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want ErrBadConfig mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	in := Config{Secret: []byte("0123456789abcdef")}
	c := in.withDefaults(net.IPv4(127, 0, 0, 1))
	if c.Realm != "boson" || c.MinPort != 50000 || c.MaxPort != 50999 || c.MaxAllocationsPerUser != 16 ||
		c.MaxAllocations != 10000 || c.AllocationLifetime != 10*time.Minute || c.Logger == nil {
		t.Fatalf("defaults: got %+v", c)
	}
	if !c.RelayIP.Equal(net.IPv4(127, 0, 0, 1)) || c.RelayBind != "127.0.0.1" {
		t.Fatalf("relay: got IP %v bind %q, want the listening IP", c.RelayIP, c.RelayBind)
	}
	c = in.withDefaults(net.IPv4zero)
	if c.RelayIP != nil || c.RelayBind != "0.0.0.0" {
		t.Fatalf("unspecified: got IP %v bind %q, want nil and 0.0.0.0", c.RelayIP, c.RelayBind)
	}
	c.Secret[0] = 'x'
	if in.Secret[0] != '0' {
		t.Fatal("withDefaults did not copy Secret")
	}
}

func TestListenBadConfig(t *testing.T) {
	pc := listenUDP(t)
	_, err := Listen(&Config{PacketConn: pc, Secret: []byte("short")})
	if !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Listen: got %v, want ErrBadConfig", err)
	}
	// On error the caller's PacketConn stays open.
	if _, err := pc.WriteTo([]byte("x"), pc.LocalAddr()); err != nil {
		t.Fatalf("PacketConn closed by failed Listen: %v", err)
	}
}

func TestListenPacketConn(t *testing.T) {
	pc := listenUDP(t)
	lo, hi := freePortRange(t)
	s, err := Listen(&Config{PacketConn: pc, Secret: testSecret, MinPort: lo, MaxPort: hi, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Listen: got %v, want nil", err)
	}
	if s.Addr().String() != pc.LocalAddr().String() {
		t.Fatalf("Addr: got %v, want %v", s.Addr(), pc.LocalAddr())
	}
	if got, err := newTestClient(t, s, "", "").SendBindingRequest(); err != nil || got == nil {
		t.Fatalf("SendBindingRequest: got %v, %v, want an address", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	if _, err := pc.WriteTo([]byte("x"), pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("PacketConn after Close: got %v, want net.ErrClosed", err)
	}
}
