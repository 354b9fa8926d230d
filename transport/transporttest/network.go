package transporttest

import (
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Ephemeral ports handed out for port 0, as on most systems.
const (
	firstEphemeralPort = 49152
	lastEphemeralPort  = 65535
)

// A Network is an in-process packet network between [Conn]s. It carries datagrams
// through [Link]s that drop, delay, reorder and duplicate them, drawing every decision
// at send time from generators seeded by the network's seed, so that the same writes
// give the same losses, copies and delays in every run.
//
// A Network is safe for concurrent use. It must be created with [NewNetwork] and closed
// with [Network.Close]. To use it inside a testing/synctest bubble, create it inside the
// bubble and close it there (t.Cleanup in the bubble's test does that).
type Network struct {
	seed    uint64
	closeCh chan struct{} // closed by Close; stops scheduleLoop
	wakeCh  chan struct{} // signals scheduleLoop that the earliest arrival moved up
	wg      sync.WaitGroup

	mu          sync.Mutex // guards the following fields; taken before any Conn.mu
	closed      bool
	defaultLink Link
	links       map[hostPair]Link
	flows       map[flowKey]*flow
	conns       map[netip.AddrPort]*Conn
	taps        []*tap
	inFlight    arrivals // datagrams on the wire, by arrival time
	seq         uint64   // orders arrivals at the same instant by send order
	nextPort    uint16
	started     bool // scheduleLoop is running
	stats       Stats
}

// Stats counts what a [Network] did with the datagrams sent on it. Every datagram sent,
// and every extra copy made, is eventually counted once as lost, unreachable, overflowed
// or delivered, and until then as in flight: Sent + Duplicated == Lost + Unreachable +
// Overflowed + Delivered + InFlight. Datagrams still in flight when the network closes
// are discarded.
type Stats struct {
	Sent        uint64 // datagrams written with [Conn.WriteTo] or [Network.Inject]
	Lost        uint64 // datagrams dropped by a link's Loss
	Duplicated  uint64 // extra copies made by a link's Duplicate
	Reordered   uint64 // datagrams held back by a link's Reorder
	Delivered   uint64 // datagrams and copies put in a receive queue
	Unreachable uint64 // datagrams and copies with no Conn at their destination
	Overflowed  uint64 // datagrams and copies dropped because a receive queue was full
	InFlight    uint64 // datagrams and copies delayed and not yet arrived
}

// A tap observes datagrams sent to addresses that match addr.
type tap struct {
	addr netip.AddrPort
	fn   func(from, to netip.AddrPort, b []byte)
}

// NewNetwork returns a network whose links all behave like defaultLink until
// [Network.SetLink] says otherwise, with random decisions seeded by seed.
func NewNetwork(seed uint64, defaultLink Link) *Network {
	return &Network{
		seed:        seed,
		closeCh:     make(chan struct{}),
		wakeCh:      make(chan struct{}, 1),
		defaultLink: defaultLink,
		links:       make(map[hostPair]Link),
		flows:       make(map[flowKey]*flow),
		conns:       make(map[netip.AddrPort]*Conn),
		nextPort:    firstEphemeralPort,
	}
}

// SetLink sets the link used from host from to host to, one direction only; call it
// twice, swapping the hosts, for both. It applies to datagrams sent after the call;
// datagrams in flight keep their fate. Datagrams a host sends to itself use the link
// from it to itself, which is the default link unless set.
func (n *Network) SetLink(from, to netip.Addr, l Link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[hostPair{from.Unmap(), to.Unmap()}] = l
}

// Listen returns a [Conn] bound to addr. If addr's port is 0, it picks a free ephemeral
// port; [Conn.LocalAddr] reports it. IPv4-mapped IPv6 addresses are treated as IPv4.
// Listen fails with [ErrInvalidAddr] if addr has no IP or an unspecified one, with
// [ErrAddrInUse] if the address is taken, and with net.ErrClosed after [Network.Close].
func (n *Network) Listen(addr netip.AddrPort) (*Conn, error) {
	addr = unmap(addr)
	if !addr.Addr().IsValid() || addr.Addr().IsUnspecified() {
		return nil, opError("listen", netip.AddrPort{}, addr, ErrInvalidAddr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, opError("listen", netip.AddrPort{}, addr, net.ErrClosed)
	}
	addr, err := n.claimLocked(addr)
	if err != nil {
		return nil, opError("listen", netip.AddrPort{}, addr, err)
	}
	c := newConn(n, addr)
	n.conns[addr] = c
	return c, nil
}

// claimLocked returns addr, with a free ephemeral port if its port is 0, if no Conn has it.
func (n *Network) claimLocked(addr netip.AddrPort) (netip.AddrPort, error) {
	if addr.Port() != 0 {
		if n.conns[addr] != nil {
			return addr, ErrAddrInUse
		}
		return addr, nil
	}
	for range lastEphemeralPort - firstEphemeralPort + 1 {
		a := netip.AddrPortFrom(addr.Addr(), n.nextPort)
		n.nextPort++
		if n.nextPort == 0 { // wrapped past lastEphemeralPort
			n.nextPort = firstEphemeralPort
		}
		if n.conns[a] == nil {
			return a, nil
		}
	}
	return addr, ErrAddrInUse
}

// Inject sends b to to as if from had sent it, whether or not a [Conn] is bound to from:
// a datagram with a forged source. It goes through the link from from's host to to's
// host like any other datagram and is seen by taps. from may have any port, 0 included.
// Inject copies b. It fails with [ErrInvalidAddr] if from has no IP or to cannot be sent
// to, and with net.ErrClosed after [Network.Close].
func (n *Network) Inject(from, to netip.AddrPort, b []byte) error {
	from, to = unmap(from), unmap(to)
	if !from.Addr().IsValid() || !validDest(to) {
		return opError("inject", from, to, ErrInvalidAddr)
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return opError("inject", from, to, net.ErrClosed)
	}
	taps := n.sendLocked(from, to, b)
	n.mu.Unlock()
	runTaps(taps, from, to, b)
	return nil
}

// Tap calls fn for every datagram sent to an address matching to, at the time it is sent
// (before the link decides its fate, so lost datagrams are seen too) and on the sending
// goroutine, with no lock held. A zero to matches every address; a to with port 0
// matches every port of its host. fn may be called from several goroutines at once and
// must not modify or keep b. Tap returns a function that removes the tap; after it
// returns, fn is not called for datagrams sent later.
func (n *Network) Tap(to netip.AddrPort, fn func(from, to netip.AddrPort, b []byte)) (remove func()) {
	t := &tap{addr: unmap(to), fn: fn}
	n.mu.Lock()
	n.taps = append(n.taps, t)
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.taps = slices.DeleteFunc(n.taps, func(x *tap) bool { return x == t })
	}
}

// Stats returns what the network has done so far. It may be called after Close.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.InFlight = uint64(len(n.inFlight))
	return s
}

// Close closes every [Conn] of the network, discards datagrams in flight and stops the
// network's goroutine, waiting for it. Afterwards Listen and Inject fail with
// net.ErrClosed. Close is safe to call more than once and always returns nil.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	conns := slices.Collect(maps.Values(n.conns))
	n.inFlight = nil
	n.taps = nil
	close(n.closeCh)
	n.mu.Unlock()
	for _, c := range conns {
		_ = c.Close() // fails only for a Conn its owner closed meanwhile
	}
	n.wg.Wait()
	return nil
}

// sendLocked puts one datagram on the network and returns the taps to call with it.
func (n *Network) sendLocked(from, to netip.AddrPort, b []byte) []*tap {
	n.stats.Sent++
	var taps []*tap
	for _, t := range n.taps {
		if t.matches(to) {
			taps = append(taps, t)
		}
	}
	if n.conns[to] == nil {
		n.stats.Unreachable++
		return taps
	}
	n.routeLocked(from, to, b, time.Now())
	return taps
}

// routeLocked applies the link's impairments to a datagram for a bound address and
// delivers it now or schedules its arrival.
func (n *Network) routeLocked(from, to netip.AddrPort, b []byte, now time.Time) {
	l := n.linkLocked(from.Addr(), to.Addr())
	k := flowKey{from, to}
	fl := n.flows[k]
	if fl == nil {
		if l == (Link{}) {
			n.deliverLocked(from, to, slices.Clone(b))
			return
		}
		fl = newFlow(n.seed, k)
		n.flows[k] = fl
	}
	f := l.decide(fl.rng)
	if f.lost {
		n.stats.Lost++
		return
	}
	n.stats.Duplicated += uint64(f.copies - 1)
	at := now.Add(f.delay)
	if f.reordered {
		n.stats.Reordered++
	} else {
		at = laterOf(at, fl.lastAt)
		fl.lastAt = at
	}
	p := slices.Clone(b) // the copies share it: nobody writes to it
	for range f.copies {
		if !f.reordered && fl.pending == 0 && !at.After(now) {
			n.deliverLocked(from, to, p)
			continue
		}
		n.scheduleLocked(&arrival{at: at, from: from, to: to, b: p, fl: fl, inOrder: !f.reordered})
	}
}

// linkLocked returns the link from host from to host to.
func (n *Network) linkLocked(from, to netip.Addr) Link {
	if l, ok := n.links[hostPair{from, to}]; ok {
		return l
	}
	return n.defaultLink
}

// deliverLocked puts a datagram in the receive queue of the Conn bound to to, if any.
func (n *Network) deliverLocked(from, to netip.AddrPort, b []byte) {
	c := n.conns[to]
	switch {
	case c == nil:
		n.stats.Unreachable++
	case c.enqueue(from, b):
		n.stats.Delivered++
	default:
		n.stats.Overflowed++
	}
}

// goLocked starts f on a goroutine that Close waits for. It refuses after Close.
func (n *Network) goLocked(f func()) bool {
	if n.closed {
		return false
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
	return true
}

// matches reports whether the tap observes datagrams sent to to.
func (t *tap) matches(to netip.AddrPort) bool {
	switch {
	case !t.addr.Addr().IsValid():
		return true
	case t.addr.Addr() != to.Addr():
		return false
	default:
		return t.addr.Port() == 0 || t.addr.Port() == to.Port()
	}
}

func runTaps(taps []*tap, from, to netip.AddrPort, b []byte) {
	for _, t := range taps {
		t.fn(from, to, b)
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// unmap makes IPv4-mapped IPv6 addresses plain IPv4, so that a host has one address.
func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// validDest reports whether a datagram can be addressed to a.
func validDest(a netip.AddrPort) bool {
	return a.Addr().IsValid() && !a.Addr().IsUnspecified() && a.Port() != 0
}
