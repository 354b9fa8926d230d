// Natprobe classifies the NAT in front of a host, in the manner of RFC 5780, for the
// kernel NAT lab (testdata/natlab/netns.sh). It uses the standard library only.
//
// The server listens on four UDP sockets: ip:port (the primary), ip:alt-port,
// alt-ip:port and alt-ip:alt-port. It answers "MAP n" with "MAPPED n addr" from the
// socket that got it, where addr is the source it saw. It answers "FILTER n" on the
// primary with "ACK n addr" from the primary and with unsolicited "OTHERPORT n" from
// ip:alt-port and "OTHERIP n" from alt-ip:alt-port, both sent to the observed source.
//
// The client runs two tests, each from its own socket:
//   - filtering: it sends FILTER to the primary only, then sees which unsolicited
//     packets reach it: OTHERIP means endpoint-independent filtering, only OTHERPORT
//     means address-dependent, neither means address-and-port-dependent;
//   - mapping (run second, so that it cannot open the filter of the first socket): it
//     sends MAP to ip:port, alt-ip:port and alt-ip:alt-port and compares the mapped
//     addresses: all equal means endpoint-independent, equal only for the same IP
//     means address-dependent, otherwise address-and-port-dependent.
//
// It prints one line such as
//
//	mapping=endpoint-independent filtering=address-dependent mapped=203.0.113.11:40000,203.0.113.11:40000,203.0.113.11:40000
//
// Usage:
//
//	natprobe server -ip 203.0.113.1 -alt-ip 203.0.113.2 [-port 4000 -alt-port 4001]
//	natprobe client -ip 203.0.113.1 -alt-ip 203.0.113.2 [-port 4000 -alt-port 4001] [-timeout 10s]
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type endpoints struct {
	ip, altIP     netip.Addr
	port, altPort uint16
}

func (e endpoints) primary() netip.AddrPort   { return netip.AddrPortFrom(e.ip, e.port) }
func (e endpoints) otherPort() netip.AddrPort { return netip.AddrPortFrom(e.ip, e.altPort) }
func (e endpoints) otherIP() netip.AddrPort   { return netip.AddrPortFrom(e.altIP, e.port) }
func (e endpoints) otherBoth() netip.AddrPort { return netip.AddrPortFrom(e.altIP, e.altPort) }

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "server" && os.Args[1] != "client") {
		fmt.Fprintln(os.Stderr, "usage: natprobe server|client -ip IP -alt-ip IP [-port N -alt-port N] [-timeout D]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	ip := fs.String("ip", "203.0.113.1", "primary server IP")
	altIP := fs.String("alt-ip", "203.0.113.2", "second server IP")
	port := fs.Uint("port", 4000, "primary server port")
	altPort := fs.Uint("alt-port", 4001, "second server port")
	timeout := fs.Duration("timeout", 10*time.Second, "client: bound on the whole probe")
	_ = fs.Parse(os.Args[2:])
	e, err := parseEndpoints(*ip, *altIP, *port, *altPort)
	if err == nil {
		if os.Args[1] == "server" {
			err = serve(e)
		} else {
			err = probe(e, *timeout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "natprobe:", err)
		os.Exit(1)
	}
}

func parseEndpoints(ip, altIP string, port, altPort uint) (endpoints, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return endpoints{}, err
	}
	b, err := netip.ParseAddr(altIP)
	if err != nil {
		return endpoints{}, err
	}
	if port == 0 || port > 65535 || altPort == 0 || altPort > 65535 || port == altPort {
		return endpoints{}, errors.New("ports must be distinct and in 1..65535")
	}
	return endpoints{ip: a, altIP: b, port: uint16(port), altPort: uint16(altPort)}, nil
}

// serve runs the server until SIGINT or SIGTERM.
func serve(e endpoints) error {
	conns := map[netip.AddrPort]*net.UDPConn{}
	for _, ap := range []netip.AddrPort{e.primary(), e.otherPort(), e.otherIP(), e.otherBoth()} {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return err
		}
		defer c.Close()
		conns[ap] = c
	}
	for _, c := range conns {
		go serveLoop(c, e, conns)
	}
	fmt.Fprintln(os.Stdout, "ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

// serveLoop answers the requests reaching c; it ends when c is closed.
func serveLoop(c *net.UDPConn, e endpoints, conns map[netip.AddrPort]*net.UDPConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		f := strings.Fields(string(buf[:n]))
		if len(f) != 2 {
			continue
		}
		switch {
		case f[0] == "MAP":
			_, _ = c.WriteToUDPAddrPort([]byte("MAPPED "+f[1]+" "+from.String()), from)
		case f[0] == "FILTER" && c == conns[e.primary()]:
			_, _ = conns[e.otherBoth()].WriteToUDPAddrPort([]byte("OTHERIP "+f[1]), from)
			_, _ = conns[e.otherPort()].WriteToUDPAddrPort([]byte("OTHERPORT "+f[1]), from)
			_, _ = c.WriteToUDPAddrPort([]byte("ACK "+f[1]+" "+from.String()), from)
		}
	}
}

// probe runs the filtering test, then the mapping test, and prints the result.
func probe(e endpoints, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	filtering, err := filteringTest(e, deadline)
	if err != nil {
		return fmt.Errorf("filtering test: %w", err)
	}
	mapping, mapped, err := mappingTest(e, deadline)
	if err != nil {
		return fmt.Errorf("mapping test: %w", err)
	}
	fmt.Fprintf(os.Stdout, "mapping=%s filtering=%s mapped=%s\n", mapping, filtering, strings.Join(mapped, ","))
	return nil
}

func filteringTest(e endpoints, deadline time.Time) (string, error) {
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return "", err
	}
	defer c.Close()
	nonce := fmt.Sprint(time.Now().UnixNano())
	var acked time.Time
	got := map[string]bool{}
	buf := make([]byte, 1500)
	for sends := 0; time.Now().Before(deadline); {
		if acked.IsZero() || sends < 3 { // after the ACK, ask twice more so a lost packet is resent
			if _, err := c.WriteToUDPAddrPort([]byte("FILTER "+nonce), e.primary()); err != nil {
				return "", err
			}
			sends++
		}
		if !acked.IsZero() && time.Since(acked) > 600*time.Millisecond {
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			n, _, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				break
			}
			f := strings.Fields(string(buf[:n]))
			if len(f) >= 2 && f[1] == nonce {
				got[f[0]] = true
				if f[0] == "ACK" && acked.IsZero() {
					acked, sends = time.Now(), 1
				}
			}
		}
	}
	switch {
	case acked.IsZero():
		return "", errors.New("no answer from the server")
	case got["OTHERIP"]:
		return "endpoint-independent", nil
	case got["OTHERPORT"]:
		return "address-dependent", nil
	}
	return "address-and-port-dependent", nil
}

func mappingTest(e endpoints, deadline time.Time) (string, []string, error) {
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return "", nil, err
	}
	defer c.Close()
	var mapped []string
	for _, to := range []netip.AddrPort{e.primary(), e.otherIP(), e.otherBoth()} {
		m, err := mapOnce(c, to, deadline)
		if err != nil {
			return "", nil, fmt.Errorf("map via %s: %w", to, err)
		}
		mapped = append(mapped, m)
	}
	switch {
	case mapped[0] == mapped[1] && mapped[1] == mapped[2]:
		return "endpoint-independent", mapped, nil
	case mapped[1] == mapped[2]:
		return "address-dependent", mapped, nil
	}
	return "address-and-port-dependent", mapped, nil
}

// mapOnce asks the server socket at to for the source address it sees.
func mapOnce(c *net.UDPConn, to netip.AddrPort, deadline time.Time) (string, error) {
	nonce := fmt.Sprint(time.Now().UnixNano())
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if _, err := c.WriteToUDPAddrPort([]byte("MAP "+nonce), to); err != nil {
			return "", err
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				break
			}
			f := strings.Fields(string(buf[:n]))
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			if from == to && len(f) == 3 && f[0] == "MAPPED" && f[1] == nonce {
				return f[2], nil
			}
		}
	}
	return "", errors.New("no answer")
}
