package transporttest

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	addrA = netip.MustParseAddrPort("192.0.2.1:1000")
	addrB = netip.MustParseAddrPort("198.51.100.1:2000")
	addrC = netip.MustParseAddrPort("203.0.113.7:3000") // never bound
)

// inModes runs f under real time and inside a synctest bubble. exact is true in the
// bubble, where durations are exact rather than lower bounds.
func inModes(t *testing.T, f func(t *testing.T, exact bool)) {
	t.Run("realtime", func(t *testing.T) { f(t, false) })
	t.Run("synctest", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { f(t, true) })
	})
}

func newNet(t *testing.T, seed uint64, l Link) *Network {
	t.Helper()
	nw := NewNetwork(seed, l)
	t.Cleanup(func() { nw.Close() })
	return nw
}

func listen(t *testing.T, nw *Network, addr netip.AddrPort) *Conn {
	t.Helper()
	c, err := nw.Listen(addr)
	if err != nil {
		t.Fatalf("Listen(%v): got %v, want nil", addr, err)
	}
	return c
}

// sendSeqs writes the sequence numbers first..first+n-1 from c to to, sleeping gap
// between writes.
func sendSeqs(t *testing.T, c *Conn, to netip.AddrPort, first, n int, gap time.Duration) {
	t.Helper()
	for i := range n {
		b := binary.BigEndian.AppendUint32(nil, uint32(first+i))
		if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
			t.Fatalf("WriteTo: got %v, want nil", err)
		}
		if gap > 0 {
			time.Sleep(gap)
		}
	}
}

// readSeqs reads n datagrams from c and returns their sequence numbers.
func readSeqs(t *testing.T, c *Conn, n int) []uint32 {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	got := make([]uint32, 0, n)
	buf := make([]byte, 16)
	for range n {
		m, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("ReadFrom after %d datagrams: got %v, want nil", len(got), err)
		}
		got = append(got, binary.BigEndian.Uint32(buf[:m]))
	}
	return got
}

// settle waits until no datagram is in flight.
func settle(t *testing.T, nw *Network) {
	t.Helper()
	for start := time.Now(); nw.Stats().InFlight > 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("settle: %d datagrams still in flight", nw.Stats().InFlight)
		}
	}
}

// receiveAll waits for the network to settle and reads everything it delivered to c,
// the only receiver.
func receiveAll(t *testing.T, nw *Network, c *Conn) []uint32 {
	t.Helper()
	settle(t, nw)
	return readSeqs(t, c, int(nw.Stats().Delivered))
}

func TestPerfectLinkDeliversInOrder(t *testing.T) {
	inModes(t, func(t *testing.T, _ bool) {
		nw := newNet(t, 1, Link{})
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		sendSeqs(t, a, addrB, 0, 100, 0)
		got := readSeqs(t, b, 100)
		for i, s := range got {
			if s != uint32(i) {
				t.Fatalf("datagram %d: got seq %d, want %d", i, s, i)
			}
		}
		want := Stats{Sent: 100, Delivered: 100}
		if diff := cmp.Diff(want, nw.Stats()); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
}

// deliverySequence sends n numbered datagrams over l and returns what arrived, in order.
func deliverySequence(t *testing.T, seed uint64, l Link, n int, gap time.Duration) []uint32 {
	t.Helper()
	nw := NewNetwork(seed, l)
	defer nw.Close()
	a, b := listen(t, nw, addrA), listen(t, nw, addrB)
	b.SetQueueLen(2 * n)
	sendSeqs(t, a, addrB, 0, n, gap)
	return receiveAll(t, nw, b)
}

func TestSeedDeterminesDeliverySequence(t *testing.T) {
	lossy := Link{Loss: 0.2, Duplicate: 0.1}
	delayed := Link{Loss: 0.2, Duplicate: 0.1, Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond}
	reordering := Link{Loss: 0.2, Duplicate: 0.1, Reorder: 0.2, Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond}
	tests := []struct {
		name     string
		link     Link
		realtime bool // reproducible under real time too, not only in a bubble
	}{
		{"loss and duplication", lossy, true},
		{"with latency and jitter", delayed, true},
		{"with reordering", reordering, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inModes(t, func(t *testing.T, exact bool) {
				if !exact && !tt.realtime {
					t.Skip("reordered arrivals depend on wall-clock timing outside a bubble")
				}
				gap := time.Duration(0)
				if exact {
					gap = 100 * time.Microsecond
				}
				first := deliverySequence(t, 1, tt.link, 500, gap)
				if diff := cmp.Diff(first, deliverySequence(t, 1, tt.link, 500, gap)); diff != "" {
					t.Errorf("same seed, second run (-first +second):\n%s", diff)
				}
				if cmp.Equal(first, deliverySequence(t, 2, tt.link, 500, gap)) {
					t.Errorf("seeds 1 and 2: got the same %d arrivals, want different ones", len(first))
				}
			})
		})
	}
}

func TestSetLinkIsOneDirection(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a, b := listen(t, nw, addrA), listen(t, nw, addrB)
	nw.SetLink(addrA.Addr(), addrB.Addr(), Link{Loss: 1})
	sendSeqs(t, a, addrB, 0, 10, 0)
	sendSeqs(t, b, addrA, 0, 10, 0)
	if got := readSeqs(t, a, 10); len(got) != 10 {
		t.Errorf("B to A: got %d datagrams, want 10", len(got))
	}
	want := Stats{Sent: 20, Lost: 10, Delivered: 10}
	if diff := cmp.Diff(want, nw.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestStatsAccountForEveryDatagram(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := Link{Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond}
		nw := newNet(t, 7, l)
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		b.SetQueueLen(300)
		sendSeqs(t, a, addrB, 0, 400, 10*time.Microsecond)
		sendSeqs(t, a, addrC, 0, 5, 0)
		balanced := func(s Stats) bool {
			return s.Sent+s.Duplicated == s.Lost+s.Unreachable+s.Overflowed+s.Delivered+s.InFlight
		}
		if s := nw.Stats(); !balanced(s) || s.InFlight == 0 {
			t.Errorf("in flight: got %+v, want balanced counts with datagrams in flight", s)
		}
		settle(t, nw)
		s := nw.Stats()
		if !balanced(s) || s.Overflowed == 0 || s.Unreachable != 5 {
			t.Errorf("settled: got %+v, want balanced counts, overflows, 5 unreachable", s)
		}
		if got, want := b.Dropped(), s.Overflowed; got != want {
			t.Errorf("Dropped: got %d, want %d", got, want)
		}
	})
}

func TestWriteCopiesTheBuffer(t *testing.T) {
	inModes(t, func(t *testing.T, _ bool) {
		nw := newNet(t, 1, Link{Latency: 5 * time.Millisecond})
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		buf := []byte("hello")
		a.WriteToUDPAddrPort(buf, addrB)
		copy(buf, "XXXXX")
		got := make([]byte, 16)
		n, _, err := b.ReadFrom(got)
		if err != nil || string(got[:n]) != "hello" {
			t.Errorf("ReadFrom: got %q, %v, want %q, nil", got[:n], err, "hello")
		}
	})
}

func TestListen(t *testing.T) {
	tests := []struct {
		name    string
		addr    netip.AddrPort
		want    netip.AddrPort
		wantErr error
	}{
		{"given port", addrB, addrB, nil},
		{"port 0 picks the first free ephemeral port", netip.MustParseAddrPort("192.0.2.1:0"), netip.MustParseAddrPort("192.0.2.1:49153"), nil},
		{"IPv4-mapped becomes IPv4", netip.MustParseAddrPort("[::ffff:192.0.2.9]:5"), netip.MustParseAddrPort("192.0.2.9:5"), nil},
		{"IPv6", netip.MustParseAddrPort("[2001:db8::1]:5"), netip.MustParseAddrPort("[2001:db8::1]:5"), nil},
		{"taken", addrA, netip.AddrPort{}, ErrAddrInUse},
		{"taken ephemeral port", netip.MustParseAddrPort("192.0.2.1:49152"), netip.AddrPort{}, ErrAddrInUse},
		{"unspecified", netip.MustParseAddrPort("0.0.0.0:5"), netip.AddrPort{}, ErrInvalidAddr},
		{"no IP", netip.AddrPort{}, netip.AddrPort{}, ErrInvalidAddr},
	}
	nw := newNet(t, 1, Link{})
	listen(t, nw, addrA)
	listen(t, nw, netip.MustParseAddrPort("192.0.2.1:0")) // takes 49152
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := nw.Listen(tt.addr)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Listen(%v): got %v, want %v", tt.addr, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer c.Close()
			if got := c.LocalAddr().(*net.UDPAddr).AddrPort(); got != tt.want {
				t.Errorf("LocalAddr: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListenAfterCloseOfConnReusesAddress(t *testing.T) {
	nw := newNet(t, 1, Link{})
	listen(t, nw, addrA).Close()
	listen(t, nw, addrA)
}

func TestInjectForgesTheSource(t *testing.T) {
	nw := newNet(t, 1, Link{})
	b := listen(t, nw, addrB)
	spoofed := netip.MustParseAddrPort("203.0.113.99:4444")
	if err := nw.Inject(spoofed, addrB, []byte("hi")); err != nil {
		t.Fatalf("Inject: got %v, want nil", err)
	}
	buf := make([]byte, 16)
	n, from, err := b.ReadFrom(buf)
	if err != nil {
		t.Fatalf("ReadFrom: got %v, want nil", err)
	}
	if got := from.(*net.UDPAddr).AddrPort(); got != spoofed || string(buf[:n]) != "hi" {
		t.Errorf("ReadFrom: got %q from %v, want %q from %v", buf[:n], got, "hi", spoofed)
	}
	if err := nw.Inject(spoofed, netip.MustParseAddrPort("198.51.100.1:0"), nil); !errors.Is(err, ErrInvalidAddr) {
		t.Errorf("Inject to port 0: got %v, want %v", err, ErrInvalidAddr)
	}
	if err := nw.Inject(netip.AddrPort{}, addrB, nil); !errors.Is(err, ErrInvalidAddr) {
		t.Errorf("Inject from no address: got %v, want %v", err, ErrInvalidAddr)
	}
}

func TestTapSeesDatagramsSentToMatchingAddresses(t *testing.T) {
	tests := []struct {
		name      string
		tap       netip.AddrPort
		wantCount int
		wantBytes int
	}{
		{"one address", addrB, 3, 3 * 10},
		{"any port of a host", netip.AddrPortFrom(addrB.Addr(), 0), 4, 3*10 + 7},
		{"everything", netip.AddrPort{}, 6, 3*10 + 7 + 2*5},
		{"unbound address", addrC, 1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nw := newNet(t, 1, Link{Loss: 1}) // taps see datagrams the link drops
			a := listen(t, nw, addrA)
			listen(t, nw, addrB)
			var count, bytes atomic.Int64
			remove := nw.Tap(tt.tap, func(_, _ netip.AddrPort, b []byte) {
				count.Add(1)
				bytes.Add(int64(len(b)))
			})
			for range 3 {
				a.WriteToUDPAddrPort(make([]byte, 10), addrB)
			}
			a.WriteToUDPAddrPort(make([]byte, 7), netip.AddrPortFrom(addrB.Addr(), 9))
			a.WriteToUDPAddrPort(make([]byte, 5), addrC)
			nw.Inject(addrC, addrA, make([]byte, 5))
			remove()
			a.WriteToUDPAddrPort(make([]byte, 10), addrB)
			if count.Load() != int64(tt.wantCount) || bytes.Load() != int64(tt.wantBytes) {
				t.Errorf("tap: got %d datagrams, %d bytes, want %d, %d", count.Load(), bytes.Load(), tt.wantCount, tt.wantBytes)
			}
		})
	}
}

func TestNetworkClose(t *testing.T) {
	inModes(t, func(t *testing.T, exact bool) {
		nw := NewNetwork(1, Link{Latency: 10 * time.Millisecond})
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		sendSeqs(t, a, addrB, 0, 5, 0) // in flight when the network closes
		readErr := make(chan error, 1)
		go func() {
			_, _, err := a.ReadFrom(make([]byte, 16))
			readErr <- err
		}()
		if exact {
			synctest.Wait() // the read is blocked
		}
		for i := range 2 {
			if err := nw.Close(); err != nil {
				t.Fatalf("Close #%d: got %v, want nil", i+1, err)
			}
		}
		if err := <-readErr; !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked ReadFrom: got %v, want %v", err, net.ErrClosed)
		}
		if _, _, err := b.ReadFrom(make([]byte, 16)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadFrom: got %v, want %v", err, net.ErrClosed)
		}
		if _, err := nw.Listen(addrC); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Listen: got %v, want %v", err, net.ErrClosed)
		}
		if err := nw.Inject(addrC, addrB, nil); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Inject: got %v, want %v", err, net.ErrClosed)
		}
		if got := nw.Stats(); got.InFlight != 0 || got.Delivered != 0 {
			t.Errorf("Stats: got %+v, want nothing in flight or delivered", got)
		}
	})
}
