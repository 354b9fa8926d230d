package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// IdleResult is what idle connections cost the relay.
type IdleResult struct {
	Conns       int     `json:"conns"`
	HeapPerConn float64 `json:"heap_per_conn"` // bytes, after GC, over the relay with none
	RSSPerConn  float64 `json:"rss_per_conn"`
	IdleCPU     float64 `json:"idle_cpu_pct"` // % of one core over the idle window
	EmptyCPU    float64 `json:"empty_cpu_pct"`
	DialSeconds float64 `json:"dial_seconds"`
	// HandshakeCPU is the relay's CPU per connection while they were dialed, µs.
	HandshakeCPU float64 `json:"handshake_cpu_us"`
	Keepalive    string  `json:"keepalive"`
}

func (ir *IdleResult) writeText(w io.Writer) {
	fmt.Fprintf(w, "  %d idle connections (%s): relay heap %.0f B/conn, RSS %.0f B/conn, idle CPU %.2f%% of a core (empty relay %.2f%%)\n",
		ir.Conns, ir.Keepalive, ir.HeapPerConn, ir.RSSPerConn, ir.IdleCPU, ir.EmptyCPU)
	if ir.DialSeconds > 0 {
		fmt.Fprintf(w, "  connected in %.1fs (%.0f/s), relay CPU %.0f µs per connection while connecting\n",
			ir.DialSeconds, float64(ir.Conns)/ir.DialSeconds, ir.HandshakeCPU)
	}
}

// runIdle is the "idle" scenario: cfg.Clients connections that do nothing but keep
// alive. Boson clients keep alive by themselves (the transport's 1 s keepalive); raw
// sockets join a room (so the relay holds their address) and send a 16-byte ping a
// second, which the relay echoes: the same datagrams each way.
func runIdle(ctx context.Context, cfg *Config, t *target, prog *progress) (*Result, error) {
	p := t.proc
	st0, err := p.stat(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := sleepCtx(ctx, time.Second); err != nil {
		return nil, err
	}
	st1, err := p.stat(ctx, false)
	if err != nil {
		return nil, err
	}
	var dialed atomic.Int64
	prog.set(func() string { return fmt.Sprintf("%s: %d of %d connected", t.d.name(), dialed.Load(), cfg.Clients) })
	t0 := time.Now()
	var c counters
	peers, err := dialIdle(ctx, cfg.Clients, cfg.DialConcurrency, t.d, t.d.name() == "raw", &dialed, &c)
	defer closeAll(peers)
	prog.set(nil)
	if err != nil {
		return nil, err
	}
	ir := &IdleResult{Conns: len(peers), DialSeconds: time.Since(t0).Seconds(), EmptyCPU: pct(st1.CPU-st0.CPU, 1),
		Keepalive: "Boson transport keepalive, 1 s"}
	st2, err := p.stat(ctx, false)
	if err != nil {
		return nil, err
	}
	ir.HandshakeCPU = float64((st2.CPU - st1.CPU).Microseconds()) / float64(len(peers))
	stopKA := func() {}
	if t.d.name() == "raw" {
		ir.Keepalive, ir.HandshakeCPU, ir.DialSeconds = "16-byte echo a second", 0, 0
		stopKA = keepaliveLoop(peers)
	}
	defer stopKA()
	prog.say("%s: %d connected; settling, then measuring %v of idle", t.d.name(), len(peers), cfg.IdleWindow)
	if err := sleepCtx(ctx, cfg.Settle); err != nil {
		return nil, err
	}
	w, err := p.stat(ctx, true)
	if err != nil {
		return nil, err
	}
	ir.HeapPerConn = (float64(w.Heap) - float64(st0.Heap)) / float64(len(peers))
	ir.RSSPerConn = (float64(w.RSS) - float64(st0.RSS)) / float64(len(peers))
	wt, self := time.Now(), selfCPU()
	if err := sleepCtx(ctx, cfg.IdleWindow); err != nil {
		return nil, err
	}
	e, err := p.stat(ctx, false)
	if err != nil {
		return nil, err
	}
	secs := time.Since(wt).Seconds()
	ir.IdleCPU = pct(e.CPU-w.CPU, secs)
	r := &Result{Relay: t.d.name(), Clients: len(peers), Seconds: secs, Idle: ir, LoadgenCPU: pct(selfCPU()-self, secs),
		Errors: c.errs.Load(), FirstError: c.lastError()}
	t.fillRelay(r, w, e, secs)
	if !p.measured() {
		ir.HeapPerConn, ir.RSSPerConn, ir.IdleCPU = 0, 0, -1
	}
	return r, nil
}

// dialIdle connects n peers, conc at a time, counting them in dialed; with join, each
// also joins a room of its own.
func dialIdle(ctx context.Context, n, conc int, d dialer, join bool, dialed *atomic.Int64, c *counters) ([]peer, error) {
	var peers []peer
	for len(peers) < n {
		k := min(1000, n-len(peers))
		ps, err := dialAll(ctx, d, len(peers), k, conc, func(int, []byte) {}, c)
		peers = append(peers, ps...)
		dialed.Store(int64(len(peers)))
		if err != nil {
			return peers, err
		}
	}
	if !join {
		return peers, nil
	}
	for i, p := range peers {
		if err := p.joinRoom(ctx, i); err != nil {
			return peers, err
		}
	}
	return peers, nil
}

// keepaliveLoop makes every peer send a keepalive once a second, spread over the
// second; the returned function stops it.
func keepaliveLoop(peers []peer) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		start, next := time.Now(), 0
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				// by now, (elapsed seconds × peers) keepalives are due
				due := int(now.Sub(start).Seconds() * float64(len(peers)))
				for ; next < due; next++ {
					peers[next%len(peers)].keepalive()
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// JoinResult is the join-or-create-random scenario's outcome.
type JoinResult struct {
	Clients      int     `json:"clients"`
	Joined       int     `json:"joined"`
	AllJoinedMs  float64 `json:"all_joined_ms"` // first call to last answer
	Call         Latency `json:"call_us"`
	RoomsCreated int     `json:"rooms_created"`
	Rooms        int     `json:"rooms"`
	FullRooms    int     `json:"full_rooms"`
	MaxFill      int     `json:"max_fill"`
	OverMax      int     `json:"rooms_over_max"`
	Errors       int     `json:"errors"`
	Fill         []int   `json:"fill"` // Fill[k]: rooms with k members
}

func (jr *JoinResult) writeText(w io.Writer) {
	fmt.Fprintf(w, "  %d of %d joined, all in %.0f ms; call µs p50 %d p90 %d p99 %d max %d; errors %d\n",
		jr.Joined, jr.Clients, jr.AllJoinedMs, jr.Call.P50, jr.Call.P90, jr.Call.P99, jr.Call.Max, jr.Errors)
	fmt.Fprintf(w, "  rooms %d (created %d), full %d, largest %d, over the maximum %d; rooms by members %v\n",
		jr.Rooms, jr.RoomsCreated, jr.FullRooms, jr.MaxFill, jr.OverMax, jr.Fill[1:])
}

// runJoinRandom is the "joinrandom" scenario: cfg.Clients connected clients call
// join-or-create-random (rooms of at most cfg.RoomSize), their calls spread evenly
// over cfg.JoinWindow.
func runJoinRandom(ctx context.Context, cfg *Config, t *target, prog *progress) (*Result, error) {
	var dialed atomic.Int64
	prog.set(func() string { return fmt.Sprintf("%s: %d of %d connected", t.d.name(), dialed.Load(), cfg.Clients) })
	var c counters
	peers, err := dialIdle(ctx, cfg.Clients, cfg.DialConcurrency, t.d, false, &dialed, &c)
	defer closeAll(peers)
	prog.set(nil)
	if err != nil {
		return nil, err
	}
	if err := sleepCtx(ctx, time.Second); err != nil {
		return nil, err
	}
	st0, err := t.proc.stat(ctx, false)
	if err != nil {
		return nil, err
	}
	self := selfCPU()
	jr, rec := &JoinResult{Clients: len(peers)}, newRecorder()
	rooms := make([]string, len(peers))
	created := make([]bool, len(peers))
	var errs atomic.Int64
	var first atomic.Pointer[string]
	var wg sync.WaitGroup
	t0 := time.Now()
	prog.set(func() string { return fmt.Sprintf("%s: %d calls answered", t.d.name(), rec.countNoReset()) })
	for i, p := range peers {
		at := t0.Add(time.Duration(int64(cfg.JoinWindow) * int64(i) / int64(len(peers))))
		wg.Go(func() {
			time.Sleep(time.Until(at))
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c0 := time.Now()
			room, cr, err := p.joinRandom(cctx, cfg.RoomSize)
			rec.record(i, time.Since(c0))
			if err != nil {
				errs.Add(1)
				s := err.Error()
				first.CompareAndSwap(nil, &s)
				return
			}
			rooms[i], created[i] = room, cr
		})
	}
	wg.Wait()
	prog.set(nil)
	jr.AllJoinedMs = float64(time.Since(t0).Microseconds()) / 1000
	secs := time.Since(t0).Seconds()
	st1, err := t.proc.stat(ctx, false)
	if err != nil {
		return nil, err
	}
	jr.Call, jr.Errors = summarize(rec.take()), int(errs.Load())
	jr.fill(rooms, created, cfg.RoomSize)
	r := &Result{Relay: t.d.name(), Clients: len(peers), Seconds: secs, Join: jr, Errors: errs.Load() + c.errs.Load(),
		LoadgenCPU: pct(selfCPU()-self, secs), FirstError: c.lastError()}
	if p := first.Load(); p != nil {
		r.FirstError = *p
	}
	t.fillRelay(r, st0, st1, secs)
	return r, nil
}

// fill counts the rooms and their members.
func (jr *JoinResult) fill(rooms []string, created []bool, size int) {
	count := map[string]int{}
	for i, r := range rooms {
		if r == "" {
			continue
		}
		jr.Joined++
		count[r]++
		if created[i] {
			jr.RoomsCreated++
		}
	}
	jr.Rooms = len(count)
	fills := make([]int, 0, len(count))
	for _, n := range count {
		fills = append(fills, n)
		if n > size {
			jr.OverMax++
		}
		if n == size {
			jr.FullRooms++
		}
	}
	jr.MaxFill = 0
	if len(fills) > 0 {
		jr.MaxFill = slices.Max(fills)
	}
	jr.Fill = make([]int, max(jr.MaxFill, size)+1)
	for _, n := range fills {
		jr.Fill[n]++
	}
}
