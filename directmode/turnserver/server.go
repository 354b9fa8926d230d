package turnserver

import (
	"cmp"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
)

// closeWait bounds how long [Server.Close] waits for pion's goroutines.
const closeWait = 5 * time.Second

// Server is a running STUN/TURN service. Its methods are safe for concurrent use.
type Server struct {
	cfg    Config
	conn   *listenConn
	turn   *turn.Server
	quota  *quota
	guard  func(net.Addr) bool // nil: relay to any permitted address
	signal chan struct{}       // cap 1: a relay read ended or an allocation was deleted
	reads  atomic.Int64        // relay socket reads in progress

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex // guards the following fields
	relays map[*relayConn]struct{}
}

// Listen validates cfg, opens the listening socket (unless cfg.PacketConn is set) and starts
// serving STUN and TURN. On error it does not close cfg.PacketConn. Errors from an invalid
// Config match [ErrBadConfig].
func Listen(cfg *Config) (*Server, error) {
	laddr, err := listenAddr(cfg)
	if err != nil {
		return nil, err
	}
	c := cfg.withDefaults(laddr.IP)
	if err := c.validate(); err != nil {
		return nil, err
	}
	pc := c.PacketConn
	if pc == nil {
		if pc, err = net.ListenUDP("udp", laddr); err != nil {
			return nil, err
		}
	}
	s := newServer(c, pc, laddr.IP)
	if s.turn, err = turn.NewServer(s.turnConfig()); err != nil {
		if c.PacketConn == nil {
			pc.Close()
		}
		return nil, fmt.Errorf("turnserver: start: %w", err)
	}
	return s, nil
}

// listenAddr returns the address cfg listens on, port 0 meaning any.
func listenAddr(cfg *Config) (*net.UDPAddr, error) {
	if cfg.PacketConn != nil {
		if a, ok := cfg.PacketConn.LocalAddr().(*net.UDPAddr); ok {
			return a, nil
		}
		return nil, fmt.Errorf("%w: packet conn address %v is not UDP", ErrBadConfig, cfg.PacketConn.LocalAddr())
	}
	a, err := net.ResolveUDPAddr("udp", cmp.Or(cfg.Listen, DefaultListen))
	if err != nil {
		return nil, fmt.Errorf("%w: listen address: %w", ErrBadConfig, err)
	}
	return a, nil
}

func newServer(c Config, pc net.PacketConn, local net.IP) *Server {
	s := &Server{
		cfg:    c,
		conn:   &listenConn{PacketConn: pc, stopped: make(chan struct{}), log: c.Logger},
		signal: make(chan struct{}, 1),
		relays: make(map[*relayConn]struct{}),
	}
	s.quota = newQuota(c.MaxAllocationsPerUser, c.MaxAllocations, s.signal)
	if s.cfg.AllowPeer == nil {
		s.cfg.AllowPeer = DefaultAllowPeer
		s.guard = ownAddrGuard(ownIPs(c.RelayIP, local), c.MinPort, c.MaxPort)
	}
	return s
}

func (s *Server) turnConfig() turn.ServerConfig {
	c := &s.cfg
	size := c.MaxPort - c.MinPort + 1
	gen := &relayGenerator{s: s, RelayAddressGeneratorPortRange: &turn.RelayAddressGeneratorPortRange{
		RelayAddress: c.RelayIP,
		Address:      c.RelayBind,
		MinPort:      uint16(c.MinPort),
		MaxPort:      uint16(c.MaxPort),
		MaxRetries:   min(2*size, 64), // random picks before giving up on a busy range
		Net:          c.Net,
	}}
	return turn.ServerConfig{
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            s.conn,
			RelayAddressGenerator: gen,
			PermissionHandler:     func(_ net.Addr, peer net.IP) bool { return c.AllowPeer(peer) },
		}},
		LoggerFactory: pionLoggers{l: c.Logger},
		Realm:         c.Realm,
		AuthHandler:   authHandler(c.Secret, c.Logger),
		QuotaHandler:  s.quota.allow,
		EventHandler: turn.EventHandler{
			OnAllocationCreated: s.quota.created,
			OnAllocationDeleted: s.quota.deleted,
		},
		AllocationLifetime: c.AllocationLifetime,
		// Relays are of RelayIP's family only: a client that omits REQUESTED-ADDRESS-FAMILY
		// gets an IPv4 relay (RFC 6156) rather than, by pion's default, one of the family it
		// reached the server with, which fails for IPv6 clients of an IPv4 relay.
		StrictAddressFamily: c.RelayIP.To4() != nil,
	}
}

// Addr returns the address STUN and TURN are served on.
func (s *Server) Addr() net.Addr { return s.conn.LocalAddr() }

// Allocations returns the number of live TURN allocations.
func (s *Server) Allocations() int { return s.quota.live() }

// Close stops the server: it closes the listening socket (including a [Config.PacketConn]) and
// every relay socket, and waits (up to 5s) for the goroutines pion started to finish. It is
// safe to call more than once; later calls return the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.conn.closing.Store(true)
		s.closeErr = s.turn.Close()
		// Once pion's read loop stops reading, no allocation can be created any more.
		s.wait(s.conn.stopped)
		s.mu.Lock()
		relays := make([]*relayConn, 0, len(s.relays))
		for c := range s.relays {
			relays = append(relays, c)
		}
		s.mu.Unlock()
		for _, c := range relays {
			c.Close()
		}
		s.waitIdle()
	})
	return s.closeErr
}

// wait waits for ch to be closed, at most closeWait.
func (s *Server) wait(ch <-chan struct{}) {
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		s.cfg.Logger.Warn("turnserver: close: pion read loop did not stop")
	}
}

// waitIdle waits until no relay socket is being read and every allocation has been deleted:
// pion's relay goroutine deletes its allocation, then returns.
func (s *Server) waitIdle() {
	t := time.NewTimer(closeWait)
	defer t.Stop()
	for s.reads.Load() > 0 || s.quota.live() > 0 {
		select {
		case <-s.signal:
		case <-t.C:
			s.cfg.Logger.Warn("turnserver: close: relay goroutines did not stop",
				"reads", s.reads.Load(), "allocations", s.quota.live())
			return
		}
	}
}

// readDone is called when a relay socket read returns.
func (s *Server) readDone() {
	s.reads.Add(-1)
	s.notify()
}

// notify wakes waitIdle without blocking.
func (s *Server) notify() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}
