package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/transport"
)

// servedRelay is a relay the child process runs.
type servedRelay interface {
	addr() string
	fingerprint() string // "" for raw
	sessions() int64
	packets() (in, out uint64)     // datagrams received and sent
	calls() (reads, writes uint64) // read and write system calls that moved datagrams
	close()
}

// serveChild is the child process's main: it runs a relay of kind, prints
// "READY addr [fingerprint]", then answers "stat" and "mem" on stdin with
// "STAT cpu-ns rss-bytes heap-bytes sessions pkts-in pkts-out reads writes" until
// "quit" or EOF.
// With a heap profile asked for, it writes one after each "mem" (after its GC), or at
// the end if none came. It returns the exit code.
func serveChild(kind string) int {
	r, cleanup, err := startServed(kind)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen child:", err)
		return 1
	}
	defer cleanup()
	if path := os.Getenv(serveProfEnv); path != "" {
		stop, err := startProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen child:", err)
			return 1
		}
		defer stop()
	}
	defer r.close()
	heap := heapProfiler{path: os.Getenv(serveHeapEnv)}
	defer heap.atExit()
	fmt.Printf("%s %s %s\n", serveReadyTag, r.addr(), r.fingerprint())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "quit":
			return 0
		case "mem":
			runtime.GC()
			runtime.GC()
			heap.write()
			fallthrough
		case "stat":
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			in, out := r.packets()
			reads, writes := r.calls()
			fmt.Printf("STAT %d %d %d %d %d %d %d %d\n", selfCPU(), selfRSS(), ms.HeapAlloc, r.sessions(), in, out, reads, writes)
		}
	}
	return 0
}

func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// heapProfiler writes the child's heap profile to path ("" for none).
type heapProfiler struct {
	path    string
	written bool
}

// write writes the profile of the heap as of the last GC, replacing an earlier one.
func (h *heapProfiler) write() {
	if h.path == "" {
		return
	}
	f, err := os.Create(h.path)
	if err == nil {
		err = pprof.Lookup("heap").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen child: heap profile:", err)
	}
	h.written = true
}

// atExit writes the profile, after a GC, if none was written yet.
func (h *heapProfiler) atExit() {
	if h.path != "" && !h.written {
		runtime.GC()
		h.write()
	}
}

func startServed(kind string) (servedRelay, func(), error) {
	switch kind {
	case "raw":
		r, err := listenRaw("127.0.0.1:0")
		return r, func() {}, err
	case "boson":
		dir, err := os.MkdirTemp("", "loadgen-relay-")
		if err != nil {
			return nil, nil, err
		}
		cleanup := func() { os.RemoveAll(dir) }
		r, err := listenBoson(dir)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		return r, cleanup, nil
	}
	return nil, nil, fmt.Errorf("unknown relay kind %q", kind)
}

// bosonRelay is the real relay with the defaults cmd/relay uses, except the limits
// that a load generator would hit by design: the handshake rate per IP (20/s by
// default: every client here comes from 127.0.0.1), the handshakes under way, the rooms
// per app, and the message rates per client (5000/s) and per room (20000/s), which
// the ping-pong scenario exceeds on purpose. They measure abuse protection, not the
// relay's cost.
type bosonRelay struct {
	s *relay.Server
}

func listenBoson(dir string) (*bosonRelay, error) {
	id, _, err := handshake.LoadOrCreateIdentity(dir)
	if err != nil {
		return nil, err
	}
	s, err := relay.ListenUDP("127.0.0.1:0", &relay.Config{
		Transport: transport.ListenConfig{
			Identity: id, HandshakesPerIP: 1e6, MaxHalfOpen: 4096,
		},
		MaxRoomsPerApp: 1 << 20, MessageRate: 1 << 20, RoomEventRate: 1 << 22,
	})
	if err != nil {
		return nil, err
	}
	return &bosonRelay{s: s}, nil
}

func (b *bosonRelay) addr() string        { return b.s.Addr().String() }
func (b *bosonRelay) fingerprint() string { return b.s.Fingerprint().String() }
func (b *bosonRelay) sessions() int64     { return b.s.Stats().Sessions }
func (b *bosonRelay) close()              { b.s.Close() }

func (b *bosonRelay) packets() (in, out uint64) {
	st := b.s.Listener().Stats()
	return st.PacketsReceived, st.PacketsSent
}

func (b *bosonRelay) calls() (reads, writes uint64) {
	st := b.s.Listener().Stats()
	return st.Reads, st.Writes
}
