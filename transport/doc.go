// Package transport is Boson's datagram transport: encrypted, channelized connections
// over one UDP socket, with reliable-ordered channels on KCP and unreliable and
// unreliable-sequenced channels beside them.
//
// A relay serves with [Listen] (or [ListenUDP]); a client connects with [Dial] (or
// [DialPacketConn]). The wire format is written down in PROTOCOL.md in this directory.
//
// # Connections
//
// A connection starts with a DTLS 1.2 handshake (crypto/handshake) on the same port as
// data; the relay validates the client's address with a stateless RETRY before it keeps
// any state. Both sides then export keys into a ChaCha20-Poly1305 record layer
// (crypto/seal) with packet-number nonces and a replay window. Connections are found by
// connection ID, never by address: a client whose NAT mapping changes keeps its
// connection, and the relay validates the new path before sending it more than three
// times what it received from it. A client whose path goes silent moves to a new port and
// resumes with a sealed token in one round trip; a client whose relay restarted learns it
// from a stateless reset.
//
// # Channels
//
// Channels are declared by the client at connect ([DialConfig.Channels]). Each
// reliable-ordered channel has its own KCP engine (kcp-go's KCP, created on first use and
// freed when it has been idle and empty for a while; the next engine continues the same
// KCP stream, see engine_release.go), so loss on one channel never delays another. Frames of all channels share datagrams up to
// the MTU. Unreliable messages larger than a packet travel in up to 16 fragments.
//
// # Driving KCP promptly
//
// kcp-go's exported API flushes new data only from Update, and Update flushes at most once
// per interval since its previous flush. The transport never calls Update: it calls
// kcp-go's unexported flush (kcpflush.go; a go:linkname checked against the pinned
// source by a test) right after queuing messages, so they leave in the same round, and
// from the connection's timer for an engine with data in flight, kcpTick (10 ms) after
// its last flush or sooner when kcp-go reports a retransmission timer expiring before
// that. Idle engines cost no timer.
//
// Acknowledgements are held: Input is called without ackNoDelay, and the engine owes the
// acknowledgement of new data until its next flush, which a send on the channel or an
// acknowledgement from the peer (kcp-go flushes when una advances) runs at once; the
// transport sees the ACK segments go out (observeOutput). Otherwise they go alone, by
// the timer, ackHold (20 ms) after the data came. (A packet's acknowledgements are input
// before its data, so that the flush kcp-go runs when una advances does not send the new
// data's acknowledgement in a packet of its own: see inputKCP.) In a game's traffic most ride on a
// message going the other way, and a burst costs one acknowledgement packet, not one
// per segment. The engines' interval, which no longer gates anything, is 30 ms because
// kcp-go also uses it as the RTO's slack (rto = srtt + max(interval, 4*rttvar)): the
// sender's timer allows for the hold without spurious retransmissions.
//
// Before kcpFlush, the transport called Update after a Send and, for a message its
// interval gate held back, sent an EAGER copy at once; receivers still accept EAGER
// frames (delivering whichever copy comes first, dropping the other by message sequence
// number). BenchmarkRTT measures those ways (driveEager, driveUpdate, driveTick) against
// the default and raw UDP in the same run.
//
// # Runtime
//
// The relay has one read loop per socket (batched with recvmmsg on Linux) and a few
// workers; a connection belongs to the worker its connection ID names, and that
// worker's state (its connections, their timers, its output) is only touched in a
// "round" run under the worker's lock. When the read loop finds a few datagrams and
// their worker idle, it runs the round itself; under load it hands batches to the
// worker goroutines, so every core works. A connection without a Handler runs the round
// for its own Send the same way. Either way a packet at low load crosses no goroutine,
// and each round writes its packets in one batch (sendmmsg). Timers are a heap of
// deadlines per worker; an idle connection has one entry and costs one wake-up per
// keepalive. Handshakes run on short-lived goroutines, bounded by
// [ListenConfig.MaxHalfOpen]. Messages reach the application through a [Handler], or
// through [Conn.Receive].
//
// The benchmarks (bench_*_test.go) measure all of this against raw UDP in the same run;
// README.md has the figures.
package transport
