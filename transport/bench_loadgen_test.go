//go:build linux

package transport

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
)

// paddedInt64 keeps per-client counters on separate cache lines.
type paddedInt64 struct {
	atomic.Int64
	_ [56]byte
}

// loadGen drives the clients. Each keeps at most window messages in flight: sent by it
// and later in its sequence than the newest one the next client received. Once the window
// is full it waits until half of it has drained. A message overtaken by a newer one counts
// as done (arrived late or lost); a window that makes no progress at all for fwdStall is
// written off (its tail was lost), so a lossy path cannot stall the run and a late arrival
// can never widen the window.
type loadGen struct {
	n, window    int
	send         []func([]byte) error // per client; set before run
	closeClients func()
	readers      sync.WaitGroup
	conns        []*Conn // Boson clients, for their stats

	budget    atomic.Int64 // messages to send in all
	claimed   atomic.Int64
	sent      []paddedInt64 // by sender: messages sent (= next seq)
	acked     []paddedInt64 // by sender: 1 + newest seq the next client received
	floor     []paddedInt64 // by sender: sent when a stalled window was written off
	wake      []chan struct{}
	totalRecv atomic.Int64
	misrouted atomic.Int64
	sendErrs  atomic.Int64
	stalls    atomic.Int64
	finished  atomic.Int64 // senders done
	done      chan struct{}
	doneOnce  sync.Once
}

func newLoadGen(n, window int) *loadGen {
	g := &loadGen{
		n: n, window: window,
		send: make([]func([]byte) error, n), closeClients: func() {},
		sent: make([]paddedInt64, n), acked: make([]paddedInt64, n), floor: make([]paddedInt64, n),
		wake: make([]chan struct{}, n), done: make(chan struct{}),
	}
	for i := range g.wake {
		g.wake[i] = make(chan struct{}, 1)
	}
	return g
}

func (g *loadGen) outstanding(sender int) int64 {
	return g.sent[sender].Load() - max(g.acked[sender].Load(), g.floor[sender].Load())
}

// onRecv counts a message client i received. Each client's messages arrive on one
// goroutine (its read goroutine or its connection's worker).
func (g *loadGen) onRecv(i int, m []byte) {
	if len(m) < fwdHeader || m[0] != kindData {
		return
	}
	prev := (i + g.n - 1) % g.n
	if int(binary.BigEndian.Uint16(m[1:])) != prev {
		g.misrouted.Add(1)
		return
	}
	if next := int64(binary.BigEndian.Uint32(m[3:])) + 1; next > g.acked[prev].Load() {
		g.acked[prev].Store(next)
	}
	if g.totalRecv.Add(1) == g.budget.Load() {
		g.doneOnce.Do(func() { close(g.done) })
	}
	if g.outstanding(prev) <= int64(g.window/2) {
		select {
		case g.wake[prev] <- struct{}{}:
		default:
		}
	}
}

func (g *loadGen) totalSent() (s int64) {
	for i := range g.sent {
		s += g.sent[i].Load()
	}
	return s
}

// run sends the budget and returns when every message arrived, or when nothing more
// arrived for 100 ms after the last send (the rest was lost).
func (g *loadGen) run() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range g.n {
		wg.Go(func() { g.senderLoop(i, stop) })
	}
	defer wg.Wait()
	defer close(stop)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	last, quiet := int64(-1), 0
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		select {
		case <-g.done:
			return
		case <-tick.C:
		}
		r := g.totalRecv.Load()
		if g.finished.Load() == int64(g.n) && r == last {
			if quiet++; quiet >= 4 {
				return
			}
		} else {
			quiet = 0
		}
		last = r
	}
}

func (g *loadGen) senderLoop(i int, stop <-chan struct{}) {
	defer g.finished.Add(1)
	buf := make([]byte, 200)
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for seq := 0; g.claimed.Add(1) <= g.budget.Load(); seq++ {
		for g.outstanding(i) >= int64(g.window) {
			t.Reset(fwdStall)
			select {
			case <-g.wake[i]:
			case <-t.C:
				if g.outstanding(i) >= int64(g.window) {
					g.floor[i].Store(g.sent[i].Load())
					g.stalls.Add(1)
				}
			case <-stop:
				return
			}
			t.Stop()
		}
		m := buf[:fwdSize(i, seq)]
		m[0] = kindData
		binary.BigEndian.PutUint16(m[1:], uint16(i))
		binary.BigEndian.PutUint32(m[3:], uint32(seq))
		if err := g.send[i](m); err != nil {
			g.sendErrs.Add(1)
		}
		g.sent[i].Add(1)
	}
}
