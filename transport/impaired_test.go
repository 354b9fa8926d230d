package transport

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport/transporttest"
)

// These tests run the whole stack (first contact, DTLS, HELLO/ACCEPT, KCP channels)
// over transporttest's impaired network inside synctest bubbles: fake time, seeded
// loss, duplication, reordering and latency, so each run is exact and quick.

var (
	netRelay  = netip.MustParseAddrPort("198.51.100.1:7000")
	netClient = netip.MustParseAddrPort("192.0.2.10:40000")
)

// impairedPair starts a relay and dials it over nw; both end with the bubble.
func impairedPair(t *testing.T, nw *transporttest.Network, id *handshake.Identity, dc DialConfig) (*Listener, *Conn) {
	t.Helper()
	rpc, err := nw.Listen(netRelay)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(rpc, &ListenConfig{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cpc, err := nw.Listen(netClient)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cpc.Close() })
	dc.Fingerprints = []handshake.Fingerprint{id.Fingerprint}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := DialPacketConn(ctx, cpc, net.UDPAddrFromAddrPort(netRelay), &dc)
	if err != nil {
		t.Fatalf("DialPacketConn over the impaired network: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return l, c
}

// lossyReliablePair connects a client with two reliable-ordered channels to a relay over a
// network that loses (loss), duplicates 5 %, reorders 10 % and delays 15±5 ms, and
// returns the network, both ends and a context for receiving. Inside synctest.
func lossyReliablePair(t *testing.T, id *handshake.Identity, seed uint64, loss float64) (*transporttest.Network, *Conn, *Conn, context.Context) {
	t.Helper()
	nw := transporttest.NewNetwork(seed, transporttest.Link{
		Loss: loss, Duplicate: 0.05, Reorder: 0.10,
		Latency: 15 * time.Millisecond, Jitter: 5 * time.Millisecond,
	})
	t.Cleanup(func() { nw.Close() })
	l, c := impairedPair(t, nw, id, DialConfig{Channels: []Mode{ReliableOrdered, ReliableOrdered}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	sc, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return nw, c, sc, ctx
}

func TestReliableChannelsOverAnImpairedNetwork(t *testing.T) {
	id := testIdentityIn(t, t.TempDir())
	for i, loss := range []float64{0, 0.05, 0.20, 0.40} {
		t.Run(fmt.Sprintf("loss %.0f%%", loss*100), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				nw, c, sc, ctx := lossyReliablePair(t, id, uint64(i+1), loss)
				const n = 150
				for k := range n {
					mustSend(t, c, k%2, testMessage(k))
					mustSend(t, sc, k%2, testMessage(k))
				}
				for _, side := range []struct {
					name string
					c    *Conn
				}{{"relay", sc}, {"client", c}} {
					next := [2]int{0, 1}
					for range n {
						m, err := side.c.Receive(ctx)
						if err != nil {
							t.Fatalf("%s: Receive: %v (stats %+v)", side.name, err, side.c.Stats())
						}
						if want := testMessage(next[m.Channel]); !bytes.Equal(m.Data, want) {
							t.Fatalf("%s: on channel %d got message %d, want %d", side.name, m.Channel, m.Data[3], next[m.Channel])
						}
						next[m.Channel] += 2
					}
				}
				s := nw.Stats()
				if loss > 0 && (s.Lost == 0 || s.Duplicated == 0 || s.Reordered == 0) {
					t.Errorf("network did not impair: %+v", s)
				}
			})
		})
	}
}

func TestSpoofedFirstContactFloodOverTheNetwork(t *testing.T) {
	id := testIdentityIn(t, t.TempDir())
	synctest.Test(t, func(t *testing.T) {
		nw := transporttest.NewNetwork(9, transporttest.Link{Latency: time.Millisecond})
		t.Cleanup(func() { nw.Close() })
		rpc, err := nw.Listen(netRelay)
		if err != nil {
			t.Fatal(err)
		}
		rpc.SetQueueLen(4096) // a socket buffer that holds the burst
		l, err := Listen(rpc, &ListenConfig{Identity: id})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var replied, requested int
		remove := nw.Tap(netip.AddrPort{}, func(from, _ netip.AddrPort, b []byte) {
			if from == netRelay {
				replied += len(b)
			}
		})
		defer remove()
		hello := handshake.AppendFirstContact(nil, clientHello(5), nil)
		for i := range 2000 { // 2000 victims, none of which ever answers
			victim := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), uint16(1024+i))
			if err := nw.Inject(victim, netRelay, hello); err != nil {
				t.Fatal(err)
			}
			requested += len(hello)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		s := l.Stats()
		if s.Retries != 2000 || s.HalfOpen != 0 || s.Conns != 0 {
			t.Fatalf("after 2000 spoofed first contacts: %d retries, %d half-open, %d connections; want 2000, 0, 0", s.Retries, s.HalfOpen, s.Conns)
		}
		if 3*replied > requested {
			t.Fatalf("relay sent %d bytes in reply to %d, more than a third", replied, requested)
		}
	})
}
