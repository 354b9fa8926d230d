package handshake

import (
	"net"
	"sync"
	"sync/atomic"
)

// firstContactConn is the client's PacketConn under DTLS: it turns each ClientHello
// into a padded first-contact datagram with the current cookie, and answers a RETRY by
// sending the last ClientHello again with the new cookie, until the handshake is done.
// Everything else passes through.
type firstContactConn struct {
	net.PacketConn

	// done: the handshake is complete. A RETRY now is stale or forged, and answering it
	// would send the relay a stray ClientHello (1200 bytes for each 18-byte RETRY).
	done atomic.Bool

	mu     sync.Mutex // guards the following fields
	hello  []byte     // the last ClientHello datagram DTLS wrote
	to     net.Addr
	cookie []byte
}

func (c *firstContactConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if !IsClientHello(b) {
		return c.PacketConn.WriteTo(b, addr)
	}
	c.mu.Lock()
	c.hello = append(c.hello[:0], b...)
	c.to = addr
	out := AppendFirstContact(make([]byte, 0, MinFirstContact), b, c.cookie)
	c.mu.Unlock()
	if _, err := c.PacketConn.WriteTo(out, addr); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *firstContactConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(b)
		if err != nil || n == 0 || b[0] != TypeRetry {
			return n, from, err
		}
		cookie, ok := ParseRetry(b[:n])
		if !ok || c.done.Load() {
			continue
		}
		c.mu.Lock()
		c.cookie = append(c.cookie[:0], cookie...)
		var out []byte
		if c.hello != nil {
			out = AppendFirstContact(make([]byte, 0, MinFirstContact), c.hello, c.cookie)
		}
		to := c.to
		c.mu.Unlock()
		if out != nil {
			c.PacketConn.WriteTo(out, to)
		}
	}
}

// trailerStripper is the relay's PacketConn under DTLS: it cuts the first-contact
// trailer off repeated ClientHellos so that DTLS sees plain records.
type trailerStripper struct{ net.PacketConn }

func (s trailerStripper) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := s.PacketConn.ReadFrom(b)
	if err == nil {
		if fc, perr := ParseFirstContact(b[:n]); perr == nil {
			n = fc.DTLSLen
		}
	}
	return n, from, err
}
