package transport

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// udpNAT is a userspace NAT on loopback for tests: a client talks to its inside
// socket, and it forwards to the relay from an outside socket, as a home router would.
// Rebind swaps the outside socket, which is what a NAT mapping change looks like to the
// relay: the same client, a new source port. Each direction can be cut off.
type udpNAT struct {
	t      testing.TB
	inside *net.UDPConn
	relay  netip.AddrPort

	mu      sync.Mutex // guards the following fields
	outside *net.UDPConn
	client  netip.AddrPort
	up      func([]byte) bool // nil passes everything client → relay
	down    func([]byte) bool // nil passes everything relay → client

	upPackets, downPackets atomic.Int64
	wg                     sync.WaitGroup
}

func newUDPNAT(t testing.TB, relay net.Addr) *udpNAT {
	t.Helper()
	n := &udpNAT{t: t, inside: listenLoopback(t), relay: addrPortOf(relay)}
	n.outside = listenLoopback(t)
	n.wg.Add(2)
	go n.upLoop()
	go n.downLoop(n.outside)
	t.Cleanup(n.close)
	return n
}

func listenLoopback(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return c
}

// Addr is where the client should send.
func (n *udpNAT) Addr() net.Addr { return n.inside.LocalAddr() }

// OutsideAddr is the address the relay sees now.
func (n *udpNAT) OutsideAddr() netip.AddrPort {
	n.mu.Lock()
	defer n.mu.Unlock()
	return addrPortOf(n.outside.LocalAddr())
}

// filter installs predicates that decide which datagrams pass (nil: all).
func (n *udpNAT) filter(up, down func([]byte) bool) {
	n.mu.Lock()
	n.up, n.down = up, down
	n.mu.Unlock()
}

func dropAll([]byte) bool { return false }

// rebind moves the mapping to a new outside port.
func (n *udpNAT) rebind() {
	out := listenLoopback(n.t)
	n.mu.Lock()
	old := n.outside
	n.outside = out
	n.mu.Unlock()
	old.Close()
	n.wg.Add(1)
	go n.downLoop(out)
}

func (n *udpNAT) upLoop() {
	defer n.wg.Done()
	buf := make([]byte, 65536)
	for {
		k, from, err := n.inside.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		n.mu.Lock()
		n.client = from
		out, pass := n.outside, n.up == nil || n.up(buf[:k])
		n.mu.Unlock()
		if pass {
			n.upPackets.Add(1)
			out.WriteToUDPAddrPort(buf[:k], n.relay)
		}
	}
}

func (n *udpNAT) downLoop(out *net.UDPConn) {
	defer n.wg.Done()
	buf := make([]byte, 65536)
	for {
		k, _, err := out.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // ICMP errors surface as reads on loopback
		}
		n.mu.Lock()
		client, current, pass := n.client, out == n.outside, n.down == nil || n.down(buf[:k])
		n.mu.Unlock()
		if current && pass {
			n.downPackets.Add(1)
			n.inside.WriteToUDPAddrPort(buf[:k], client)
		}
	}
}

func (n *udpNAT) close() {
	n.inside.Close()
	n.mu.Lock()
	n.outside.Close()
	n.mu.Unlock()
	n.wg.Wait()
}
