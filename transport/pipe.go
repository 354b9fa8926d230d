package transport

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// pipe is the net.PacketConn a DTLS handshake runs over: the endpoint's read loop pushes
// the peer's handshake datagrams into it, and writes go straight out of the endpoint's
// socket to the peer. One pipe serves one handshake.
type pipe struct {
	ep    *endpoint
	raddr netip.AddrPort
	rnet  net.Addr
	in    chan []byte

	closeOnce sync.Once
	closed    chan struct{}

	mu       sync.Mutex // guards the following fields
	deadline time.Time
	dlChange chan struct{} // closed and replaced when the deadline changes
}

var _ net.PacketConn = (*pipe)(nil)

func newPipe(ep *endpoint, raddr netip.AddrPort) *pipe {
	return &pipe{
		ep:       ep,
		raddr:    raddr,
		rnet:     net.UDPAddrFromAddrPort(raddr),
		in:       make(chan []byte, 32),
		closed:   make(chan struct{}),
		dlChange: make(chan struct{}),
	}
}

// push hands the pipe a copy of a datagram; when the reader is far behind it drops it,
// as a full socket buffer would.
func (p *pipe) push(b []byte) {
	select {
	case p.in <- append([]byte(nil), b...):
	default:
	}
}

func (p *pipe) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		p.mu.Lock()
		dl, change := p.deadline, p.dlChange
		p.mu.Unlock()
		var expire <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, nil, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			defer t.Stop()
			expire = t.C
		}
		select {
		case m := <-p.in:
			return copy(b, m), p.rnet, nil
		case <-p.closed:
			return 0, nil, net.ErrClosed
		case <-expire:
			return 0, nil, os.ErrDeadlineExceeded
		case <-change:
		}
	}
}

func (p *pipe) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-p.closed:
		return 0, net.ErrClosed
	default:
	}
	if err := p.ep.writeTo(b, p.raddr); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *pipe) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

func (p *pipe) LocalAddr() net.Addr { return p.ep.localAddr() }

func (p *pipe) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }

func (p *pipe) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.deadline = t
	close(p.dlChange)
	p.dlChange = make(chan struct{})
	p.mu.Unlock()
	return nil
}

func (p *pipe) SetWriteDeadline(time.Time) error { return nil }
