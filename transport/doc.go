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
// per interval (10 ms at least) since its previous flush; Input also flushes when an
// acknowledgement advances the window. The flush method itself is not exported. The
// transport therefore calls Update right after queuing messages, which sends them at once
// unless the engine flushed in the last 10 ms, and schedules later Updates only while data
// is in flight (idle engines cost nothing), at the time Update will really flush: Check
// reports an expired retransmission as due at once while Update still waits for its
// interval, so the transport mirrors the engine's private flush time. For a message still
// held by the 10 ms gate it sends an EAGER copy at once; the receiver delivers whichever
// copy arrives first and drops the other by message sequence number, and KCP retransmits
// its own copy until acknowledged, so delivery stays exactly-once and in order. The cost
// is the bytes of the second copy for messages sent less than 10 ms after a flush on the
// same channel (KCP's copies of a burst go out together on its next tick).
//
// BenchmarkRTT measures the three ways against raw UDP in the same run. On a 2-core VM:
// raw UDP 14 µs p50; reliable with EAGER copies 28 µs (22 µs with a Handler); Update after
// Send alone 9.7 ms, because in a ping-pong every message but the first lands inside the
// gate; Update on the interval tick alone 9.8 ms. A patched kcp-go with an exported flush
// would avoid the second copy, but the project carries no patched third-party code.
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
