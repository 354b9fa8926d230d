package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// minPayload is the smallest payload: the send time and the sender.
const minPayload = 12

// stamp writes the send time (Unix ns) and the sender into payload.
func stamp(payload []byte, sender int, now time.Time) {
	binary.BigEndian.PutUint64(payload, uint64(now.UnixNano()))
	binary.BigEndian.PutUint32(payload[8:], uint32(sender))
}

// sentAt reads what stamp wrote.
func sentAt(payload []byte) (t time.Time, sender int, ok bool) {
	if len(payload) < minPayload {
		return time.Time{}, 0, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(payload))), int(binary.BigEndian.Uint32(payload[8:])), true
}

// Latencies are recorded in microseconds, from 1 µs to a minute, to 3 significant digits.
const (
	histMin, histMax, histDigits = 1, 60_000_000, 3
	recorderShards               = 16
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// recorder collects latencies from many goroutines into striped histograms. Its
// methods are safe for concurrent use.
type recorder struct {
	shards [recorderShards]struct {
		mu sync.Mutex // guards h
		h  *hdrhistogram.Histogram
		_  [40]byte
	}
}

func newRecorder() *recorder {
	r := &recorder{}
	for i := range r.shards {
		r.shards[i].h = newHist()
	}
	return r
}

// record adds d, on the shard of key (say, the receiver).
func (r *recorder) record(key int, d time.Duration) {
	us := max(d.Microseconds(), histMin)
	s := &r.shards[uint(key)%recorderShards]
	s.mu.Lock()
	s.h.RecordValue(min(us, histMax))
	s.mu.Unlock()
}

// take returns everything recorded since the last take and starts afresh.
func (r *recorder) take() *hdrhistogram.Histogram {
	out := newHist()
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		out.Merge(s.h)
		s.h.Reset()
		s.mu.Unlock()
	}
	return out
}

// counters are a load's running totals. Safe for concurrent use.
type counters struct {
	sent, delivered, errs atomic.Int64
	firstErr              atomic.Pointer[string]

	// The measurement window [winFrom, winTo) in Unix ns, and the payloads stamped
	// within it that were sent and delivered.
	winFrom, winTo    atomic.Int64
	sentWin, delivWin atomic.Int64
}

// openWindow starts a measurement window at now, open-ended until winTo is set.
func (c *counters) openWindow(now time.Time) {
	c.winFrom.Store(math.MaxInt64)
	c.sentWin.Store(0)
	c.delivWin.Store(0)
	c.winTo.Store(math.MaxInt64)
	c.winFrom.Store(now.UnixNano())
}

func (c *counters) inWindow(ns int64) bool { return ns >= c.winFrom.Load() && ns < c.winTo.Load() }

func (c *counters) fail(err error) {
	c.errs.Add(1)
	s := err.Error()
	c.firstErr.CompareAndSwap(nil, &s)
}

func (c *counters) lastError() string {
	if p := c.firstErr.Load(); p != nil {
		return *p
	}
	return ""
}

// pacer makes every peer it holds send a stamped payload rate times a second,
// the peers' phases spread evenly, on a few goroutines that wake every millisecond.
type pacer struct {
	period  time.Duration
	size    int
	c       *counters
	shards  []*pacerShard
	next    atomic.Int64
	wg      sync.WaitGroup
	closeCh chan struct{}
}

type pacerShard struct {
	mu    sync.Mutex // guards peers
	peers []paced
}

type paced struct {
	p   peer
	id  int
	due time.Time
}

func newPacer(rate float64, size, shards int, c *counters) *pacer {
	pc := &pacer{period: time.Duration(float64(time.Second) / rate), size: max(size, minPayload), c: c,
		closeCh: make(chan struct{})}
	for range shards {
		s := &pacerShard{}
		pc.shards = append(pc.shards, s)
		pc.wg.Go(func() { pc.sendLoop(s) })
	}
	return pc
}

// add starts p sending; id is what its payloads carry as the sender.
func (pc *pacer) add(p peer, id int) {
	n := pc.next.Add(1)
	s := pc.shards[int(n)%len(pc.shards)]
	// Spread phases with the golden ratio so peers added later fill the gaps.
	phase := time.Duration(float64(pc.period) * fracGolden(n))
	s.mu.Lock()
	s.peers = append(s.peers, paced{p: p, id: id, due: time.Now().Add(phase)})
	s.mu.Unlock()
}

func fracGolden(n int64) float64 {
	const g = 0.6180339887498949
	x := float64(n) * g
	return x - float64(int64(x))
}

func (pc *pacer) close() { close(pc.closeCh); pc.wg.Wait() }

func (pc *pacer) sendLoop(s *pacerShard) {
	buf := make([]byte, pc.size)
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-pc.closeCh:
			return
		case <-t.C:
		}
		s.mu.Lock()
		now := time.Now()
		for i := range s.peers {
			e := &s.peers[i]
			if now.Before(e.due) {
				continue
			}
			if e.due = e.due.Add(pc.period); e.due.Before(now) {
				e.due = now.Add(pc.period) // fell behind: do not burst to catch up
			}
			at := time.Now()
			stamp(buf, e.id, at)
			if err := e.p.send(buf); err != nil {
				pc.c.fail(fmt.Errorf("send: %w", err))
			}
			pc.c.sent.Add(1)
			if pc.c.inWindow(at.UnixNano()) {
				pc.c.sentWin.Add(1)
			}
		}
		s.mu.Unlock()
	}
}

// dialAll connects n peers with d, conc at a time, each peer's payloads going to
// recv(i, payload) and the relay's errors to c. It returns the peers dialed so far and
// the first error.
func dialAll(ctx context.Context, d dialer, first, n, conc int, recv func(i int, b []byte), c *counters) ([]peer, error) {
	peers := make([]peer, n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			id := first + i
			dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
			defer dcancel()
			p, err := d.dial(dctx, func(b []byte) { recv(id, b) }, c.fail)
			if err != nil {
				cancel(fmt.Errorf("dial %s client %d: %w", d.name(), id, err))
				return
			}
			peers[i] = p
		})
	}
	wg.Wait()
	out := peers[:0]
	for _, p := range peers {
		if p != nil {
			out = append(out, p)
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return out, err
	}
	return out, ctx.Err()
}

// closeAll closes the peers, 64 at a time.
func closeAll(peers []peer) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, p := range peers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p.close()
		})
	}
	wg.Wait()
}

// countNoReset returns how many values were recorded since the last take.
func (r *recorder) countNoReset() (n int64) {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		n += s.h.TotalCount()
		s.mu.Unlock()
	}
	return n
}
