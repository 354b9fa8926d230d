package transporttest

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// DefaultQueueLen is how many datagrams a [Conn]'s receive queue holds unless
// [Conn.SetQueueLen] says otherwise.
const DefaultQueueLen = 1024

// A Conn is a UDP-like socket on a [Network], made by [Network.Listen]; the zero value
// is not usable. It implements net.PacketConn: addresses are *net.UDPAddr, reads and
// writes move whole datagrams, and writes never block.
//
// Datagrams that arrive while the receive queue is full are dropped, like a kernel's
// socket buffer drops them, and counted by [Conn.Dropped]. A datagram longer than the
// buffer given to ReadFrom is truncated to it without error, as on Linux.
//
// A Conn is safe for concurrent use. After Close, or after its Network's Close, every
// method that returns an error returns one matching errors.Is(err, net.ErrClosed), and
// blocked reads return at once with one.
type Conn struct {
	n        *Network
	closeCh  chan struct{} // closed by Close; wakes blocked reads
	readable chan struct{} // signals a blocked read that the queue is not empty

	mu            sync.Mutex // guards the following fields; taken after Network.mu
	local         netip.AddrPort
	closed        bool
	queue         []datagram
	queueLen      int
	dropped       uint64
	readDeadline  time.Time
	writeDeadline time.Time
	deadlineCh    chan struct{} // closed, and replaced, when the read deadline changes
}

// datagram is a received datagram. Its bytes are shared and never written.
type datagram struct {
	from netip.AddrPort
	b    []byte
}

var _ net.PacketConn = (*Conn)(nil)

func newConn(n *Network, local netip.AddrPort) *Conn {
	return &Conn{
		n:          n,
		closeCh:    make(chan struct{}),
		readable:   make(chan struct{}, 1),
		local:      local,
		queueLen:   DefaultQueueLen,
		deadlineCh: make(chan struct{}),
	}
}

// ReadFrom reads the oldest datagram in the receive queue into p, waiting for one if the
// queue is empty. It returns the number of bytes copied and the sender, a *net.UDPAddr.
// If the read deadline has passed it returns an error with Timeout() == true that matches
// os.ErrDeadlineExceeded, even when datagrams are queued, as net.UDPConn does.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(p)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromUDPAddrPort is [Conn.ReadFrom] returning the sender as a netip.AddrPort.
func (c *Conn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		d, ok, w, err := c.next()
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		if ok {
			return copy(p, d.b), d.from, nil
		}
		var expired <-chan time.Time
		if !w.deadline.IsZero() {
			if timer == nil {
				timer = time.NewTimer(time.Until(w.deadline))
			} else {
				timer.Reset(time.Until(w.deadline))
			}
			expired = timer.C
		}
		select {
		case <-c.readable:
		case <-w.changed:
		case <-c.closeCh:
		case <-expired:
		}
	}
}

// readWait is what a read with an empty queue waits for.
type readWait struct {
	deadline time.Time
	changed  <-chan struct{} // closed when the deadline changes
}

// next pops the oldest datagram (ok == true), or says what to wait for if there is none.
func (c *Conn) next() (d datagram, ok bool, w readWait, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return d, false, w, opError("read", c.local, netip.AddrPort{}, net.ErrClosed)
	}
	if !c.readDeadline.IsZero() && !time.Now().Before(c.readDeadline) {
		return d, false, w, opError("read", c.local, netip.AddrPort{}, os.ErrDeadlineExceeded)
	}
	if len(c.queue) == 0 {
		return d, false, readWait{c.readDeadline, c.deadlineCh}, nil
	}
	d = c.queue[0]
	c.queue[0] = datagram{}
	c.queue = c.queue[1:]
	if len(c.queue) > 0 {
		signal(c.readable) // for the next of several blocked readers
	}
	return d, true, w, nil
}

// WriteTo sends b to addr, which must be a *net.UDPAddr (or a net.Addr whose String is
// an IP and port). It copies b, never blocks, and returns len(b) whatever the network
// does with the datagram; a datagram to an address with no Conn is silently dropped.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	to, ok := addrPortOf(addr)
	if !ok {
		return 0, opError("write", c.LocalAddrPort(), netip.AddrPort{}, ErrInvalidAddr)
	}
	return c.WriteToUDPAddrPort(b, to)
}

// WriteToUDPAddrPort is [Conn.WriteTo] with a netip.AddrPort destination.
func (c *Conn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	to := unmap(addr)
	n := c.n
	n.mu.Lock()
	from, err := c.writable()
	if n.closed {
		err = net.ErrClosed
	}
	if err == nil && !validDest(to) {
		err = ErrInvalidAddr
	}
	if err != nil {
		n.mu.Unlock()
		return 0, opError("write", from, to, err)
	}
	taps := n.sendLocked(from, to, b)
	n.mu.Unlock()
	runTaps(taps, from, to, b)
	return len(b), nil
}

// writable returns the source address for a write, or why the Conn cannot write.
func (c *Conn) writable() (netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return c.local, net.ErrClosed
	case !c.writeDeadline.IsZero() && !time.Now().Before(c.writeDeadline):
		return c.local, os.ErrDeadlineExceeded
	}
	return c.local, nil
}

// enqueue adds a datagram to the receive queue and reports whether there was room.
func (c *Conn) enqueue(from netip.AddrPort, b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.queue) >= c.queueLen {
		c.dropped++
		return false
	}
	c.queue = append(c.queue, datagram{from, b})
	signal(c.readable)
	return true
}

// Rebind moves the Conn to another port of the same host, as a NAT does when it gives a
// flow a new mapping: later writes come from the new address, datagrams sent to the old
// one (including those in flight) find no Conn and are dropped, and datagrams already in
// the receive queue stay there. Port 0 picks a free ephemeral port. Rebind returns the
// new address; it fails with [ErrAddrInUse] if another Conn has it.
func (c *Conn) Rebind(port uint16) (netip.AddrPort, error) {
	n := c.n
	n.mu.Lock()
	defer n.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || n.closed {
		return c.local, opError("rebind", c.local, netip.AddrPort{}, net.ErrClosed)
	}
	addr := netip.AddrPortFrom(c.local.Addr(), port)
	if addr == c.local {
		return addr, nil
	}
	addr, err := n.claimLocked(addr)
	if err != nil {
		return c.local, opError("rebind", c.local, addr, err)
	}
	delete(n.conns, c.local)
	n.conns[addr] = c
	c.local = addr
	return addr, nil
}

// Close closes the Conn: blocked reads return, queued datagrams are discarded and its
// address is free for [Network.Listen] again. Closing a closed Conn returns an error
// matching net.ErrClosed, as net.UDPConn does.
func (c *Conn) Close() error {
	n := c.n
	n.mu.Lock()
	defer n.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return opError("close", c.local, netip.AddrPort{}, net.ErrClosed)
	}
	c.closed = true
	c.queue = nil
	close(c.closeCh)
	if n.conns[c.local] == c {
		delete(n.conns, c.local)
	}
	return nil
}

// LocalAddr returns the Conn's address, a *net.UDPAddr. It changes with [Conn.Rebind].
func (c *Conn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.LocalAddrPort()) }

// LocalAddrPort returns the Conn's address. It changes with [Conn.Rebind].
func (c *Conn) LocalAddrPort() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local
}

// SetDeadline sets both the read and the write deadline, as net.PacketConn specifies.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the time after which reads fail with os.ErrDeadlineExceeded; the
// zero time means never. It applies to reads already blocked: setting a time in the
// past, such as time.Now(), wakes them.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return opError("set", c.local, netip.AddrPort{}, net.ErrClosed)
	}
	c.readDeadline = t
	close(c.deadlineCh)
	c.deadlineCh = make(chan struct{})
	return nil
}

// SetWriteDeadline sets the time after which writes fail with os.ErrDeadlineExceeded;
// the zero time means never. Writes never block, so it only decides whether they fail.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return opError("set", c.local, netip.AddrPort{}, net.ErrClosed)
	}
	c.writeDeadline = t
	return nil
}

// SetQueueLen sets how many datagrams the receive queue holds, at least 1. Datagrams
// already queued beyond the new length stay and are read normally.
func (c *Conn) SetQueueLen(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queueLen = max(n, 1)
}

// Dropped returns how many datagrams arrived for this Conn while its receive queue was
// full, and were dropped.
func (c *Conn) Dropped() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// signal does a non-blocking send on a signal channel of capacity 1.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// addrPortOf converts a destination given to WriteTo.
func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	if u, ok := a.(*net.UDPAddr); ok && u != nil {
		return u.AddrPort(), true
	}
	if a == nil {
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap, err == nil
}
