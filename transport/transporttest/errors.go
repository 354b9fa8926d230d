package transporttest

import (
	"errors"
	"net"
	"net/netip"
)

// ErrAddrInUse is returned by [Network.Listen] and [Conn.Rebind] when the address is
// taken by another [Conn], or when no ephemeral port is free on the host.
var ErrAddrInUse = errors.New("transporttest: address already in use")

// ErrInvalidAddr is returned for an address that a [Conn] cannot be bound to or send to:
// one with no IP, an unspecified IP (0.0.0.0 or ::), or, as a destination, port 0.
var ErrInvalidAddr = errors.New("transporttest: invalid address")

// opError wraps err the way the net package does, so that callers looking for a
// net.Error (Timeout) or for net.ErrClosed with errors.Is find what a real socket gives.
// source is the local address and addr the remote one (the bound one for "listen");
// either may be the zero AddrPort.
func opError(op string, source, addr netip.AddrPort, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: udpAddr(source), Addr: udpAddr(addr), Err: err}
}

// udpAddr converts a to a net.Addr, or to a nil interface (not a nil pointer) if a is the
// zero AddrPort.
func udpAddr(a netip.AddrPort) net.Addr {
	if !a.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(a)
}
