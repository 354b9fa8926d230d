package transporttest

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// isTimeout reports whether err is a deadline error as net.UDPConn returns it.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && errors.Is(err, os.ErrDeadlineExceeded)
}

func TestReadDeadline(t *testing.T) {
	tests := []struct {
		name string
		// run sets up c's deadline (from now, a bubble's instant) and returns how
		// long ReadFrom should take to time out.
		run func(t *testing.T, c *Conn) time.Duration
	}{
		{"deadline in the past fails at once", func(t *testing.T, c *Conn) time.Duration {
			c.SetReadDeadline(time.Now().Add(-time.Second))
			return 0
		}},
		{"deadline in the future fails when it passes", func(t *testing.T, c *Conn) time.Duration {
			c.SetReadDeadline(time.Now().Add(50 * ms))
			return 50 * ms
		}},
		{"deadline wins over queued datagrams", func(t *testing.T, c *Conn) time.Duration {
			c.n.Inject(addrC, c.LocalAddrPort(), []byte("queued"))
			c.SetReadDeadline(time.Now())
			return 0
		}},
		{"SetReadDeadline(time.Now()) wakes a blocked read", func(t *testing.T, c *Conn) time.Duration {
			c.SetReadDeadline(time.Time{})
			runLater(t, 30*ms, func() { c.SetReadDeadline(time.Now()) })
			return 30 * ms
		}},
		{"a later deadline extends a blocked read", func(t *testing.T, c *Conn) time.Duration {
			start := time.Now()
			c.SetReadDeadline(start.Add(10 * ms))
			runLater(t, 5*ms, func() { c.SetReadDeadline(start.Add(40 * ms)) })
			return 40 * ms
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inModes(t, func(t *testing.T, exact bool) {
				nw := newNet(t, 1, Link{})
				c := listen(t, nw, addrA)
				start := time.Now()
				want := tt.run(t, c)
				_, _, err := c.ReadFrom(make([]byte, 16))
				if !isTimeout(err) {
					t.Fatalf("ReadFrom: got %v, want a timeout matching %v", err, os.ErrDeadlineExceeded)
				}
				checkElapsed(t, exact, "time to time out", time.Since(start), want)
			})
		})
	}
}

// runLater runs f on a goroutine after d, and waits for it at the end of the test.
func runLater(t *testing.T, d time.Duration, f func()) {
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(d)
		f()
	})
	t.Cleanup(wg.Wait)
}

func TestClearedReadDeadlineWaitsForData(t *testing.T) {
	inModes(t, func(t *testing.T, exact bool) {
		nw := newNet(t, 1, Link{Latency: 20 * ms})
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		b.SetReadDeadline(time.Now())
		b.SetReadDeadline(time.Time{})
		start := time.Now()
		sendSeqs(t, a, addrB, 0, 1, 0)
		if _, _, err := b.ReadFrom(make([]byte, 16)); err != nil {
			t.Fatalf("ReadFrom: got %v, want nil", err)
		}
		checkElapsed(t, exact, "time to read", time.Since(start), 20*ms)
	})
}

func TestWriteDeadline(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a := listen(t, nw, addrA)
	listen(t, nw, addrB)
	a.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := a.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(addrB)); !isTimeout(err) {
		t.Errorf("WriteTo after the deadline: got %v, want a timeout", err)
	}
	a.SetDeadline(time.Time{})
	if n, err := a.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(addrB)); n != 1 || err != nil {
		t.Errorf("WriteTo with no deadline: got %d, %v, want 1, nil", n, err)
	}
}

func TestWriteToInvalidAddress(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a := listen(t, nw, addrA)
	tests := []struct {
		name string
		addr net.Addr
	}{
		{"nil", nil},
		{"nil *net.UDPAddr", (*net.UDPAddr)(nil)},
		{"port 0", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("198.51.100.1:0"))},
		{"unspecified", &net.UDPAddr{IP: net.IPv4zero, Port: 9}},
		{"not an IP and port", &net.UnixAddr{Name: "/tmp/x", Net: "unixgram"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.WriteTo([]byte("x"), tt.addr); !errors.Is(err, ErrInvalidAddr) {
				t.Errorf("WriteTo(%v): got %v, want %v", tt.addr, err, ErrInvalidAddr)
			}
		})
	}
}

func TestWriteToUnboundAddressIsDropped(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a := listen(t, nw, addrA)
	if n, err := a.WriteToUDPAddrPort([]byte("lost"), addrC); n != 4 || err != nil {
		t.Fatalf("WriteTo: got %d, %v, want 4, nil", n, err)
	}
	if got := nw.Stats(); got.Unreachable != 1 {
		t.Errorf("Stats: got %+v, want 1 unreachable", got)
	}
}

func TestConnClose(t *testing.T) {
	inModes(t, func(t *testing.T, exact bool) {
		nw := newNet(t, 1, Link{})
		a, b := listen(t, nw, addrA), listen(t, nw, addrB)
		sendSeqs(t, a, addrB, 0, 3, 0) // discarded by Close
		readErr := make(chan error, 1)
		go func() {
			_, _, err := a.ReadFrom(make([]byte, 16))
			readErr <- err
		}()
		if exact {
			synctest.Wait() // the read is blocked
		}
		if err := a.Close(); err != nil {
			t.Fatalf("Close: got %v, want nil", err)
		}
		if err := <-readErr; !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked ReadFrom: got %v, want %v", err, net.ErrClosed)
		}
		checkClosed(t, a)
		b.Close()
		checkClosed(t, b)
	})
}

// checkClosed checks that every method of a closed Conn fails with net.ErrClosed.
func checkClosed(t *testing.T, c *Conn) {
	t.Helper()
	_, _, readErr := c.ReadFrom(make([]byte, 16))
	_, writeErr := c.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(addrB))
	_, rebindErr := c.Rebind(0)
	errs := map[string]error{
		"ReadFrom":         readErr,
		"WriteTo":          writeErr,
		"Rebind":           rebindErr,
		"SetDeadline":      c.SetDeadline(time.Now()),
		"SetReadDeadline":  c.SetReadDeadline(time.Now()),
		"SetWriteDeadline": c.SetWriteDeadline(time.Now()),
		"Close":            c.Close(),
	}
	for name, err := range errs {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: got %v, want %v", name, err, net.ErrClosed)
		}
	}
}

func TestRebind(t *testing.T) {
	inModes(t, func(t *testing.T, exact bool) {
		nw := newNet(t, 1, Link{Latency: 10 * ms})
		client, relay := listen(t, nw, addrA), listen(t, nw, addrB)
		oldAddr := client.LocalAddrPort()
		relay.WriteToUDPAddrPort([]byte("in flight to the old port"), oldAddr)
		newAddr, err := client.Rebind(0)
		if err != nil {
			t.Fatalf("Rebind: got %v, want nil", err)
		}
		if newAddr.Addr() != oldAddr.Addr() || newAddr.Port() == oldAddr.Port() {
			t.Fatalf("Rebind: got %v, want another port of %v", newAddr, oldAddr.Addr())
		}
		if got := client.LocalAddr().(*net.UDPAddr).AddrPort(); got != newAddr {
			t.Errorf("LocalAddr: got %v, want %v", got, newAddr)
		}
		client.WriteToUDPAddrPort([]byte("hello"), addrB)
		_, from, err := relay.ReadFromUDPAddrPort(make([]byte, 64))
		if err != nil || from != newAddr {
			t.Fatalf("relay ReadFrom: got from %v, %v, want from %v, nil", from, err, newAddr)
		}
		relay.WriteToUDPAddrPort([]byte("to the old port"), oldAddr)
		relay.WriteToUDPAddrPort([]byte("to the new port"), newAddr)
		buf := make([]byte, 64)
		n, _, err := client.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "to the new port" {
			t.Errorf("client ReadFrom: got %q, %v, want %q, nil", buf[:n], err, "to the new port")
		}
		if got := nw.Stats().Unreachable; got != 2 {
			t.Errorf("Stats.Unreachable: got %d, want 2 (both datagrams to the old port)", got)
		}
	})
}

func TestRebindToATakenPort(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a := listen(t, nw, addrA)
	listen(t, nw, netip.AddrPortFrom(addrA.Addr(), 5000))
	if _, err := a.Rebind(5000); !errors.Is(err, ErrAddrInUse) {
		t.Errorf("Rebind to a taken port: got %v, want %v", err, ErrAddrInUse)
	}
	if got, err := a.Rebind(addrA.Port()); got != addrA || err != nil {
		t.Errorf("Rebind to its own port: got %v, %v, want %v, nil", got, err, addrA)
	}
}

func TestReceiveQueueDropsWhenFull(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a, b := listen(t, nw, addrA), listen(t, nw, addrB)
	b.SetQueueLen(4)
	sendSeqs(t, a, addrB, 0, 10, 0)
	if got := b.Dropped(); got != 6 {
		t.Errorf("Dropped: got %d, want 6", got)
	}
	got := readSeqs(t, b, 4)
	for i, s := range got {
		if s != uint32(i) {
			t.Errorf("datagram %d: got seq %d, want %d (the oldest are kept)", i, s, i)
		}
	}
	if s := nw.Stats(); s.Overflowed != 6 || s.Delivered != 4 {
		t.Errorf("Stats: got %+v, want 6 overflowed and 4 delivered", s)
	}
}

func TestReadTruncatesLongDatagrams(t *testing.T) {
	nw := newNet(t, 1, Link{})
	a, b := listen(t, nw, addrA), listen(t, nw, addrB)
	a.WriteToUDPAddrPort([]byte("0123456789"), addrB)
	buf := make([]byte, 4)
	if n, _, err := b.ReadFrom(buf); n != 4 || err != nil || string(buf) != "0123" {
		t.Errorf("ReadFrom: got %d, %q, %v, want 4, %q, nil", n, buf, err, "0123")
	}
}

// TestConcurrentUse runs writers, readers, deadline changes and a rebind at once, for
// the race detector, then closes the network under the readers and datagrams in flight.
func TestConcurrentUse(t *testing.T) {
	nw := NewNetwork(1, Link{Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, Latency: ms, Jitter: ms})
	a, b := listen(t, nw, addrA), listen(t, nw, addrB)
	var readers, writers sync.WaitGroup
	for _, c := range []*Conn{a, b, a, b} {
		readers.Go(func() { readUntilClosed(c) })
		writers.Go(func() {
			peer := addrB
			if c == b {
				peer = a.LocalAddrPort()
			}
			for range 500 {
				c.WriteToUDPAddrPort([]byte("x"), peer)
			}
		})
	}
	writers.Go(func() {
		for range 50 {
			b.SetReadDeadline(time.Now())
			b.SetReadDeadline(time.Time{})
		}
	})
	writers.Go(func() { a.Rebind(0) })
	writers.Wait()
	nw.Close()
	readers.Wait()
}

func readUntilClosed(c *Conn) {
	buf := make([]byte, 16)
	for {
		if _, _, err := c.ReadFrom(buf); errors.Is(err, net.ErrClosed) {
			return
		}
	}
}
