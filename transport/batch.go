package transport

import (
	"net"
	"net/netip"
)

// batchSize is how many datagrams one read or write system call moves at most.
const batchSize = 64

// rxMsg is one received datagram: n bytes of *buf, from addr.
type rxMsg struct {
	buf  *[]byte
	n    int
	addr netip.AddrPort
}

// txMsg is one datagram to send.
type txMsg struct {
	buf  *[]byte
	addr netip.AddrPort
	net  net.Addr // addr as a net.Addr, cached per connection; may be nil
}

// batchConn moves datagrams in batches when the platform allows it.
type batchConn interface {
	// readBatch fills ms[:n] (each ms[i].buf already set) and returns n ≥ 1 or an error.
	readBatch(ms []rxMsg) (int, error)
	// writeBatch sends ms and returns how many were sent before an error.
	writeBatch(ms []txMsg) (int, error)
	// writeTo sends one datagram without allocating when the socket allows it.
	writeTo(b []byte, addr netip.AddrPort) error
	// calls says how many system calls writeBatch makes for n datagrams.
	calls(n int) int
}

// plainConn is the portable batchConn: one datagram per system call.
type plainConn struct {
	pc  net.PacketConn
	udp *net.UDPConn // pc, when it is one
}

func newPlainConn(pc net.PacketConn) *plainConn {
	udp, _ := pc.(*net.UDPConn)
	return &plainConn{pc: pc, udp: udp}
}

func (p *plainConn) readBatch(ms []rxMsg) (int, error) {
	b := *ms[0].buf
	if p.udp != nil {
		n, addr, err := p.udp.ReadFromUDPAddrPort(b)
		if err != nil {
			return 0, err
		}
		ms[0].n, ms[0].addr = n, addr
		return 1, nil
	}
	n, from, err := p.pc.ReadFrom(b)
	if err != nil {
		return 0, err
	}
	ms[0].n, ms[0].addr = n, addrPortOf(from)
	return 1, nil
}

func (p *plainConn) calls(n int) int { return n }

func (p *plainConn) writeBatch(ms []txMsg) (int, error) {
	for i := range ms {
		if err := p.writeOne(&ms[i]); err != nil {
			return i, err
		}
	}
	return len(ms), nil
}

func (p *plainConn) writeOne(m *txMsg) error {
	if p.udp != nil || m.net == nil {
		return p.writeTo(*m.buf, m.addr)
	}
	_, err := p.pc.WriteTo(*m.buf, m.net)
	return err
}

func (p *plainConn) writeTo(b []byte, addr netip.AddrPort) error {
	if p.udp != nil {
		_, err := p.udp.WriteToUDPAddrPort(b, addr)
		return err
	}
	_, err := p.pc.WriteTo(b, net.UDPAddrFromAddrPort(addr))
	return err
}

// addrPortOf converts a net.Addr from ReadFrom.
func addrPortOf(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// unmap makes IPv4-mapped IPv6 addresses plain IPv4, so one client has one address.
func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
