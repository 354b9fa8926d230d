package directmode_test

import (
	"net"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/directmode/turnserver"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/protocol"
)

// newShortTURNWorld is newLoopbackWorld with TURN credentials valid for ttl and TURN
// allocations living for lifetime (the relay's defaults are 10m and 10m: this is the
// same timeline, compressed).
func newShortTURNWorld(t *testing.T, ttl, lifetime time.Duration) *world {
	t.Helper()
	ts, err := turnserver.Listen(&turnserver.Config{Listen: "127.0.0.1:0", Secret: turnSecret,
		AllowPeer: func(net.IP) bool { return true }, AllocationLifetime: lifetime, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	urls := turnserver.URLs("127.0.0.1", ts.Addr().(*net.UDPAddr).Port)
	id, _, err := handshake.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &relay.Config{Logger: testLogger(t), TURN: &relay.TURNConfig{URLs: urls, Secret: turnSecret, TTL: ttl}}
	cfg.Transport.Identity = id
	s, err := relay.ListenUDP("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &world{t: t, turn: ts, relay: s, addr: s.Addr().String(), mesh: directmode.Config{IncludeLoopback: true}}
}

// A link through TURN holds the credentials of its latest gathering, and TURN
// allocations cannot be refreshed with expired ones. Before they expire, the link
// restarts ICE with fresh credentials, so it stays up (or comes back). This is the
// default timeline (10m credentials, 10m allocations), compressed.
func TestARelayedLinkOutlivesItsTURNCredentials(t *testing.T) {
	w := newShortTURNWorld(t, 3*time.Second, 4*time.Second)
	cfg := fastFail
	cfg.RelayOnly, cfg.ConnectTimeout = true, 3*time.Second
	a, b := w.connect("a", cfg), w.connect("b", cfg)
	joinRoom(t, "turn", protocol.DirectAllToOthers, a, b)
	if e, _ := waitPair(t, a, b); !e.Relayed {
		t.Fatalf("not relayed: %+v", e)
	}
	upAt := time.Now()

	// Time passes: the credentials (3s) and the allocations made with them (4s) run
	// out twice over. Events meanwhile are logged; the link may go down and come back.
	timeline := time.After(9 * time.Second)
	for done := false; !done; {
		select {
		case e := <-a.events:
			t.Logf("a, %v after the link came up: %#v", time.Since(upAt).Round(time.Millisecond), e)
		case <-timeline:
			done = true
		}
	}
	// The link still carries messages, through TURN (not through the relay).
	exchangeBothWays(t, a, b, 3)
}
