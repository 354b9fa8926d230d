// Package transporttest is an in-process packet network for tests: a [Network] hands out
// [Conn]s, which implement net.PacketConn, at addresses of the test's choice, and
// carries datagrams between them through [Link]s that drop, delay, reorder and
// duplicate them. It is in the spirit of wireguard-go's bindtest, quic-go's simnet and
// pion's vnet.
//
// # Determinism
//
// Every random decision is drawn when a datagram is sent, from a math/rand/v2 generator
// seeded by the network's seed and the datagram's flow (its source and destination
// address and port). What happens to the datagrams of a flow therefore depends only on
// the seed and the datagrams written on that flow, not on what other goroutines send at
// the same time: the same program loses, copies and delays the same datagrams in every
// run. Datagrams due at the same instant arrive in the order they were sent.
//
// Under real time, when a datagram arrives also depends on when it was written, so the
// interleaving of datagrams of different flows, and of reordered datagrams with the rest,
// can vary from run to run. Inside a testing/synctest bubble time only moves when every
// goroutine of the bubble is blocked, so arrival times, and the whole run, are exact.
//
// # Use with testing/synctest
//
// Create the Network inside the bubble and close it there:
//
//	synctest.Test(t, func(t *testing.T) {
//		nw := transporttest.NewNetwork(1, transporttest.Link{Loss: 0.1, Latency: 20 * time.Millisecond})
//		t.Cleanup(func() { nw.Close() })
//		relay, _ := nw.Listen(netip.MustParseAddrPort("198.51.100.1:7000"))
//		client, _ := nw.Listen(netip.MustParseAddrPort("192.0.2.10:0"))
//		// ... run a listener on relay and a client on client ...
//	})
//
// Delayed datagrams are delivered by one goroutine per Network, started on the first
// delayed datagram; it blocks only on channels and a timer, so the bubble sees it as
// durably blocked, and it ends in [Network.Close]. A Network left open when the bubble's
// function returns makes synctest.Test report a deadlock. Reads block on channels and
// timers too. Do not share a Network between bubbles, or between a bubble and the
// goroutines outside it.
//
// # Forged traffic
//
// [Network.Inject] sends a datagram with any source address, bound or not, and
// [Network.Tap] observes the datagrams sent to an address (or to all addresses), so a
// test can flood a listener with spoofed packets and measure what it sends back.
package transporttest
