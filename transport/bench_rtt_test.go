//go:build linux

package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// rttPayload is the size of a ping-pong message.
const rttPayload = 64

// BenchmarkRTT measures sequential ping-pong round trips of a 64-byte message on
// 127.0.0.1, one round trip per iteration, and reports the p50/p90/p99 round-trip time
// and the CPU time (getrusage, both ends, since both run in this process) per round trip.
//
//   - raw-udp: two *net.UDPConn, blocking Read/Write on two goroutines. The baseline:
//     read every other figure as a ratio to this one from the same run.
//   - unreliable: a Boson client and a relay whose Handler echoes on the same channel.
//   - reliable: the same on a reliable-ordered channel (kcpDrive = driveFlush, the default).
//   - reliable-eager, reliable-update, reliable-tick: kcpDrive = driveEager, driveUpdate
//     and driveTick, the ways to drive kcp-go without its unexported flush (conn_send.go).
//   - unreliable-handler, reliable-handler: the client sends each ping from its Handler as
//     the previous echo arrives, instead of Send and Receive on the benchmark goroutine:
//     the transport's own latency, without the hand-off to the application's goroutine.
//
// pkts/op counts the datagrams of each round trip at the relay's socket (2 for raw UDP).
func BenchmarkRTT(b *testing.B) {
	b.Run("raw-udp", benchRawRTT)
	b.Run("unreliable", func(b *testing.B) { benchBosonRTT(b, 1, driveFlush) })
	b.Run("reliable", func(b *testing.B) { benchBosonRTT(b, 0, driveFlush) })
	b.Run("reliable-eager", func(b *testing.B) { benchBosonRTT(b, 0, driveEager) })
	b.Run("reliable-update", func(b *testing.B) { benchBosonRTT(b, 0, driveUpdate) })
	b.Run("reliable-tick", func(b *testing.B) { benchBosonRTT(b, 0, driveTick) })
	b.Run("unreliable-handler", func(b *testing.B) { benchHandlerRTT(b, 1) })
	b.Run("reliable-handler", func(b *testing.B) { benchHandlerRTT(b, 0) })
}

func benchRawRTT(b *testing.B) {
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	cli, err := net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer srv.Close()
	defer cli.Close()
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			srv.WriteToUDPAddrPort(buf[:n], from)
		}
	})
	msg, buf := make([]byte, rttPayload), make([]byte, 2048)
	cli.SetReadDeadline(time.Now().Add(10 * time.Minute)) // once: no timer work per read
	roundTrip := func(seq uint64) {
		binary.BigEndian.PutUint64(msg, seq)
		if _, err := cli.Write(msg); err != nil {
			b.Fatal(err)
		}
		for {
			n, err := cli.Read(buf)
			if err != nil {
				b.Fatalf("round trip %d: %v", seq, err)
			}
			if n == rttPayload && binary.BigEndian.Uint64(buf) == seq {
				return
			}
		}
	}
	var sent float64 // datagrams, counted as for the relay: request in, echo out
	runRTT(b, func(seq uint64) { roundTrip(seq); sent += 2 }, func() float64 { return sent })
}

// echoHandler sends every message back on the channel it came on.
type echoHandler struct{}

func (echoHandler) Connected(*Conn)                     {}
func (echoHandler) Message(c *Conn, ch int, msg []byte) { c.Send(ch, msg) }
func (echoHandler) Closed(*Conn, error)                 {}

func benchBosonRTT(b *testing.B, ch int, drive driveMode) {
	old := kcpDrive
	kcpDrive = drive // before any connection exists; restored after they are all gone
	defer func() { kcpDrive = old }()
	id := benchIdentity(b)
	// A round trip every ~20 µs is over the relay's default 20 000 packets per second from
	// one client; the limit would drop packets, and KCP would wait 30 ms to resend them.
	l, err := ListenUDP("127.0.0.1:0", &ListenConfig{Identity: id, Handler: echoHandler{},
		Config: Config{ReceivePacketRate: 1 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := Dial(ctx, l.Addr().String(), &DialConfig{
		Channels:     []Mode{ReliableOrdered, Unreliable},
		Fingerprints: []handshake.Fingerprint{id.Fingerprint},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, rttPayload)
	roundTrip := func(seq uint64) {
		binary.BigEndian.PutUint64(msg, seq)
		if err := c.Send(ch, msg); err != nil {
			b.Fatalf("round trip %d: Send: %v", seq, err)
		}
		for {
			m, err := c.Receive(ctx)
			if err != nil {
				b.Fatalf("round trip %d: Receive: %v", seq, err)
			}
			if m.Channel == ch && len(m.Data) == rttPayload && binary.BigEndian.Uint64(m.Data) == seq {
				return
			}
		}
	}
	pkts := func() float64 {
		s := l.Stats()
		return float64(s.PacketsReceived + s.PacketsSent)
	}
	runRTT(b, roundTrip, pkts)
	if s := c.Stats(); s.Retransmits > 0 || s.PacketsLost > 0 {
		b.Logf("N=%d: client retransmits %d, packets lost %d", b.N, s.Retransmits, s.PacketsLost)
	}
}

// runRTT warms up (up to 200 round trips or 200 ms), then times b.N round trips and
// reports their percentiles, CPU-µs/op and pkts/op (pkts is a cumulative packet counter).
func runRTT(b *testing.B, roundTrip func(seq uint64), pkts func() float64) {
	b.Helper()
	seq := uint64(0)
	for end := time.Now().Add(200 * time.Millisecond); seq < 200 && time.Now().Before(end); seq++ {
		roundTrip(seq)
	}
	samples := make([]time.Duration, b.N)
	b.ReportAllocs()
	p0, cpu0 := pkts(), cpuTime(b)
	b.ResetTimer()
	for i := range samples {
		t0 := time.Now()
		roundTrip(seq)
		samples[i] = time.Since(t0)
		seq++
	}
	b.StopTimer()
	cpu, p := cpuTime(b)-cpu0, pkts()-p0
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "CPU-µs/op")
	b.ReportMetric(p/float64(b.N), "pkts/op")
	reportLatency(b, samples)
}

// pingHandler plays ping-pong from the client's Handler: each echo sends the next ping.
// The benchmark goroutine starts a phase with start and waits on done; the handler's
// fields are touched by one goroutine at a time (the channels order them).
type pingHandler struct {
	ch      int
	c       *Conn
	msg     []byte
	seq     uint64
	left    int
	t0      time.Time
	samples []time.Duration
	err     error
	done    chan struct{}
}

func (h *pingHandler) Connected(*Conn)     {}
func (h *pingHandler) Closed(*Conn, error) {}

func (h *pingHandler) Message(c *Conn, ch int, m []byte) {
	if ch != h.ch || len(m) != rttPayload || binary.BigEndian.Uint64(m) != h.seq || h.left == 0 {
		return
	}
	if h.samples != nil {
		h.samples = append(h.samples, time.Since(h.t0))
	}
	h.seq++
	if h.left--; h.left == 0 {
		h.done <- struct{}{}
		return
	}
	h.send()
}

func (h *pingHandler) send() {
	binary.BigEndian.PutUint64(h.msg, h.seq)
	h.t0 = time.Now()
	if err := h.c.Send(h.ch, h.msg); err != nil {
		h.err = err
		h.left = 0
		h.done <- struct{}{}
	}
}

// phase plays n round trips and waits for them.
func (h *pingHandler) phase(b *testing.B, n int, record bool) {
	b.Helper()
	h.left = n
	if record {
		h.samples = make([]time.Duration, 0, n)
	}
	h.send()
	select {
	case <-h.done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("ping-pong stuck at round trip %d", h.seq)
	}
	if h.err != nil {
		b.Fatalf("round trip %d: Send: %v", h.seq, h.err)
	}
}

func benchHandlerRTT(b *testing.B, ch int) {
	id := benchIdentity(b)
	l, err := ListenUDP("127.0.0.1:0", &ListenConfig{Identity: id, Handler: echoHandler{}})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	h := &pingHandler{ch: ch, msg: make([]byte, rttPayload), done: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Dial(ctx, l.Addr().String(), &DialConfig{
		Channels:     []Mode{ReliableOrdered, Unreliable},
		Fingerprints: []handshake.Fingerprint{id.Fingerprint},
		Handler:      h,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	h.c = c
	h.phase(b, 200, false) // warm-up
	b.ReportAllocs()
	s0, cpu0 := l.Stats(), cpuTime(b)
	b.ResetTimer()
	h.phase(b, b.N, true)
	b.StopTimer()
	s1, cpu := l.Stats(), cpuTime(b)-cpu0
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "CPU-µs/op")
	b.ReportMetric(float64(s1.PacketsReceived+s1.PacketsSent-s0.PacketsReceived-s0.PacketsSent)/float64(b.N), "pkts/op")
	reportLatency(b, h.samples)
}
