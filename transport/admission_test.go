package transport

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport/transporttest"
)

// admissionNetwork starts a relay with cfg on a perfect 5 ms network.
func admissionNetwork(t *testing.T, cfg ListenConfig) (*transporttest.Network, *Listener) {
	t.Helper()
	nw := transporttest.NewNetwork(1, transporttest.Link{Latency: 5 * time.Millisecond})
	t.Cleanup(func() { nw.Close() })
	rpc, err := nw.Listen(netRelay)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(rpc, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return nw, l
}

// dialFrom dials the relay from addr on nw and reports the time the handshake took.
func dialFrom(t *testing.T, nw *transporttest.Network, l *Listener, addr netip.AddrPort) (*Conn, time.Duration) {
	t.Helper()
	pc, err := nw.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	start := time.Now()
	c, err := DialPacketConn(t.Context(), pc, net.UDPAddrFromAddrPort(netRelay), &DialConfig{
		Channels: []Mode{Unreliable}, Fingerprints: []handshake.Fingerprint{l.cfg.Identity.Fingerprint},
	})
	if err != nil {
		t.Errorf("dial from %v: %v", addr, err)
		return nil, 0
	}
	t.Cleanup(func() { c.Close() })
	return c, time.Since(start)
}

func TestHandshakesPerIPAreRateLimited(t *testing.T) {
	id := testIdentityIn(t, t.TempDir())
	synctest.Test(t, func(t *testing.T) {
		nw, l := admissionNetwork(t, ListenConfig{Identity: id, HandshakesPerIP: 1}) // burst of 2
		var wg sync.WaitGroup
		took := make([]time.Duration, 4)
		for i := range took { // four players behind one IP address
			wg.Go(func() {
				_, took[i] = dialFrom(t, nw, l, netip.AddrPortFrom(netClient.Addr(), uint16(40000+i)))
			})
		}
		wg.Wait()
		s := l.Stats()
		if s.Conns != 4 || s.HandshakeLimited == 0 {
			t.Fatalf("%d connections, %d handshakes limited; want all 4 connected, some after waiting", s.Conns, s.HandshakeLimited)
		}
		slow := 0
		for _, d := range took {
			if d >= 500*time.Millisecond { // waited for a DTLS retransmission
				slow++
			}
		}
		if slow < 2 {
			t.Fatalf("handshake times %v: want the 2 beyond the burst to wait for tokens", took)
		}
	})
}

func TestHalfOpenHandshakesAreCapped(t *testing.T) {
	id := testIdentityIn(t, t.TempDir())
	synctest.Test(t, func(t *testing.T) {
		nw, l := admissionNetwork(t, ListenConfig{Identity: id, MaxHalfOpen: 1, HandshakeTimeout: 2 * time.Second})
		stalled := stallHandshake(t, nw, netip.MustParseAddrPort("192.0.2.66:5000"))
		defer stalled.Close()
		if got := l.Stats().HalfOpen; got != 1 {
			t.Fatalf("half-open handshakes: got %d, want the stalled one", got)
		}
		_, took := dialFrom(t, nw, l, netClient)
		s := l.Stats()
		if s.HandshakeLimited == 0 || took < 2*time.Second {
			t.Fatalf("second client took %v with %d refusals; want it held back until the stalled handshake timed out", took, s.HandshakeLimited)
		}
		if s.Conns != 1 || s.HandshakeFailed != 1 {
			t.Fatalf("%d connections, %d failed handshakes; want 1 and 1", s.Conns, s.HandshakeFailed)
		}
	})
}

// stallHandshake proves its address with a cookie, so that the relay opens a
// handshake, then never says another word.
func stallHandshake(t *testing.T, nw *transporttest.Network, addr netip.AddrPort) *transporttest.Conn {
	t.Helper()
	pc, err := nw.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	ch := captureClientHello(t, nw)
	pc.WriteToUDPAddrPort(handshake.AppendFirstContact(nil, ch, nil), netRelay)
	buf := make([]byte, 2048)
	n, _, err := pc.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	cookie, ok := handshake.ParseRetry(buf[:n])
	if !ok {
		t.Fatalf("no RETRY: got %x", buf[:n])
	}
	pc.WriteToUDPAddrPort(handshake.AppendFirstContact(nil, ch, cookie), netRelay)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	return pc
}

// captureClientHello runs a real client against a black hole and returns its
// ClientHello (the first-contact datagram without its trailer).
func captureClientHello(t *testing.T, nw *transporttest.Network) []byte {
	t.Helper()
	hole := netip.MustParseAddrPort("198.51.100.99:9")
	got := make(chan []byte, 1)
	remove := nw.Tap(hole, func(_, _ netip.AddrPort, b []byte) {
		select {
		case got <- append([]byte(nil), b...):
		default:
		}
	})
	defer remove()
	pc, err := nw.Listen(netip.MustParseAddrPort("192.0.2.99:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	handshake.Client(ctx, pc, net.UDPAddrFromAddrPort(hole), &handshake.ClientConfig{InsecureSkipVerify: true})
	b := <-got
	fc, err := handshake.ParseFirstContact(b)
	if err != nil {
		t.Fatalf("captured first contact: %v", err)
	}
	return b[:fc.DTLSLen]
}
