//go:build linux

package transport

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

var (
	idleConnsFlag  = flag.Int("idleconns", 0, "connections in BenchmarkIdleConns (default 300, or $BOSON_IDLE_CONNS)")
	idleWindowFlag = flag.Duration("idlewindow", 0, "how long BenchmarkIdleConns measures idle CPU (default 2s, or $BOSON_IDLE_WINDOW)")
)

// idleConns and idleWindow are small by default so that CI's -benchtime=1x run stays
// quick; the figure is -idleconns=10000 -idlewindow=10s.
func idleConns() int {
	if *idleConnsFlag > 0 {
		return *idleConnsFlag
	}
	if n, err := strconv.Atoi(os.Getenv("BOSON_IDLE_CONNS")); err == nil && n > 0 {
		return n
	}
	return 300
}

func idleWindow() time.Duration {
	if *idleWindowFlag > 0 {
		return *idleWindowFlag
	}
	if d, err := time.ParseDuration(os.Getenv("BOSON_IDLE_WINDOW")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Second
}

// BenchmarkIdleConns measures what idle connections cost the relay. The relay runs in a
// child process (TestBenchRelayProcess) with a 1 s keepalive and a 10 s idle timeout, so
// its heap and CPU are its own; this process dials the clients and leaves them idle
// (their keepalives still flow). It reports, for the relay:
//
//   - heap-B/conn: HeapAlloc after GC with the connections open, minus before any
//     (base-heap-KiB), divided by the connections. Goal: ≤ 10 KiB.
//   - idle-CPU-%: the relay's CPU (getrusage) over the idle window, in % of one core.
//     Goal: < 2 %.
//   - handshake-CPU-µs: the relay's CPU per connection while they were being dialed.
//   - pkts-in/s, pkts-out/s: datagrams at the relay while idle (keepalives, pings, pongs).
//   - raw-idle-CPU-%, idle-vs-raw: the same measure for a raw UDP echo server (batched
//     like the relay) that gets one datagram per connection per second and answers each:
//     the floor for this traffic on this machine, measured in the same run.
//
// The figure is taken once per call; b.N is ignored (run it with -benchtime=1x).
func BenchmarkIdleConns(b *testing.B) {
	n, window := idleConns(), idleWindow()
	b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchIdle(b, n, window) })
}

func benchIdle(b *testing.B, n int, window time.Duration) {
	raiseNoFile(b, uint64(n)+1024)
	child := startBenchChild(b, "idle", 0)
	defer child.stop()
	heap0 := child.heap()
	// The relay's CPU with no connections at all, for comparison.
	e0, te := child.stat(), time.Now()
	time.Sleep(time.Second)
	before := child.stat()
	emptyCPU := 100 * (before.cpu - e0.cpu).Seconds() / time.Since(te).Seconds()
	clientHeap0 := parentHeap()

	conns := make([]*Conn, n)
	defer closeConns(conns)
	t0 := time.Now()
	if err := dialIdle(conns, child.addr, child.fp); err != nil {
		b.Fatalf("dial %d connections: %v", n, err)
	}
	dialTime := time.Since(t0)
	child.do(60*time.Second, "wait", strconv.Itoa(n), "60")
	dialed := child.stat()

	// Let every handshake's lingering DTLS session end (it waits for the client's first
	// DATA packet, its first keepalive after 1 s) before measuring.
	time.Sleep(2 * time.Second)
	heap1 := child.heap()
	clientHeap1 := parentHeap()
	stopProfile := child.startRelayProfile(b.Name())
	s0, ts := child.stat(), time.Now()
	time.Sleep(window)
	s1 := child.stat()
	stopProfile()
	secs := time.Since(ts).Seconds()
	if s1.conns != int64(n) || s1.halfOpen != 0 {
		b.Errorf("relay has %d connections and %d half-open after the idle window, want %d and 0", s1.conns, s1.halfOpen, n)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric((float64(heap1)-float64(heap0))/float64(n), "heap-B/conn")
	b.ReportMetric(float64(heap0)/1024, "base-heap-KiB")
	b.ReportMetric(100*(s1.cpu-s0.cpu).Seconds()/secs, "idle-CPU-%")
	b.ReportMetric(emptyCPU, "empty-CPU-%")
	b.ReportMetric(float64(s1.pktsIn-s0.pktsIn)/secs, "pkts-in/s")
	b.ReportMetric(float64(s1.pktsOut-s0.pktsOut)/secs, "pkts-out/s")
	b.ReportMetric(float64(dialed.cpu-before.cpu)/float64(time.Microsecond)/float64(n), "handshake-CPU-µs")
	b.ReportMetric(float64(s1.goroutines), "relay-goroutines")
	b.ReportMetric((float64(clientHeap1)-float64(clientHeap0))/float64(n), "client-heap-B/conn")
	b.Logf("relay listener after the idle window: %s", child.lstat())
	closeConns(conns)
	child.stop()
	rawCPU, rawIn, rawOut := measureRawIdle(b, n, window)
	b.ReportMetric(rawCPU, "raw-idle-CPU-%")
	b.ReportMetric(100*(s1.cpu-s0.cpu).Seconds()/secs/rawCPU, "idle-vs-raw")
	b.Logf("raw UDP echo baseline, same connections and window: %.2f%% of a core, %.0f datagrams/s in, %.0f out", rawCPU, rawIn, rawOut)
	b.Logf("%d connections dialed in %v (%.0f/s); relay heap %d → %d bytes; relay goroutines %d → %d",
		n, dialTime.Round(time.Millisecond), float64(n)/dialTime.Seconds(), heap0, heap1, before.goroutines, s1.goroutines)
}

// dialIdle connects len(conns) clients, 16 at a time.
func dialIdle(conns []*Conn, addr string, fp handshake.Fingerprint) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, 16)
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := Dial(ctx, addr, &DialConfig{
				Channels:     []Mode{ReliableOrdered, Unreliable},
				Fingerprints: []handshake.Fingerprint{fp},
				Handler:      noopHandler{},
			})
			if err != nil {
				mu.Lock()
				if len(errs) < 5 {
					errs = append(errs, fmt.Errorf("client %d: %w", i, err))
				}
				mu.Unlock()
				cancel() // stop the others
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// closeConns closes every non-nil connection, 64 at a time.
func closeConns(conns []*Conn) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, c := range conns {
		if c == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.Close()
		})
	}
	wg.Wait()
}

// raiseNoFile raises the soft limit on open files to at least n (up to the hard limit):
// every client has a socket of its own.
func raiseNoFile(b *testing.B, n uint64) {
	b.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	if rl.Cur >= n {
		return
	}
	if rl.Max < n {
		b.Fatalf("RLIMIT_NOFILE hard limit %d is below the %d files needed", rl.Max, n)
	}
	old := rl.Cur
	rl.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		rl.Cur = old
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	})
}

// parentHeap returns this process's HeapAlloc after a GC.
func parentHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
