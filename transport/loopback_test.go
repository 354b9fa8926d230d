package transport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// These tests run a real relay and real clients over UDP on 127.0.0.1, with the real
// DTLS handshake. Each is bounded by a context deadline; none sleeps to wait for an
// outcome: they wait for the event itself, or poll a condition with a deadline.

const loopbackTimeout = 20 * time.Second

func testIdentityIn(t testing.TB, dir string) *handshake.Identity {
	t.Helper()
	id, _, err := handshake.LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	return id
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), loopbackTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startRelay serves on addr ("127.0.0.1:0" for any port) until the test ends.
func startRelay(t testing.TB, addr string, cfg ListenConfig) *Listener {
	t.Helper()
	if cfg.Identity == nil {
		cfg.Identity = testIdentityIn(t, t.TempDir())
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	l, err := ListenUDP(addr, &cfg)
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	t.Cleanup(func() {
		l.Close()
		checkNoTimerSpins(t, l.ep)
	})
	return l
}

// checkNoTimerSpins fails the test if any worker found a deadline still due after its
// timer ran. Call it after the endpoint stopped.
func checkNoTimerSpins(t testing.TB, ep *endpoint) {
	t.Helper()
	for _, w := range ep.workers {
		if w.timerSpins != 0 {
			t.Errorf("worker %d: %d timers were still due after they ran", w.idx, w.timerSpins)
		}
	}
}

// dialRelay connects to l (or to via, when a NAT sits between) and pins its identity.
func dialRelay(t testing.TB, l *Listener, via net.Addr, cfg DialConfig) *Conn {
	t.Helper()
	if cfg.Channels == nil {
		cfg.Channels = []Mode{ReliableOrdered, Unreliable, UnreliableSequenced}
	}
	if cfg.Fingerprints == nil && !cfg.InsecureSkipVerify {
		cfg.Fingerprints = []handshake.Fingerprint{l.cfg.Identity.Fingerprint}
	}
	if via == nil {
		via = l.Addr()
	}
	c, err := Dial(testContext(t), via.String(), &cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() {
		c.Close()
		checkNoTimerSpins(t, c.w.ep)
	})
	return c
}

func acceptConn(t testing.TB, l *Listener) *Conn {
	t.Helper()
	c, err := l.Accept(testContext(t))
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return c
}

func receive(t testing.TB, c *Conn) Message {
	t.Helper()
	m, err := c.Receive(testContext(t))
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return m
}

// eventually polls cond until it holds or the test's deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(loopbackTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLoopbackEveryChannelModeBothWays(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	c := dialRelay(t, l, nil, DialConfig{})
	sc := acceptConn(t, l)
	big := make([]byte, 50_000) // many KCP segments
	for i := range big {
		big[i] = byte(i)
	}
	for ch, msg := range [][]byte{[]byte("reliable"), []byte("unreliable"), []byte("sequenced")} {
		mustSend(t, c, ch, msg)
		if m := receive(t, sc); m.Channel != ch || string(m.Data) != string(msg) {
			t.Fatalf("relay got %q on %d, want %q on %d", m.Data, m.Channel, msg, ch)
		}
		mustSend(t, sc, ch, msg)
		if m := receive(t, c); m.Channel != ch || string(m.Data) != string(msg) {
			t.Fatalf("client got %q on %d, want %q on %d", m.Data, m.Channel, msg, ch)
		}
	}
	mustSend(t, c, 0, big)
	if m := receive(t, sc); len(m.Data) != len(big) || m.Data[49_999] != big[49_999] {
		t.Fatalf("large reliable message: got %d bytes, want %d", len(m.Data), len(big))
	}
	if err := c.Send(0, make([]byte, 1<<20)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("1 MiB reliable message: got %v, want ErrMessageTooLarge", err)
	}
	if err := c.Send(1, make([]byte, 100_000)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("100 kB unreliable message: got %v, want ErrMessageTooLarge", err)
	}
	if err := c.Send(7, nil); !errors.Is(err, ErrUnknownChannel) {
		t.Fatalf("undeclared channel: got %v, want ErrUnknownChannel", err)
	}
	if got := sc.Channels(); len(got) != 3 || got[2] != UnreliableSequenced {
		t.Fatalf("relay side channels: got %v", got)
	}
}

func TestDialWithWrongFingerprintFails(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	other := testIdentityIn(t, t.TempDir())
	_, err := Dial(testContext(t), l.Addr().String(), &DialConfig{
		Channels:     []Mode{ReliableOrdered},
		Fingerprints: []handshake.Fingerprint{other.Fingerprint},
	})
	if !errors.Is(err, handshake.ErrFingerprintMismatch) {
		t.Fatalf("Dial with another relay's pin: got %v, want ErrFingerprintMismatch", err)
	}
	if got := l.Stats().Conns; got != 0 {
		t.Fatalf("relay has %d connections after a refused handshake, want 0", got)
	}
}

func TestDialTimesOutWithoutRelay(t *testing.T) {
	pc := listenLoopback(t) // a port where nobody answers
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, pc.LocalAddr().String(), &DialConfig{Channels: []Mode{Unreliable}, InsecureSkipVerify: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial to a silent port: got %v, want context.DeadlineExceeded", err)
	}
}

func TestUnencryptedModeNeedsBothSides(t *testing.T) {
	strict := startRelay(t, "127.0.0.1:0", ListenConfig{})
	_, err := Dial(testContext(t), strict.Addr().String(), &DialConfig{
		Channels: []Mode{Unreliable}, Fingerprints: []handshake.Fingerprint{strict.cfg.Identity.Fingerprint},
		Config: Config{Unencrypted: true},
	})
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Code != refuseUnencrypted {
		t.Fatalf("asking a strict relay for clear text: got %v, want RefusedError code %d", err, refuseUnencrypted)
	}
	lax := startRelay(t, "127.0.0.1:0", ListenConfig{Config: Config{Unencrypted: true}})
	c := dialRelay(t, lax, nil, DialConfig{Config: Config{Unencrypted: true}})
	sc := acceptConn(t, lax)
	if !c.Unencrypted() || !sc.Unencrypted() {
		t.Fatal("both opted in, but the connection is encrypted")
	}
	mustSend(t, c, 0, []byte("in clear"))
	if m := receive(t, sc); string(m.Data) != "in clear" {
		t.Fatalf("got %q", m.Data)
	}
	enc := dialRelay(t, lax, nil, DialConfig{})
	if enc.Unencrypted() {
		t.Fatal("a client that did not opt in got clear text")
	}
}

func TestClientKeepsItsConnectionWhenItsNATMappingChanges(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	nat := newUDPNAT(t, l.Addr())
	c := dialRelay(t, l, nat.Addr(), DialConfig{})
	sc := acceptConn(t, l)
	for i := range 50 {
		mustSend(t, c, 0, testMessage(i))
	}
	for i := range 50 {
		if m := receive(t, sc); string(m.Data) != string(testMessage(i)) {
			t.Fatalf("before rebinding: message %d wrong", i)
		}
	}
	before := sc.RemoteAddr().String()
	nat.rebind()
	for i := 50; i < 100; i++ {
		mustSend(t, c, 0, testMessage(i))
	}
	for i := 50; i < 100; i++ {
		if m := receive(t, sc); string(m.Data) != string(testMessage(i)) {
			t.Fatalf("after rebinding: message %d wrong", i)
		}
	}
	if after := sc.RemoteAddr().String(); after == before || after != nat.OutsideAddr().String() {
		t.Fatalf("relay sends to %s, want the new mapping %s (was %s)", after, nat.OutsideAddr(), before)
	}
	mustSend(t, sc, 0, []byte("reply on the new path"))
	if m := receive(t, c); string(m.Data) != "reply on the new path" {
		t.Fatalf("client got %q", m.Data)
	}
	if s := l.Stats(); s.Conns != 1 || s.Handshakes != 1 {
		t.Fatalf("relay: %d connections after %d handshakes, want 1 and 1", s.Conns, s.Handshakes)
	}
}

func TestRelayRestartResetsTheClientWithinOneRoundTrip(t *testing.T) {
	dir := t.TempDir()
	id := testIdentityIn(t, dir)
	l := startRelay(t, "127.0.0.1:0", ListenConfig{Identity: id})
	addr := l.Addr().String()
	nat := newUDPNAT(t, l.Addr())
	c := dialRelay(t, l, nat.Addr(), DialConfig{})
	acceptConn(t, l)
	var drained atomic.Bool
	marker := []byte("everything before this was dropped")
	nat.filter(nil, func(b []byte) bool {
		if bytes.Equal(b, marker) {
			drained.Store(true)
		}
		return false
	})
	l.Close() // the relay dies: its goodbye never reaches the client
	// The NAT's outside socket queues in order: once the marker is through, so is all
	// the dead relay sent.
	sock := listenLoopback(t)
	defer sock.Close()
	if _, err := sock.WriteToUDPAddrPort(marker, nat.OutsideAddr()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the dead relay's last packets", drained.Load)
	restarted := startRelay(t, addr, ListenConfig{Identity: testIdentityIn(t, dir)})
	nat.filter(nil, nil)
	up := nat.upPackets.Load()
	mustSend(t, c, 1, []byte("anyone there?"))
	_, err := c.Receive(testContext(t))
	if !errors.Is(err, ErrReset) {
		t.Fatalf("after the relay restarted: got %v, want ErrReset", err)
	}
	if sent := nat.upPackets.Load() - up; sent != 1 {
		t.Errorf("client sent %d packets before it saw the reset, want 1 (one round trip)", sent)
	}
	if s := restarted.Stats(); s.Resets != 1 || s.Conns != 0 {
		t.Errorf("restarted relay: %d resets, %d connections; want 1 and 0", s.Resets, s.Conns)
	}
}

func TestShutdownDeliversQueuedMessagesThenCloses(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	c := dialRelay(t, l, nil, DialConfig{})
	sc := acceptConn(t, l)
	for i := range 20 {
		mustSend(t, sc, 0, testMessage(i))
	}
	if err := l.Shutdown(testContext(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i := range 20 {
		if m := receive(t, c); string(m.Data) != string(testMessage(i)) {
			t.Fatalf("message %d lost in shutdown", i)
		}
	}
	_, err := c.Receive(testContext(t))
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != CodeShutdown || !ce.Remote {
		t.Fatalf("after shutdown: got %v, want a remote close with CodeShutdown", err)
	}
	if !errors.Is(err, net.ErrClosed) {
		t.Fatal("close error does not match net.ErrClosed")
	}
	if _, err := l.Accept(testContext(t)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after shutdown: got %v, want net.ErrClosed", err)
	}
}

func TestLostRefusalIsRepeated(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	nat := newUDPNAT(t, l.Addr())
	var dropped atomic.Bool
	nat.filter(nil, func(b []byte) bool { // lose the relay's first application-data record: the refusal
		return b[0] != 23 || !dropped.CompareAndSwap(false, true)
	})
	_, err := Dial(testContext(t), nat.Addr().String(), &DialConfig{
		Channels: []Mode{Unreliable}, Fingerprints: []handshake.Fingerprint{l.cfg.Identity.Fingerprint},
		Config: Config{Unencrypted: true}, // this relay does not allow it
	})
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Code != refuseUnencrypted || !dropped.Load() {
		t.Fatalf("after losing the refusal: got %v (dropped %v), want the refusal again", err, dropped.Load())
	}
}

func TestBothSidesMeasureRTTRightAway(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	c := dialRelay(t, l, nil, DialConfig{})
	sc := acceptConn(t, l)
	mustSend(t, c, 1, []byte("hi"))
	receive(t, sc)
	mustSend(t, sc, 1, []byte("hi back"))
	receive(t, c)
	eventually(t, "RTT samples on both sides", func() bool { return c.Stats().RTT > 0 && sc.Stats().RTT > 0 })
}
