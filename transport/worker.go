package transport

import (
	crand "crypto/rand"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A worker owns a set of connections (those whose connection ID maps to it) and does
// all their work, one round at a time: packets in, sends, timers, packets out. A round
// runs under mu, either on the worker's own goroutine (woken by a channel) or on the
// read loop, which does a small batch of packets itself when the worker is idle: that
// saves two goroutine hand-offs per packet at low load, where latency matters, while a
// busy relay still spreads its work over every worker. Idle connections cost a worker
// nothing but a place in its timer heap.
type worker struct {
	ep     *endpoint
	idx    int
	base   time.Time
	inbox  chan *rxBatch
	ctl    chan func()
	exited chan struct{} // closed when loop returns

	readyMu  sync.Mutex // guards ready
	ready    []*Conn
	readySig chan struct{}

	inHandler atomic.Bool  // a Handler method is running on this worker
	inRound   atomic.Bool  // a round is running (under mu) and will take the ready list
	queued    atomic.Int32 // batches handed to the inbox and not yet processed

	// mu is held for a whole round by whoever runs it; it guards the following fields
	// and the state of every connection in conns.
	mu         sync.Mutex
	now        int64 // nanoseconds since base, read once per round
	closed     bool  // shutdown ran: later batches are dropped
	conns      map[uint32]*Conn
	timers     timerHeap
	timer      *time.Timer
	armedAt    int64
	dirty      []*Conn
	tx         []txMsg
	spare      []*Conn
	recvBuf    []byte
	rng        *rand.Rand
	resetLimit tokenBucket
	l          *Listener // nil on a client
	stopAfter  bool      // a client's only connection closed: stop after this flush
	timerSpins uint64    // timers still due after they ran (a bug; tests check it is 0)
}

func newWorker(ep *endpoint, idx int) *worker {
	var seed [32]byte
	crand.Read(seed[:])
	w := &worker{
		ep:       ep,
		idx:      idx,
		base:     time.Now(),
		inbox:    make(chan *rxBatch, 128),
		ctl:      make(chan func(), 256),
		readySig: make(chan struct{}, 1),
		exited:   make(chan struct{}),
		conns:    make(map[uint32]*Conn),
		rng:      rand.New(rand.NewChaCha8(seed)),
		timer:    time.NewTimer(time.Hour),
		armedAt:  -1,
	}
	w.timer.Stop()
	w.resetLimit = newTokenBucket(10000, 1000, 0)
	return w
}

func (w *worker) loop() {
	defer w.ep.workerWG.Done()
	defer close(w.exited)
	defer w.timer.Stop()
	for {
		var b *rxBatch
		var f func()
		fired := false
		select {
		case b = <-w.inbox:
		case <-w.readySig:
		case f = <-w.ctl:
		case <-w.timer.C:
			fired = true
		case <-w.ep.closeCh:
			w.mu.Lock()
			w.tick()
			w.shutdown()
			w.mu.Unlock()
			return
		}
		w.mu.Lock()
		w.beginRound()
		switch {
		case b != nil:
			w.handleBatch(b)
			w.queued.Add(-1)
		case f != nil:
			f()
		case fired:
			w.armedAt = -1
			w.handleTimers()
		}
		w.endRound()
		w.mu.Unlock()
	}
}

// tryInline runs a round for batch b on the calling goroutine (the read loop) if no
// one else is running one and no earlier batch waits for the worker. It reports false,
// doing nothing, if the worker is busy.
//
// Batches handed to the worker and not yet processed (queued) must go first; as the
// read loop is the only one that hands batches over, queued == 0 here means none is in
// the inbox or in the worker goroutine's hands.
func (w *worker) tryInline(b *rxBatch) bool {
	if w.queued.Load() != 0 || !w.mu.TryLock() {
		return false
	}
	defer w.mu.Unlock()
	if w.closed {
		putRxBatch(b)
		return true
	}
	w.beginRound()
	w.handleBatch(b)
	w.endRound()
	return true
}

// endRound sends what the round produced: it takes the sends the round's handlers
// queued (so that a reply leaves with the packet that asked for it), writes every
// packet in one batch and rearms the timer.
func (w *worker) endRound() {
	w.handleReady()
	w.flush()
	if w.stopAfter {
		w.ep.beginClose()
		w.stopAfter = false
	}
	w.arm()
	// A markReady that saw the round in progress did not signal; one that came after
	// handleReady is still on the list: hand it to the worker goroutine.
	w.inRound.Store(false)
	w.readyMu.Lock()
	left := len(w.ready)
	w.readyMu.Unlock()
	if left > 0 {
		w.signalReady()
	}
}

func (w *worker) tick() { w.now = int64(time.Since(w.base)) }

// deliver hands a batch from the read loop to the worker. It blocks when the worker is
// behind: the read loop then stops reading and the kernel queue absorbs or drops.
func (w *worker) deliver(b *rxBatch) {
	w.queued.Add(1)
	select {
	case w.inbox <- b:
	case <-w.ep.closeCh:
		w.queued.Add(-1)
		putRxBatch(b)
	}
}

// post runs f on the worker goroutine. It reports false if the worker is gone or its
// control queue is full.
func (w *worker) post(f func()) bool {
	select {
	case w.ctl <- f:
		return true
	case <-w.ep.closeCh:
		return false
	default:
		return false
	}
}

// postWait queues f to run on the worker goroutine, waiting for room in the control
// queue. It reports false if the worker is gone.
func (w *worker) postWait(f func()) bool {
	select {
	case w.ctl <- f:
		return true
	case <-w.ep.closeCh:
		return false
	}
}

// call runs f on the worker goroutine and waits for it. It reports whether f ran: it
// does not run if the worker stops first, and then call returns false once the worker
// has stopped, so that the caller can undo what f would have completed.
func (w *worker) call(f func()) bool {
	done := make(chan struct{})
	select {
	case w.ctl <- func() { f(); close(done) }:
	case <-w.exited:
		return false
	}
	select {
	case <-done:
		return true
	case <-w.exited: // f ran to the end, or never started
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

// markReady queues c for the worker: it has sends, a close or a wake-up. Any goroutine.
func (w *worker) markReady(c *Conn) {
	w.readyMu.Lock()
	w.ready = append(w.ready, c)
	w.readyMu.Unlock()
	if !w.inRound.Load() { // a round in progress takes it in endRound
		w.signalReady()
	}
}

func (w *worker) signalReady() {
	select {
	case w.readySig <- struct{}{}:
	default:
	}
}

// beginRound marks the start of a round; the caller holds mu.
func (w *worker) beginRound() {
	w.inRound.Store(true)
	w.tick()
}

// sendReady is markReady for Send. When the connection has no Handler, so that no user
// callback can run, and the worker is idle, Send's goroutine runs the round itself: the
// message goes out without waking the worker. (Other callers of markReady may hold
// transport locks a round takes, so only Send does this.)
func (w *worker) sendReady(c *Conn) {
	if c.p.handler != nil || !w.mu.TryLock() {
		w.markReady(c)
		return
	}
	defer w.mu.Unlock()
	w.readyMu.Lock()
	w.ready = append(w.ready, c)
	w.readyMu.Unlock()
	if w.closed {
		return
	}
	w.beginRound()
	w.endRound()
}

func (w *worker) handleReady() {
	w.readyMu.Lock()
	list := w.ready
	w.ready = w.spare[:0]
	w.readyMu.Unlock()
	for i, c := range list {
		c.handleQueue()
		list[i] = nil
	}
	w.spare = list[:0]
}

func (w *worker) handleBatch(b *rxBatch) {
	for i := range b.pkts {
		m := &b.pkts[i]
		w.handleDatagram((*m.buf)[:m.n], m.addr)
	}
	putRxBatch(b)
}

func (w *worker) handleDatagram(b []byte, from netip.AddrPort) {
	switch b[0] {
	case typeData, typePlain:
		if c := w.conns[cidOf(b)]; c != nil {
			c.handleData(b, from)
			return
		}
		w.unknownCID(b, from)
	case typeReset, typeResumed, typeResumeRefused:
		for _, c := range w.conns { // a client worker owns one connection
			if c.client {
				c.handleControl(b, from)
			}
		}
	}
}

// unknownCID answers DATA for a connection the relay does not know with a stateless
// reset, when the packet is big enough that the reset is at most a third of it.
func (w *worker) unknownCID(b []byte, from netip.AddrPort) {
	if w.l == nil {
		return
	}
	w.l.stats.unknownCID.Add(1)
	if len(b) < 3*resetLen || !w.resetLimit.allow(w.now, 1) {
		return
	}
	tok := w.l.resetKey.Token(cidOf(b))
	var out [resetLen]byte
	out[0] = typeReset
	copy(out[1:], tok[:])
	// Counted before it is sent, so whoever sees the reset arrive also sees it counted.
	w.l.stats.resets.Add(1)
	if w.ep.writeTo(out[:], from) != nil {
		w.l.stats.resets.Add(^uint64(0))
	}
}

// markDirty puts c on the list of connections with frames to send this round.
func (w *worker) markDirty(c *Conn) {
	if !c.dirty {
		c.dirty = true
		w.dirty = append(w.dirty, c)
	}
}

// flush seals the packets of every dirty connection and writes them in one batch.
func (w *worker) flush() {
	for i, c := range w.dirty {
		c.flush()
		w.dirty[i] = nil
	}
	w.dirty = w.dirty[:0]
	if len(w.tx) > 0 {
		w.ep.write(w.tx)
		w.tx = w.tx[:0]
	}
}

// addConn registers a connection with the worker.
func (w *worker) addConn(c *Conn) {
	w.conns[c.localCID] = c
	c.lastRecv, c.lastSend = w.now, w.now
	c.rttAt = w.now - int64(relayRTTSampleAge) // a first RTT sample rides on the first packet
	c.rate = newRateLimiter(c.p.recvRate, c.p.recvPktRate, w.now)
	c.heapIdx = -1
	c.reschedule()
}

func (w *worker) removeConn(c *Conn) {
	if w.conns[c.localCID] == c {
		delete(w.conns, c.localCID)
	}
	w.timers.remove(c)
	if w.l != nil {
		w.l.releaseCID(c.localCID)
	}
}

func (w *worker) handleTimers() {
	for len(w.timers) > 0 && w.timers[0].at <= w.now {
		c := w.timers.pop()
		c.onTimer()
		if c.heapIdx >= 0 && c.deadline <= w.now {
			// A deadline that is already due after its timer ran would spin the worker;
			// it is a bug, but a bounded one: look again in a millisecond.
			w.timerSpins++
			c.deadline = w.now + int64(time.Millisecond)
			w.timers.set(c)
		}
	}
}

// arm sets the timer to the earliest connection deadline.
func (w *worker) arm() {
	if len(w.timers) == 0 {
		return
	}
	at := w.timers[0].at
	if at == w.armedAt {
		return
	}
	w.armedAt = at
	w.timer.Reset(time.Duration(max(at-w.now, 0)))
}

// shutdown closes every connection as the endpoint stops.
func (w *worker) shutdown() {
	w.closed = true
	for _, c := range w.conns {
		if c.state == stateOpen {
			c.closeWith(&CloseError{Code: CodeShutdown, Reason: "relay shutting down"}, true)
		}
		c.finish()
	}
	w.flush()
	for {
		select {
		case b := <-w.inbox:
			putRxBatch(b)
		default:
			return
		}
	}
}
