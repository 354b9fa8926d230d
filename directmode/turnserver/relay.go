package turnserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/turn/v5"
)

// relayGenerator allocates UDP relay sockets in the configured port range and wraps them in
// relayConns the [Server] tracks. It refuses TCP relaying.
type relayGenerator struct {
	*turn.RelayAddressGeneratorPortRange
	s *Server
}

var _ turn.RelayAddressGenerator = (*relayGenerator)(nil)

// AllocatePacketConn implements turn.RelayAddressGenerator. It refuses requested ports outside
// the range (pion derives them from EVEN-PORT reservations and may add one).
func (g *relayGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	if c.RequestedPort != 0 && (c.RequestedPort < g.s.cfg.MinPort || c.RequestedPort > g.s.cfg.MaxPort) {
		return nil, nil, fmt.Errorf("turnserver: requested port %d outside relay range", c.RequestedPort)
	}
	pc, addr, err := g.RelayAddressGeneratorPortRange.AllocatePacketConn(c)
	if err != nil {
		return nil, nil, err
	}
	return g.s.newRelayConn(pc), addr, nil
}

// AllocateListener implements turn.RelayAddressGenerator: TCP allocations are not offered.
func (g *relayGenerator) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

// AllocateConn implements turn.RelayAddressGenerator: TCP allocations are not offered.
func (g *relayGenerator) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// relayConn is an allocation's relay socket. It counts reads in progress so that
// [Server.Close] can wait for pion's relay goroutines, makes Close idempotent (both pion and
// Close close it), and drops writes refused by the server's guard.
type relayConn struct {
	net.PacketConn
	s         *Server
	closeOnce sync.Once
	closeErr  error
}

func (s *Server) newRelayConn(pc net.PacketConn) *relayConn {
	c := &relayConn{PacketConn: pc, s: s}
	s.mu.Lock()
	s.relays[c] = struct{}{}
	s.mu.Unlock()
	return c
}

// ReadFrom is called by pion's per-allocation goroutine, which exits on the first error.
func (c *relayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.s.reads.Add(1)
	defer c.s.readDone()
	return c.PacketConn.ReadFrom(b)
}

// WriteTo sends to a peer unless the guard refuses addr; refused packets are dropped silently,
// as a firewall would.
func (c *relayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if g := c.s.guard; g != nil && !g(addr) {
		c.s.cfg.Logger.Debug("turnserver: dropped packet to own address", "peer", addr)
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

// Close closes the socket once; later calls return nil so that pion's allocation teardown
// does not stop half-way when [Server.Close] closed the socket first.
func (c *relayConn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.PacketConn.Close()
		c.s.mu.Lock()
		delete(c.s.relays, c)
		c.s.mu.Unlock()
	})
	return c.closeErr
}

// listenConn wraps the listening socket and reports when pion's read loop has stopped reading.
type listenConn struct {
	net.PacketConn
	stopped  chan struct{} // closed when ReadFrom first fails
	stopOnce sync.Once
	closing  atomic.Bool // set by Server.Close: the read error that follows is expected
	log      *slog.Logger
}

// ReadFrom is called by pion's read loop, which exits on the first error.
func (c *listenConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err != nil {
		c.stopOnce.Do(func() { close(c.stopped) })
		// Some PacketConns (pion's vnet) do not wrap net.ErrClosed.
		if !errors.Is(err, net.ErrClosed) && !c.closing.Load() {
			c.log.Error("turnserver: read failed, server stopped", "err", err)
		}
	}
	return n, addr, err
}

// ownAddrGuard returns a guard refusing packets to the node's own IPs on ports outside the
// relay range: relaying to another allocation on this server works, reaching other services
// of the node (its game port, this STUN/TURN port, admin ports) does not.
func ownAddrGuard(own []netip.Addr, minPort, maxPort int) func(net.Addr) bool {
	return func(a net.Addr) bool {
		ua, ok := a.(*net.UDPAddr)
		if !ok {
			return false
		}
		ip, _ := netip.AddrFromSlice(ua.IP)
		for _, o := range own {
			if ip.Unmap() == o {
				return ua.Port >= minPort && ua.Port <= maxPort
			}
		}
		return true
	}
}

// ownIPs lists the node's own addresses: the given ones and those of its interfaces.
func ownIPs(ips ...net.IP) []netip.Addr {
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				ips = append(ips, n.IP)
			}
		}
	}
	var out []netip.Addr
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok && !a.IsUnspecified() {
			out = append(out, a.Unmap())
		}
	}
	return out
}
