//go:build linux

package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// The relay-throughput benchmarks: N clients on 127.0.0.1, and a relay that forwards
// every message from client i to client (i+1)%N. The baseline is the same relay written
// on a raw UDP socket with recvmmsg/sendmmsg (x/net ipv4 ReadBatch/WriteBatch, 64 per
// call), forwarding datagrams as they are; the load (clients, message sizes, window) is
// generated identically for both.
//
// Message layout (both relays): kind u8 ‖ sender u16 ‖ seq u32 ‖ filler, 64 to 200 bytes.
// A client first registers (kind 1) so the relay knows which connection (Boson) or
// address (raw) is client i; data messages (kind 2) are then forwarded by sender index.

var (
	fwdConns = flag.Int("fwdconns", 64, "clients in BenchmarkRelayThroughput*")
	// Workers of the Boson relay in BenchmarkRelayThroughput*. 1 by default, so that
	// figures stay comparable with earlier runs. (Workers write concurrently, each with
	// its own sendmmsg scratch from txPool in batch_linux.go; -race with
	// -fwdworkers=2 reports nothing and drops nothing.)
	fwdWorkers = flag.Int("fwdworkers", 1, "workers of the Boson relay in BenchmarkRelayThroughput*")
)

const (
	kindRegister = 1
	kindData     = 2
	fwdHeader    = 7
	fwdStall     = 50 * time.Millisecond // a full window with no progress: write it off as lost
	relaySockBuf = 4 << 20               // SO_RCVBUF/SO_SNDBUF of both relays' sockets
)

// fwdSize is the size of client i's message seq: 64 to 200 bytes.
func fwdSize(i, seq int) int { return 64 + (i*131+seq*37)%137 }

type fwdVariant struct {
	name   string
	raw    bool // raw UDP relay and clients; otherwise Boson
	ch     int  // Boson channel: 0 reliable-ordered, 1 unreliable
	window int  // messages each client keeps in flight at most
}

var fwdVariants = []fwdVariant{
	{name: "raw-udp-batched", raw: true, window: 32},
	{name: "unreliable", ch: 1, window: 32},
	{name: "reliable", ch: 0, window: 32},
	// One message in flight per client: no room for Boson to pack several messages into
	// one datagram, so packets and messages are one to one, as for raw UDP.
	{name: "raw-udp-batched-w1", raw: true, window: 1},
	{name: "unreliable-w1", ch: 1, window: 1},
}

var fwdChannels = []Mode{ReliableOrdered, Unreliable}

// BenchmarkRelayThroughput runs the relay and the clients in this process. msgs/CPU-s is
// messages forwarded by the relay per second of the whole process's CPU (getrusage), so it
// includes the clients' work; compare each Boson figure with raw-udp-batched from the same
// run, whose clients do the same work on plain sockets.
func BenchmarkRelayThroughput(b *testing.B) {
	for _, v := range fwdVariants {
		b.Run(v.name, func(b *testing.B) { benchForward(b, v, false) })
	}
}

// BenchmarkRelayThroughputProcess is BenchmarkRelayThroughput with the relay in a child
// process: relay-msgs/CPU-s counts the relay's CPU alone (the child's getrusage), which
// is what the ≥ 0.7× batched-raw-UDP goal is about.
func BenchmarkRelayThroughputProcess(b *testing.B) {
	for _, v := range fwdVariants {
		b.Run(v.name, func(b *testing.B) { benchForward(b, v, true) })
	}
}

// fwdRelayStat is a forwarding relay's counters at one moment.
type fwdRelayStat struct {
	cpu                        time.Duration // the child's CPU (child relays only)
	forwarded, pktsIn, pktsOut uint64
}

// fwdRun is one run's relay and clients.
type fwdRun struct {
	stat     func() fwdRelayStat
	logStats func() // logs the relay's connection counters (in-process Boson relay only)
	child    *benchChild
	closers  []func() // in reverse order of need
}

func (r *fwdRun) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

func benchForward(b *testing.B, v fwdVariant, child bool) {
	g := newLoadGen(*fwdConns, v.window)
	r := &fwdRun{logStats: func() {}}
	defer r.close()
	if child {
		startChildForwarder(b, v, g, r)
	} else {
		startForwarder(b, v, g, r)
	}
	stopProfile := func() {}
	if child && b.N > 1 {
		stopProfile = r.child.startRelayProfile(b.Name() + "-" + strconv.Itoa(b.N))
	}
	if !child {
		b.ReportAllocs()
	}
	g.budget.Store(int64(b.N))
	rcvErrs0 := udpRcvbufErrors()
	s0, cpu0, t0 := r.stat(), cpuTime(b), time.Now()
	b.ResetTimer()
	g.run()
	b.StopTimer()
	s1, cpu1, wall := r.stat(), cpuTime(b), time.Since(t0)
	stopProfile()

	fwd := float64(s1.forwarded - s0.forwarded)
	if fwd == 0 {
		b.Fatalf("relay forwarded nothing (sent %d, received %d)", g.totalSent(), g.totalRecv.Load())
	}
	if m := g.misrouted.Load(); m > 0 {
		b.Errorf("%d messages reached the wrong client", m)
	}
	if child {
		b.ReportMetric(fwd/(s1.cpu-s0.cpu).Seconds(), "relay-msgs/CPU-s")
		b.ReportMetric((s1.cpu-s0.cpu).Seconds()/wall.Seconds(), "relay-cores")
	} else {
		b.ReportMetric(fwd/(cpu1-cpu0).Seconds(), "msgs/CPU-s")
	}
	b.ReportMetric((cpu1-cpu0).Seconds()/wall.Seconds(), "proc-cores")
	b.ReportMetric(fwd/wall.Seconds(), "msgs/s")
	b.ReportMetric(float64(s1.pktsIn-s0.pktsIn)/fwd, "pkts-in/msg")
	b.ReportMetric(float64(s1.pktsOut-s0.pktsOut)/fwd, "pkts-out/msg")
	sent := float64(g.totalSent())
	b.ReportMetric(100*(sent-float64(g.totalRecv.Load()))/sent, "drop-%")
	if b.N > 1 {
		g.logStats(b, udpRcvbufErrors()-rcvErrs0)
		r.logStats()
	}
}

// startForwarder starts the relay in this process, then the clients.
func startForwarder(b *testing.B, v fwdVariant, g *loadGen, r *fwdRun) {
	b.Helper()
	var fr childRelay
	var err error
	if v.raw {
		fr, err = newRawForwarder(g.n)
	} else {
		var f *bosonForwarder
		f, err = newBosonForwarder(benchIdentity(b), g.n)
		fr = f
		r.logStats = func() {
			b.Logf("N=%d: relay connections: %s; refused forwards %d", b.N, sumConnStats(f.conns), f.sendErrs.Load())
			b.Logf("N=%d: relay listener: %+v", b.N, f.l.Stats())
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	r.closers = append(r.closers, fr.close)
	r.stat = func() fwdRelayStat {
		s := fr.stats()
		return fwdRelayStat{forwarded: s.forwarded, pktsIn: s.pktsIn, pktsOut: s.pktsOut}
	}
	r.closers = append(r.closers, func() { g.closeClients() })
	startFwdClients(b, v, g, fr.addr(), fr.fingerprint(), func() { waitRegistered(b, fr, g.n) })
}

// startChildForwarder starts the relay in a child process, then the clients.
func startChildForwarder(b *testing.B, v fwdVariant, g *loadGen, r *fwdRun) {
	b.Helper()
	mode := "fwd-boson"
	if v.raw {
		mode = "fwd-raw"
	}
	c := startBenchChild(b, mode, g.n)
	r.child = c
	r.closers = append(r.closers, c.stop)
	r.stat = func() fwdRelayStat {
		s := c.stat()
		return fwdRelayStat{cpu: s.cpu, forwarded: s.forwarded, pktsIn: s.pktsIn, pktsOut: s.pktsOut}
	}
	r.closers = append(r.closers, func() { g.closeClients() })
	startFwdClients(b, v, g, c.addr, c.fp, func() { c.do(60*time.Second, "wait", strconv.Itoa(g.n)) })
}

// logStats logs what explains lost or slow messages.
func (g *loadGen) logStats(b *testing.B, rcvbufErrors int64) {
	b.Helper()
	if g.stalls.Load() > 0 || g.sendErrs.Load() > 0 {
		b.Logf("N=%d: %d stalled windows written off, %d client send errors", b.N, g.stalls.Load(), g.sendErrs.Load())
	}
	if len(g.conns) > 0 {
		b.Logf("N=%d: client connections: %s", b.N, sumConnStats(g.conns))
	}
	if rcvbufErrors > 0 {
		b.Logf("N=%d: kernel UDP RcvbufErrors (whole host) rose by %d", b.N, rcvbufErrors)
	}
}

// udpRcvbufErrors reads the host's UDP RcvbufErrors counter (datagrams dropped because
// a socket's receive buffer was full), or 0 if it cannot.
func udpRcvbufErrors() int64 {
	data, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0
	}
	var names []string
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				return v
			}
		}
	}
	return 0
}

// sumConnStats sums the counters of conns that explain lost or slow messages.
func sumConnStats(conns []*Conn) string {
	var t ConnStats
	for _, c := range conns {
		s := c.Stats()
		t.PacketsSent += s.PacketsSent
		t.PacketsReceived += s.PacketsReceived
		t.PacketsLost += s.PacketsLost
		t.Retransmits += s.Retransmits
		t.RateLimited += s.RateLimited
		t.SendQueueFull += s.SendQueueFull
		t.SendDropped += s.SendDropped
		t.ReceiveDropped += s.ReceiveDropped
		t.Invalid += s.Invalid
		t.Replays += s.Replays
		t.AuthFailures += s.AuthFailures
	}
	return fmt.Sprintf("sent %d, received %d, lost %d, retransmits %d, rate-limited %d, send-queue-full %d, send-dropped %d, receive-dropped %d, invalid %d, replays %d, auth-failures %d",
		t.PacketsSent, t.PacketsReceived, t.PacketsLost, t.Retransmits, t.RateLimited, t.SendQueueFull, t.SendDropped, t.ReceiveDropped, t.Invalid, t.Replays, t.AuthFailures)
}

func waitRegistered(b *testing.B, r childRelay, n int) {
	b.Helper()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if r.stats().registered >= int64(n) {
			return
		}
	}
	b.Fatalf("only %d of %d clients registered with the relay", r.stats().registered, n)
}

// startFwdClients connects g's clients to the relay at addr, registers each, and calls
// waitReg, which returns once the relay knows them all.
func startFwdClients(b *testing.B, v fwdVariant, g *loadGen, addr string, fp handshake.Fingerprint, waitReg func()) {
	b.Helper()
	if v.raw {
		startRawClients(b, g, addr)
	} else {
		startBosonClients(b, g, addr, fp, v.ch)
	}
	waitReg()
}

func registration(i int) []byte {
	m := make([]byte, fwdHeader)
	m[0] = kindRegister
	binary.BigEndian.PutUint16(m[1:], uint16(i))
	return m
}

// startRawClients opens one connected UDP socket per client, registers it with the raw
// relay (which echoes registrations), and starts a read goroutine per socket.
func startRawClients(b *testing.B, g *loadGen, addr string) {
	b.Helper()
	ra, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]*net.UDPConn, g.n)
	g.closeClients = func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		g.readers.Wait()
	}
	buf := make([]byte, 2048)
	for i := range conns {
		c, err := net.DialUDP("udp4", nil, ra)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
		if err := registerRaw(c, i, buf); err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		g.send[i] = func(m []byte) error { _, err := c.Write(m); return err }
	}
	for i, c := range conns {
		g.readers.Add(1)
		go func() {
			defer g.readers.Done()
			buf := make([]byte, 2048)
			for {
				n, err := c.Read(buf)
				if err != nil {
					if errors.Is(err, net.ErrClosed) {
						return
					}
					continue
				}
				g.onRecv(i, buf[:n])
			}
		}()
	}
}

func registerRaw(c *net.UDPConn, i int, buf []byte) error {
	reg := registration(i)
	defer c.SetReadDeadline(time.Time{})
	for range 20 {
		if _, err := c.Write(reg); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Read(buf)
		if err == nil && n == len(reg) && buf[0] == kindRegister {
			return nil
		}
	}
	return errors.New("raw relay did not acknowledge the registration")
}

// fwdClientHandler feeds client i's messages to the load generator.
type fwdClientHandler struct {
	g *loadGen
	i int
}

func (h *fwdClientHandler) Connected(*Conn)                  {}
func (h *fwdClientHandler) Message(_ *Conn, _ int, m []byte) { h.g.onRecv(h.i, m) }
func (h *fwdClientHandler) Closed(*Conn, error)              {}

func startBosonClients(b *testing.B, g *loadGen, addr string, fp handshake.Fingerprint, ch int) {
	b.Helper()
	conns := make([]*Conn, g.n)
	g.closeClients = func() {
		var wg sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				wg.Go(func() { c.Close() })
			}
		}
		wg.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, g.n)
	sem := make(chan struct{}, 8)
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := Dial(ctx, addr, &DialConfig{
				Channels: fwdChannels, Fingerprints: []handshake.Fingerprint{fp},
				Handler: &fwdClientHandler{g: g, i: i},
			})
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = c
			errs[i] = c.Send(0, registration(i))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatalf("dial: %v", err)
	}
	for i, c := range conns {
		g.send[i] = func(m []byte) error { return c.Send(ch, m) }
	}
	g.conns = conns
}
