//go:build linux

package transport

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// This file holds what the transport's benchmarks share: process CPU time, latency
// percentiles, and a relay that runs in a child process (the test binary re-executed
// with -test.run=^TestBenchRelayProcess$), so that the relay's own CPU time and heap can
// be measured apart from the clients'.
//
// Every speed figure is meant to be read against the raw-UDP baseline measured in the
// same run (the machine is small and noisy); nothing here asserts a speed.

// cpuTime returns the user+system CPU time the process has used so far.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportLatency reports the p50, p90 and p99 of samples in microseconds. It sorts samples.
func reportLatency(b *testing.B, samples []time.Duration) {
	b.Helper()
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	at := func(p int) float64 {
		i := min(len(samples)*p/100, len(samples)-1)
		return float64(samples[i]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(50), "p50-µs")
	b.ReportMetric(at(90), "p90-µs")
	b.ReportMetric(at(99), "p99-µs")
}

// benchIdentity makes a relay identity in a fresh temporary directory.
func benchIdentity(tb testing.TB) *handshake.Identity {
	tb.Helper()
	id, _, err := handshake.LoadOrCreateIdentity(tb.TempDir())
	if err != nil {
		tb.Fatalf("identity: %v", err)
	}
	return id
}

// noopHandler ignores every event.
type noopHandler struct{}

func (noopHandler) Connected(*Conn)            {}
func (noopHandler) Message(*Conn, int, []byte) {}
func (noopHandler) Closed(*Conn, error)        {}

// relayProfile, when set, makes the benchmarks that run the relay in a child process
// CPU-profile the child over the measured window, into this path plus the sub-benchmark's
// name ("-" separated).
var relayProfile = flag.String("relayprofile", "", "CPU-profile the child relay of BenchmarkIdleConns and BenchmarkRelayThroughputProcess into this path prefix")

// startRelayProfile starts the child's CPU profile if -relayprofile is set; the returned
// function stops it.
func (c *benchChild) startRelayProfile(name string) func() {
	if *relayProfile == "" {
		return func() {}
	}
	path := *relayProfile + "-" + strings.NewReplacer("/", "-", "=", "-").Replace(name) + ".prof"
	c.do(10*time.Second, "profstart", path)
	c.tb.Logf("relay CPU profile: %s", path)
	return func() { c.do(30*time.Second, "profstop") }
}

// benchChildEnv selects the child relay's mode: "idle", "fwd-boson" or "fwd-raw".
// benchChildConnsEnv gives the forwarding relays their number of clients.
const (
	benchChildEnv      = "BOSON_BENCH_RELAY"
	benchChildConnsEnv = "BOSON_BENCH_RELAY_CONNS"
	benchChildPrefix   = "BENCH "
)

// TestBenchRelayProcess is not a test: it is the relay half of the benchmarks that
// measure the relay alone (BenchmarkIdleConns, BenchmarkRelayThroughputProcess). It runs
// only when a benchmark re-executes the test binary with benchChildEnv set, and then
// serves the commands the benchmark writes on its stdin until "quit" or EOF.
func TestBenchRelayProcess(t *testing.T) {
	mode := os.Getenv(benchChildEnv)
	if mode == "" {
		t.Skip("helper process for the benchmarks; runs only when they re-execute the test binary")
	}
	n, _ := strconv.Atoi(os.Getenv(benchChildConnsEnv))
	r, err := startChildRelay(t, mode, n)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	childReply(os.Stdout, "READY", r.addr(), r.fingerprint().String())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "quit" {
			childReply(os.Stdout, "BYE")
			return
		}
		childReply(os.Stdout, childCommand(r, f)...)
	}
}

// childRelay is a relay the child process runs.
type childRelay interface {
	addr() string
	fingerprint() handshake.Fingerprint
	stats() childStats
	close()
}

// childStats are a relay's counters, as the child reports them.
type childStats struct {
	conns, halfOpen, registered int64
	pktsIn, pktsOut, forwarded  uint64
}

func startChildRelay(t *testing.T, mode string, n int) (childRelay, error) {
	id := benchIdentity(t)
	switch mode {
	case "idle":
		l, err := ListenUDP("127.0.0.1:0", &ListenConfig{
			Identity: id, Handler: noopHandler{}, Workers: childWorkers(),
			HandshakesPerIP: 1e6, MaxHalfOpen: 4096,
			Config: Config{KeepAlive: time.Second, IdleTimeout: 10 * time.Second},
		})
		if err != nil {
			return nil, err
		}
		return &idleRelay{l: l, id: id}, nil
	case "fwd-boson":
		return newBosonForwarder(id, n)
	case "fwd-raw":
		return newRawForwarder(n)
	case "idle-raw":
		return newRawEcho()
	}
	return nil, fmt.Errorf("unknown child relay mode %q", mode)
}

// idleRelay is a plain listener whose connections do nothing.
type idleRelay struct {
	l  *Listener
	id *handshake.Identity
}

func (r *idleRelay) addr() string                       { return r.l.Addr().String() }
func (r *idleRelay) fingerprint() handshake.Fingerprint { return r.id.Fingerprint }
func (r *idleRelay) close()                             { r.l.Close() }
func (r *idleRelay) listener() *Listener                { return r.l }
func (r *idleRelay) stats() childStats {
	s := r.l.Stats()
	return childStats{
		conns: int64(s.Conns), halfOpen: int64(s.HalfOpen), registered: int64(s.Conns),
		pktsIn: s.PacketsReceived, pktsOut: s.PacketsSent,
	}
}

// childCommand answers one command:
//
//	stat          → cpu-ns conns half-open registered pkts-in pkts-out forwarded goroutines
//	mem           → heap-alloc heap-inuse sys (after two runtime.GC calls)
//	wait N [secs] → OK once registered ≥ N, or ERR on timeout
func childCommand(r childRelay, f []string) []string {
	switch f[0] {
	case "stat":
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		s := r.stats()
		return []string{"STAT", itoa(ru.Utime.Nano() + ru.Stime.Nano()), itoa(s.conns), itoa(s.halfOpen),
			itoa(s.registered), utoa(s.pktsIn), utoa(s.pktsOut), utoa(s.forwarded), itoa(int64(runtime.NumGoroutine()))}
	case "mem":
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return []string{"MEM", utoa(ms.HeapAlloc), utoa(ms.HeapInuse), utoa(ms.Sys)}
	case "lstat": // the listener's counters, for the log
		if l, ok := r.(interface{ listener() *Listener }); ok {
			return []string{"LSTAT", fmt.Sprintf("%+v", l.listener().Stats())}
		}
		return []string{"LSTAT", "none"}
	case "profstart": // profstart path: CPU-profile the relay into path until profstop
		f, err := os.Create(f[1])
		if err != nil {
			return []string{"ERR", "profile", strconv.Quote(err.Error())}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return []string{"ERR", "profile", strconv.Quote(err.Error())}
		}
		childProfile = f
		return []string{"OK"}
	case "profstop":
		if childProfile != nil {
			pprof.StopCPUProfile()
			childProfile.Close()
			childProfile = nil
		}
		return []string{"OK"}
	case "wait":
		want, _ := strconv.ParseInt(f[1], 10, 64)
		secs := 120
		if len(f) > 2 {
			secs, _ = strconv.Atoi(f[2])
		}
		for end := time.Now().Add(time.Duration(secs) * time.Second); time.Now().Before(end); {
			if r.stats().registered >= want {
				return []string{"OK"}
			}
			time.Sleep(10 * time.Millisecond)
		}
		return []string{"ERR", "timeout", itoa(r.stats().registered)}
	}
	return []string{"ERR", "unknown", f[0]}
}

// childProfile is the file the child's CPU profile goes to, between profstart and profstop.
var childProfile *os.File

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

func childReply(w io.Writer, f ...string) {
	fmt.Fprintf(w, "%s%s\n", benchChildPrefix, strings.Join(f, " "))
}

// benchChild is the parent's handle on a child relay process.
type benchChild struct {
	tb     testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *os.File
	lines  *bufio.Reader
	stderr strings.Builder // written by exec's copier; read only after Wait
	other  strings.Builder // the child's other stdout lines (test output), for failures
	addr   string
	fp     handshake.Fingerprint
	done   bool
}

// startBenchChild starts a child relay in mode and waits for its address. The child is
// stopped (and killed if it does not stop) by the returned handle's stop, which
// Cleanup also calls.
func startBenchChild(tb testing.TB, mode string, conns int) *benchChild {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	c := &benchChild{tb: tb, stdout: r, lines: bufio.NewReader(r)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestBenchRelayProcess$", "-test.timeout=20m", "-test.count=1")
	c.cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, benchChildConnsEnv+"="+strconv.Itoa(conns))
	c.cmd.Stdout = w
	c.cmd.Stderr = &c.stderr
	c.cmd.WaitDelay = 5 * time.Second
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		r.Close()
		w.Close()
		tb.Fatalf("start child relay: %v", err)
	}
	w.Close()
	tb.Cleanup(c.stop)
	f, err := c.read(30 * time.Second)
	if err != nil || len(f) != 3 || f[0] != "READY" {
		c.stop()
		tb.Fatalf("child relay did not start: %v %q\n%s%s", err, f, c.other.String(), c.stderr.String())
	}
	c.addr = f[1]
	if c.fp, err = handshake.ParseFingerprint(f[2]); err != nil {
		tb.Fatalf("child fingerprint: %v", err)
	}
	return c
}

// read returns the fields of the child's next reply line.
func (c *benchChild) read(timeout time.Duration) ([]string, error) {
	c.stdout.SetReadDeadline(time.Now().Add(timeout))
	for {
		line, err := c.lines.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if s, ok := strings.CutPrefix(line, benchChildPrefix); ok {
			return strings.Fields(s), nil
		}
		if c.other.Len() < 64<<10 {
			c.other.WriteString(line)
		}
	}
}

// do sends a command and returns the reply's fields; it fails the benchmark on error.
func (c *benchChild) do(timeout time.Duration, cmd ...string) []string {
	c.tb.Helper()
	if _, err := io.WriteString(c.stdin, strings.Join(cmd, " ")+"\n"); err != nil {
		c.tb.Fatalf("child %q: %v", cmd, err)
	}
	f, err := c.read(timeout)
	if err != nil || len(f) == 0 || f[0] == "ERR" {
		c.tb.Fatalf("child %q: %v %q", cmd, err, f)
	}
	return f
}

// stat is a child's "stat" reply.
type childStat struct {
	cpu        time.Duration
	goroutines int64
	childStats
}

func (c *benchChild) stat() childStat {
	c.tb.Helper()
	f := c.do(10*time.Second, "stat")
	if len(f) != 9 {
		c.tb.Fatalf("child stat: %q", f)
	}
	v := make([]int64, len(f))
	for i := 1; i < len(f); i++ {
		v[i], _ = strconv.ParseInt(f[i], 10, 64)
	}
	return childStat{
		cpu: time.Duration(v[1]), goroutines: v[8],
		childStats: childStats{conns: v[2], halfOpen: v[3], registered: v[4],
			pktsIn: uint64(v[5]), pktsOut: uint64(v[6]), forwarded: uint64(v[7])},
	}
}

// lstat returns the child's listener counters as text.
func (c *benchChild) lstat() string {
	c.tb.Helper()
	return strings.Join(c.do(10*time.Second, "lstat")[1:], " ")
}

// heap returns the child's HeapAlloc after a GC.
func (c *benchChild) heap() uint64 {
	c.tb.Helper()
	f := c.do(60*time.Second, "mem")
	v, _ := strconv.ParseUint(f[1], 10, 64)
	return v
}

// stop asks the child to quit and waits for it; it kills a child that does not quit.
// It is idempotent.
func (c *benchChild) stop() {
	if c.done {
		return
	}
	c.done = true
	io.WriteString(c.stdin, "quit\n")
	c.stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- c.cmd.Wait() }()
	var err error
	killed := false
	select {
	case err = <-exited:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		killed = true
		err = <-exited
	}
	// Collect what the child printed after its last reply (a failure's log).
	c.stdout.SetReadDeadline(time.Now().Add(time.Second))
	rest, _ := io.ReadAll(c.lines)
	c.other.Write(rest)
	c.stdout.Close()
	switch {
	case killed:
		c.tb.Errorf("child relay did not quit; killed: %v", err)
	case err != nil:
		c.tb.Errorf("child relay failed: %v\n%s%s", err, c.other.String(), c.stderr.String())
	}
}

// childWorkers is the idle child relay's Workers: $BOSON_BENCH_RELAY_WORKERS, or 0
// (GOMAXPROCS).
func childWorkers() int {
	n, _ := strconv.Atoi(os.Getenv("BOSON_BENCH_RELAY_WORKERS"))
	return n
}
