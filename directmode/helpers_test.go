package directmode_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/directmode/turnserver"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// These tests run a real relay, a real STUN/TURN server and real pion peers, over UDP
// on 127.0.0.1 or over a pion vnet. Every wait is bounded; none sleeps to wait for an
// outcome.

const testTimeout = 20 * time.Second

var turnSecret = []byte("directmode-test-secret")

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: testLogLevel()}))
}

// world is a relay with its STUN/TURN server, and how peers reach them.
type world struct {
	t     testing.TB
	relay *relay.Server
	turn  *turnserver.Server
	addr  string // the relay's address for clients
	// listen opens a socket for a client, and mesh is the base mesh Config (the network
	// to use); both nil-safe for loopback.
	listen func() net.PacketConn
	mesh   directmode.Config
}

// newLoopbackWorld starts a relay and a TURN server on 127.0.0.1. The TURN server may
// relay to loopback here: the default peer filter refuses it.
func newLoopbackWorld(t testing.TB) *world {
	t.Helper()
	ts, err := turnserver.Listen(&turnserver.Config{Listen: "127.0.0.1:0", Secret: turnSecret,
		AllowPeer: func(net.IP) bool { return true }, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	urls := turnserver.URLs("127.0.0.1", ts.Addr().(*net.UDPAddr).Port)
	w := &world{t: t, turn: ts, mesh: directmode.Config{IncludeLoopback: true}}
	w.relay = startRelay(t, nil, urls)
	w.addr = w.relay.Addr().String()
	return w
}

// startRelay serves the relay on pc (nil: a new socket on 127.0.0.1) with TURN urls.
func startRelay(t testing.TB, pc net.PacketConn, urls []string) *relay.Server {
	t.Helper()
	id, _, err := handshake.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &relay.Config{Logger: testLogger(t), TURN: &relay.TURNConfig{URLs: urls, Secret: turnSecret}}
	cfg.Transport.Identity = id
	var s *relay.Server
	if pc == nil {
		s, err = relay.ListenUDP("127.0.0.1:0", cfg)
	} else {
		s, err = relay.Listen(pc, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// peer is a player with a mesh; mesh events go to events, other client events to
// relayEvents.
type peer struct {
	*directmode.Mesh
	name        string
	t           testing.TB
	events      chan directmode.Event
	relayEvents chan client.Event
}

// connect dials the world's relay as name, with the mesh settings cfg adds to the
// world's.
func (w *world) connect(name string, cfg directmode.Config) *peer {
	w.t.Helper()
	p := &peer{name: name, t: w.t, events: make(chan directmode.Event, 8192), relayEvents: make(chan client.Event, 8192)}
	fp := w.relay.Fingerprint()
	o := &client.Options{AppID: "direct", AppVersion: "1", UserID: name, Nickname: name,
		Auth: client.Auth{Type: auth.None}, Fingerprints: []handshake.Fingerprint{fp},
		Handler: func(e client.Event) { p.relayEvents <- e }}
	if w.listen != nil {
		o.PacketConn = w.listen()
	}
	mc := cfg
	mc.Net, mc.IncludeLoopback = w.mesh.Net, w.mesh.IncludeLoopback
	mc.Handler = func(e directmode.Event) {
		if cfg.Handler != nil {
			cfg.Handler(e)
		}
		p.events <- e
	}
	mc.Logger = testLogger(w.t)
	m, err := directmode.Dial(testContext(w.t), w.addr, o, &mc)
	if err != nil {
		w.t.Fatalf("%s: dial: %v", name, err)
	}
	p.Mesh = m
	w.t.Cleanup(func() { m.Close() })
	return p
}

// joinRoom makes each player join (the first creates) room in direct mode, in order,
// so that player i is actor i+1.
func joinRoom(t testing.TB, room string, mode protocol.DirectMode, ps ...*peer) {
	t.Helper()
	for i, p := range ps {
		r, err := p.Client().JoinOrCreateRoom(testContext(t), room, &client.RoomOptions{DirectMode: mode}, nil)
		if err != nil {
			t.Fatalf("%s: join %s: %v", p.name, room, err)
		}
		if r.ActorNr != i+1 {
			t.Fatalf("%s: actor %d, want %d", p.name, r.ActorNr, i+1)
		}
		p.Sync()
	}
}

// next returns the next mesh event of a type T, skipping others, or fails the test.
func next[T directmode.Event](t testing.TB, p *peer, timeout time.Duration) T {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-p.events:
			if te, ok := e.(T); ok {
				return te
			}
		case <-deadline:
			var zero T
			t.Fatalf("%s: no %T within %v", p.name, zero, timeout)
			return zero
		}
	}
}

// waitEstablished waits until p has links up to all of actors and returns the events.
func waitEstablished(t testing.TB, p *peer, timeout time.Duration, actors ...int) map[int]*directmode.EstablishedEvent {
	t.Helper()
	got := map[int]*directmode.EstablishedEvent{}
	deadline := time.After(timeout)
	for len(got) < len(actors) {
		select {
		case e := <-p.events:
			switch e := e.(type) {
			case *directmode.EstablishedEvent:
				got[e.Actor] = e
			case *directmode.FailedEvent:
				t.Logf("%s: link to %d: %v", p.name, e.Actor, e.Err)
			}
		case <-deadline:
			t.Fatalf("%s: links up to %v after %v, want %v", p.name, keys(got), timeout, actors)
		}
	}
	return got
}

func keys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// messages collects n MessageEvents from p (other events are skipped).
func messages(t testing.TB, p *peer, n int, timeout time.Duration) []*directmode.MessageEvent {
	t.Helper()
	var out []*directmode.MessageEvent
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case e := <-p.events:
			if m, ok := e.(*directmode.MessageEvent); ok {
				out = append(out, m)
			}
		case <-deadline:
			t.Fatalf("%s: %d of %d messages within %v", p.name, len(out), n, timeout)
		}
	}
	return out
}

// testLogLevel is Warn, or Debug with BOSON_TEST_DEBUG set.
func testLogLevel() slog.Level {
	if os.Getenv("BOSON_TEST_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// fastFail reports links that die within about a second: for tests of failures.
var fastFail = directmode.Config{ConnectTimeout: time.Second, DisconnectTimeout: time.Second,
	FailedTimeout: 2 * time.Second, Keepalive: 200 * time.Millisecond}

// waitPair waits until a (actor 1) and b (actor 2) are linked.
func waitPair(t testing.TB, a, b *peer) (ab, ba *directmode.EstablishedEvent) {
	t.Helper()
	return waitEstablished(t, a, testTimeout, 2)[2], waitEstablished(t, b, testTimeout, 1)[1]
}

// waitMesh waits until every player of ps (player i is actor i+1) is linked to all
// the others, and returns the longest setup time.
func waitMesh(t testing.TB, ps []*peer) time.Duration {
	t.Helper()
	var slowest time.Duration
	for i, p := range ps {
		var others []int
		for j := range ps {
			if j != i {
				others = append(others, j+1)
			}
		}
		for _, e := range waitEstablished(t, p, testTimeout, others...) {
			slowest = max(slowest, e.SetupTime)
		}
	}
	return slowest
}
