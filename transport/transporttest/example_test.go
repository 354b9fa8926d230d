package transporttest_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/bosonrt/boson/transport/transporttest"
)

// ExampleNetwork sends ten datagrams over a link that loses 30% of them and delays the
// rest by 10ms. With the same seed, the same datagrams are lost in every run.
func ExampleNetwork() {
	nw := transporttest.NewNetwork(42, transporttest.Link{Loss: 0.3, Latency: 10 * time.Millisecond})
	defer nw.Close()

	client, err := nw.Listen(netip.MustParseAddrPort("192.0.2.10:0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	relay, err := nw.Listen(netip.MustParseAddrPort("198.51.100.1:7000"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 10 {
		client.WriteTo(fmt.Appendf(nil, "ping %d", i), relay.LocalAddr())
	}

	buf := make([]byte, 1500)
	for {
		relay.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, from, err := relay.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			fmt.Println("timed out:", errors.As(err, &ne) && ne.Timeout())
			break
		}
		fmt.Printf("%s from %v\n", buf[:n], from)
	}
	s := nw.Stats()
	fmt.Printf("sent %d, lost %d, delivered %d\n", s.Sent, s.Lost, s.Delivered)
	// Output:
	// ping 0 from 192.0.2.10:49152
	// ping 3 from 192.0.2.10:49152
	// ping 4 from 192.0.2.10:49152
	// ping 5 from 192.0.2.10:49152
	// ping 6 from 192.0.2.10:49152
	// ping 8 from 192.0.2.10:49152
	// ping 9 from 192.0.2.10:49152
	// timed out: true
	// sent 10, lost 3, delivered 7
}

// ExampleNetwork_Inject floods a server with datagrams from forged sources and uses a
// tap to measure how much it sends back, as an amplification test would.
func ExampleNetwork_Inject() {
	nw := transporttest.NewNetwork(1, transporttest.Link{})
	defer nw.Close()
	server, err := nw.Listen(netip.MustParseAddrPort("198.51.100.1:7000"))
	if err != nil {
		fmt.Println(err)
		return
	}
	var replies, replyBytes int // the tap runs on the goroutine that replies, below
	remove := nw.Tap(netip.AddrPort{}, func(from, to netip.AddrPort, b []byte) {
		if from == server.LocalAddrPort() {
			replies++
			replyBytes += len(b)
		}
	})
	defer remove()

	request := make([]byte, 1200)
	for i := range 3 {
		spoofed := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 4000)
		nw.Inject(spoofed, server.LocalAddrPort(), request)
	}
	buf := make([]byte, 1500)
	for range 3 { // a server that answers every request with 100 bytes
		_, from, err := server.ReadFrom(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		server.WriteTo(make([]byte, 100), from)
	}
	fmt.Printf("%d replies, %d bytes for %d bytes received\n", replies, replyBytes, 3*len(request))
	fmt.Println("unreachable:", nw.Stats().Unreachable)
	// Output:
	// 3 replies, 300 bytes for 3600 bytes received
	// unreachable: 3
}
