package turnserver

import (
	"net"
	"net/netip"
	"testing"
)

func TestDefaultAllowPeer(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.0.1", false},
		{"fd12:3456::1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"0.1.2.3", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"255.255.255.255", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"64:ff9b::a00:1", false},
		{"2002:a00:1::1", false},
		{"8.8.8.8", true},
		{"100.128.0.1", true},
		{"203.0.113.7", true},
		{"::ffff:8.8.8.8", true},
		{"2606:4700::1111", true},
	}
	for _, tt := range tests {
		if got := DefaultAllowPeer(net.ParseIP(tt.ip)); got != tt.want {
			t.Errorf("DefaultAllowPeer(%s): got %v, want %v", tt.ip, got, tt.want)
		}
	}
	if DefaultAllowPeer(nil) {
		t.Error("DefaultAllowPeer(nil): got true, want false")
	}
}

func TestOwnAddrGuard(t *testing.T) {
	guard := ownAddrGuard([]netip.Addr{netip.MustParseAddr("198.51.100.1")}, 50000, 50010)
	tests := []struct {
		addr net.Addr
		want bool
	}{
		{udp("198.51.100.1:50000"), true}, // another allocation on this server
		{udp("198.51.100.1:50010"), true},
		{udp("198.51.100.1:3478"), false}, // this STUN/TURN port
		{udp("198.51.100.1:7000"), false}, // another service of the node
		{udp("[::ffff:198.51.100.1]:22"), false},
		{udp("198.51.100.2:7000"), true},
		{&net.TCPAddr{IP: net.ParseIP("198.51.100.2"), Port: 1}, false},
	}
	for _, tt := range tests {
		if got := guard(tt.addr); got != tt.want {
			t.Errorf("guard(%v): got %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestRelayConnGuard checks that a relay socket drops writes the guard refuses and sends the
// others.
func TestRelayConnGuard(t *testing.T) {
	peer := listenUDP(t)
	port := peer.LocalAddr().(*net.UDPAddr).Port
	s := &Server{relays: make(map[*relayConn]struct{}), cfg: Config{Logger: testLogger(t)}}
	s.guard = ownAddrGuard([]netip.Addr{netip.MustParseAddr("127.0.0.1")}, port, port)
	rc := s.newRelayConn(listenUDP(t))
	defer rc.Close()
	if n, err := rc.WriteTo([]byte("dropped"), udp("127.0.0.1:9")); n != 7 || err != nil {
		t.Fatalf("WriteTo refused address: got %d, %v, want 7, nil", n, err)
	}
	if _, err := rc.WriteTo([]byte("sent"), peer.LocalAddr()); err != nil {
		t.Fatalf("WriteTo allowed address: got %v, want nil", err)
	}
	readExpect(t, peer, "sent")
}

func udp(s string) *net.UDPAddr { return net.UDPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
