package turnserver

import (
	"bytes"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

func TestBinding(t *testing.T) {
	s := newTestServer(t, nil)
	conn := listenUDP(t)
	got, err := newTestClientOn(t, s.Addr().String(), conn, "", "", 0).SendBindingRequest()
	if err != nil {
		t.Fatalf("SendBindingRequest: got %v, want nil", err)
	}
	// The client is not behind a NAT: its reflexive address is its socket's address.
	if got.String() != conn.LocalAddr().String() {
		t.Fatalf("reflexive address: got %v, want %v", got, conn.LocalAddr())
	}
}

// TestDualStack checks that a server listening on all addresses gives IPv4 relays to clients
// reaching it over IPv4 and over IPv6 that do not ask for a family, and refuses IPv6 relays.
func TestDualStack(t *testing.T) {
	lo, hi := freePortRange(t)
	s := newTestServer(t, &Config{Listen: ":0", RelayIP: net.IPv4(127, 0, 0, 1), MinPort: lo, MaxPort: hi})
	_, port, _ := net.SplitHostPort(s.Addr().String())
	tests := []struct {
		name, network, host string
		family              turn.RequestedAddressFamily
		want                stun.ErrorCode
	}{
		{"IPv4 client", "udp4", "127.0.0.1", 0, 0},
		{"IPv6 client", "udp6", "::1", turn.RequestedAddressFamilyIPv4, 0}, // pion then omits the attribute
		{"IPv6 relay refused", "udp6", "::1", turn.RequestedAddressFamilyIPv6, stun.CodeInsufficientCapacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.ListenPacket(tt.network, net.JoinHostPort(tt.host, "0"))
			if err != nil {
				t.Skipf("no %s loopback: %v", tt.network, err)
			}
			t.Cleanup(func() { conn.Close() })
			user, pass := Credentials(testSecret, "alice", time.Minute)
			relayed, err := allocate(t, newTestClientOn(t, net.JoinHostPort(tt.host, port), conn, user, pass, tt.family))
			if got := turnCode(err); got != tt.want || (tt.want == 0) != (err == nil) {
				t.Fatalf("Allocate: got %v, want code %d", err, tt.want)
			}
			if err != nil {
				return
			}
			if a := relayed.LocalAddr().(*net.UDPAddr); !a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
				t.Fatalf("relayed address %v: want 127.0.0.1", a)
			}
		})
	}
}

func TestRelayRoundTrip(t *testing.T) {
	s := newTestServer(t, &Config{AllowPeer: allowAll})
	user, pass := Credentials(testSecret, "alice", time.Minute)
	relayed, err := allocate(t, newTestClient(t, s, user, pass))
	if err != nil {
		t.Fatalf("Allocate: got %v, want nil", err)
	}
	if got := s.Allocations(); got != 1 {
		t.Fatalf("Allocations: got %d, want 1", got)
	}
	peer := listenUDP(t)

	// Client → relay → peer. WriteTo creates the permission first.
	if _, err := relayed.WriteTo([]byte("ping"), peer.LocalAddr()); err != nil {
		t.Fatalf("relayed WriteTo: got %v, want nil", err)
	}
	from := readExpect(t, peer, "ping")
	if from.String() != relayed.LocalAddr().String() {
		t.Fatalf("peer saw sender %v, want relayed address %v", from, relayed.LocalAddr())
	}
	// Peer → relay → client.
	if _, err := peer.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	if from := readExpect(t, relayed, "pong"); from.String() != peer.LocalAddr().String() {
		t.Fatalf("client saw sender %v, want peer %v", from, peer.LocalAddr())
	}
}

// readExpect reads one packet from pc within 5s, checks it is want and returns its sender.
func readExpect(t *testing.T, pc net.PacketConn, want string) net.Addr {
	t.Helper()
	if err := pc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("ReadFrom: got %v, want %q", err, want)
	}
	if !bytes.Equal(buf[:n], []byte(want)) {
		t.Fatalf("ReadFrom: got %q, want %q", buf[:n], want)
	}
	return from
}

func TestAuthRefused(t *testing.T) {
	s := newTestServer(t, nil)
	user, _ := Credentials(testSecret, "alice", time.Minute)
	expUser, expPass := Credentials(testSecret, "alice", -time.Second)
	otherUser, otherPass := Credentials([]byte("another-secret-0123"), "alice", time.Minute)
	tests := []struct {
		name, user, pass string
	}{
		{"wrong password", user, "bm90IHRoZSBwYXNzd29yZA=="},
		{"expired", expUser, expPass},
		{"other secret", otherUser, otherPass},
		{"no expiry", "alice", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Pion answers a failed authentication with 400 Bad Request, not 401.
			_, err := allocate(t, newTestClient(t, s, tt.user, tt.pass))
			if got := turnCode(err); got != stun.CodeBadRequest && got != stun.CodeUnauthorized {
				t.Fatalf("Allocate: got %v (code %d), want code 400 or 401", err, got)
			}
		})
	}
	if got := s.Allocations(); got != 0 {
		t.Fatalf("Allocations: got %d, want 0", got)
	}
}

func TestDefaultAllowPeerRefusesInternal(t *testing.T) {
	s := newTestServer(t, nil)
	user, pass := Credentials(testSecret, "alice", time.Minute)
	c := newTestClient(t, s, user, pass)
	if _, err := allocate(t, c); err != nil {
		t.Fatalf("Allocate: got %v, want nil", err)
	}
	tests := []struct {
		peer string
		want stun.ErrorCode
	}{
		{"127.0.0.1:9", stun.CodeForbidden},
		{"10.1.2.3:9", stun.CodeForbidden},
		{"192.168.1.1:9", stun.CodeForbidden},
		{"169.254.169.254:80", stun.CodeForbidden},
		{"100.64.0.1:9", stun.CodeForbidden},
		{"203.0.113.7:9", 0}, // public (documentation) address: allowed
	}
	for _, tt := range tests {
		t.Run(tt.peer, func(t *testing.T) {
			err := c.CreatePermission(net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tt.peer)))
			if got := turnCode(err); got != tt.want || (tt.want == 0 && err != nil) {
				t.Fatalf("CreatePermission(%s): got %v (code %d), want code %d", tt.peer, err, got, tt.want)
			}
		})
	}
}

func TestQuotaPerUser(t *testing.T) {
	s := newTestServer(t, &Config{MaxAllocationsPerUser: 1})
	alice := func() (net.PacketConn, error) {
		user, pass := Credentials(testSecret, "alice", time.Minute)
		return allocate(t, newTestClient(t, s, user, pass))
	}
	first, err := alice()
	if err != nil {
		t.Fatalf("first Allocate: got %v, want nil", err)
	}
	if _, err := alice(); turnCode(err) != stun.CodeAllocQuotaReached {
		t.Fatalf("second Allocate: got %v, want code %d", err, stun.CodeAllocQuotaReached)
	}
	user, pass := Credentials(testSecret, "bob", time.Minute)
	if _, err := allocate(t, newTestClient(t, s, user, pass)); err != nil {
		t.Fatalf("bob's Allocate: got %v, want nil", err)
	}
	if err := first.Close(); err != nil { // Refresh with lifetime 0
		t.Fatalf("Close: got %v, want nil", err)
	}
	waitFor(t, "alice's allocation to be deleted", func() bool { return s.Allocations() == 1 })
	if _, err := alice(); err != nil {
		t.Fatalf("Allocate after release: got %v, want nil", err)
	}
	if got := s.Allocations(); got != 2 {
		t.Fatalf("Allocations: got %d, want 2", got)
	}
}

func TestQuotaTotal(t *testing.T) {
	s := newTestServer(t, &Config{MaxAllocations: 2})
	for i, want := range []stun.ErrorCode{0, 0, stun.CodeAllocQuotaReached} {
		user, pass := Credentials(testSecret, "user"+string(rune('a'+i)), time.Minute)
		_, err := allocate(t, newTestClient(t, s, user, pass))
		if got := turnCode(err); got != want || (want == 0 && err != nil) {
			t.Fatalf("Allocate %d: got %v, want code %d", i, err, want)
		}
	}
}

func TestRelayPortsInRange(t *testing.T) {
	s := newTestServer(t, &Config{MaxAllocationsPerUser: 20})
	for i := range 5 {
		user, pass := Credentials(testSecret, "alice", time.Minute)
		relayed, err := allocate(t, newTestClient(t, s, user, pass))
		if err != nil {
			t.Fatalf("Allocate %d: got %v, want nil", i, err)
		}
		a := relayed.LocalAddr().(*net.UDPAddr)
		if a.Port < s.cfg.MinPort || a.Port > s.cfg.MaxPort || !a.IP.Equal(net.IPv4(127, 0, 0, 1)) {
			t.Fatalf("relayed address %v: want 127.0.0.1 and port in [%d, %d]", a, s.cfg.MinPort, s.cfg.MaxPort)
		}
	}
}

func TestCloseReleases(t *testing.T) {
	s := newTestServer(t, &Config{AllowPeer: allowAll, MaxAllocationsPerUser: 10})
	var ports []int
	for range 5 {
		user, pass := Credentials(testSecret, "alice", time.Minute)
		relayed, err := allocate(t, newTestClient(t, s, user, pass))
		if err != nil {
			t.Fatalf("Allocate: got %v, want nil", err)
		}
		ports = append(ports, relayed.LocalAddr().(*net.UDPAddr).Port)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: got %v, want nil", err)
		}
	}
	// Close waited for pion's server goroutines (read loop, one per allocation); the
	// clients' goroutines live on until their cleanups.
	if st := goroutineStacks(); strings.Contains(st, "turn/v5.(*Server)") ||
		strings.Contains(st, "turn/v5/internal/allocation") {
		t.Fatalf("pion server goroutines left after Close:\n%s", st)
	}
	if got := s.Allocations(); got != 0 {
		t.Fatalf("Allocations after Close: got %d, want 0", got)
	}
	// The listening and relay sockets are released.
	addrs := []string{s.Addr().String()}
	for _, p := range ports {
		addrs = append(addrs, net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	}
	for _, a := range addrs {
		c, err := net.ListenPacket("udp4", a)
		if err != nil {
			t.Fatalf("rebind %s after Close: got %v, want nil", a, err)
		}
		c.Close()
	}
}

func goroutineStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
