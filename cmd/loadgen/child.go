package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The loadgen runs each relay it measures in a child process, itself re-executed with
// serveEnv set, so that the relay's CPU time and memory are its own and not mixed with
// the clients'. An environment variable rather than a flag selects the mode so that
// the test binary can re-execute itself the same way (see TestMain).
const (
	serveEnv      = "BOSON_LOADGEN_SERVE"      // "boson" or "raw"
	serveProfEnv  = "BOSON_LOADGEN_CPUPROFILE" // the child's CPU profile, if set
	serveHeapEnv  = "BOSON_LOADGEN_MEMPROFILE" // the child's heap profile, if set
	serveReadyTag = "READY"
)

// procStat is a relay process's resource use at one moment.
type procStat struct {
	CPU      time.Duration // user+system CPU so far
	RSS      uint64        // resident set, bytes
	Heap     uint64        // Go heap in use (HeapAlloc), bytes; 0 if unknown
	Sessions int64         // open connections (Boson) or registered addresses (raw); -1 if unknown
	PktsIn   uint64        // datagrams received and sent so far (0 if unknown)
	PktsOut  uint64
	Reads    uint64 // read and write system calls that moved datagrams (0 if unknown)
	Writes   uint64
}

// relayProc reports a relay's own resource use.
type relayProc interface {
	// stat returns the current figures; gc asks for a garbage collection first (heap
	// after GC, for memory per connection) where the process can do it.
	stat(ctx context.Context, gc bool) (procStat, error)
	measured() bool
}

// child is a relay running in a child process. Its methods are not safe for
// concurrent use except stat.
type child struct {
	kind string
	addr string
	fp   string // Boson relay fingerprint, "" for raw
	cmd  *exec.Cmd

	mu    sync.Mutex // guards the following fields
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// profiles names the files a child relay writes its profiles to ("" for none).
type profiles struct {
	cpu, heap string
}

// startChild starts a relay of kind ("boson" or "raw") in a child process and waits
// until it serves. The child dies with ctx, with this process (Pdeathsig on Linux) and
// when its stdin closes.
func startChild(ctx context.Context, kind string, prof profiles) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+kind, serveProfEnv+"="+prof.cpu, serveHeapEnv+"="+prof.heap)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	setDeathSignal(cmd)
	c := &child{kind: kind, cmd: cmd}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s relay: %w", kind, err)
	}
	c.out = bufio.NewScanner(stdout)
	f, err := c.readLine(serveReadyTag)
	if err != nil || len(f) < 2 {
		c.close()
		return nil, fmt.Errorf("%s relay did not start: %v", kind, err)
	}
	c.addr = f[1]
	if len(f) > 2 {
		c.fp = f[2]
	}
	return c, nil
}

func (c *child) readLine(tag string) ([]string, error) {
	if !c.out.Scan() {
		return nil, orErr(c.out.Err(), io.ErrUnexpectedEOF)
	}
	f := strings.Fields(c.out.Text())
	if len(f) == 0 || f[0] != tag {
		return nil, fmt.Errorf("child said %q, want %s", c.out.Text(), tag)
	}
	return f, nil
}

func orErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

func (c *child) measured() bool { return true }

// stat asks the child for its figures ("stat" or, with gc, "mem").
func (c *child) stat(_ context.Context, gc bool) (procStat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	req := "stat\n"
	if gc {
		req = "mem\n"
	}
	if _, err := io.WriteString(c.stdin, req); err != nil {
		return procStat{}, err
	}
	f, err := c.readLine("STAT")
	if err != nil || len(f) < 9 {
		return procStat{}, fmt.Errorf("%s relay stat: %v", c.kind, err)
	}
	n := make([]int64, 8)
	for i := range n {
		n[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	return procStat{CPU: time.Duration(n[0]), RSS: uint64(n[1]), Heap: uint64(n[2]), Sessions: n[3],
		PktsIn: uint64(n[4]), PktsOut: uint64(n[5]), Reads: uint64(n[6]), Writes: uint64(n[7])}, nil
}

// close asks the child to quit (it writes its profiles) and waits for it; the
// context given to startChild kills it if it does not.
func (c *child) close() error {
	c.mu.Lock()
	io.WriteString(c.stdin, "quit\n")
	c.stdin.Close()
	c.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		return <-done
	}
}

// metricsProc reads an external relay's figures from its Prometheus /metrics page
// (cmd/relay serves process_cpu_seconds_total, process_resident_memory_bytes and
// go_memstats_heap_alloc_bytes).
type metricsProc struct {
	url string
	hc  *http.Client
}

func (m *metricsProc) measured() bool { return m.url != "" }

func (m *metricsProc) stat(ctx context.Context, _ bool) (procStat, error) {
	if m.url == "" {
		return procStat{Sessions: -1}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return procStat{}, err
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		return procStat{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return procStat{}, fmt.Errorf("relay metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics picks the process figures out of a Prometheus text exposition.
func parseMetrics(r io.Reader) (procStat, error) {
	st := procStat{Sessions: -1}
	found := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "process_cpu_seconds_total":
			st.CPU, found = time.Duration(v*float64(time.Second)), true
		case "process_resident_memory_bytes":
			st.RSS = uint64(v)
		case "go_memstats_heap_alloc_bytes":
			st.Heap = uint64(v)
		}
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	if !found {
		return st, errors.New("relay metrics: no process_cpu_seconds_total")
	}
	return st, nil
}
