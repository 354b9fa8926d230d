package directmode

import "sync"

// eventQueue holds events for the Handler, in order. When full it drops the oldest
// unreliable message, else the oldest reliable message, else the oldest event, and
// counts the drop. Every operation is O(1) (amortized).
type eventQueue struct {
	mu      sync.Mutex // guards the following fields
	cond    *sync.Cond
	all     fifo // every queued event
	unrel   fifo // the unreliable messages among them
	rel     fifo // the reliable messages among them
	n       int  // events queued (items in all that are not gone)
	max     int
	dropped uint64
	closed  bool
}

// queued is one event; gone marks it taken or dropped, so that the other FIFOs that
// hold it skip it.
type queued struct {
	e    Event
	gone bool
}

// fifo is a queue of items with lazy removal.
type fifo struct {
	items []*queued
	head  int
}

func (f *fifo) push(q *queued) { f.items = append(f.items, q) }

// pop returns the oldest item not gone, or nil.
func (f *fifo) pop() *queued {
	for f.head < len(f.items) {
		q := f.items[f.head]
		f.items[f.head] = nil
		f.head++
		if f.head > 64 && f.head*2 > len(f.items) { // reclaim the consumed front
			f.items = append(f.items[:0], f.items[f.head:]...)
			f.head = 0
		}
		if !q.gone {
			return q
		}
	}
	return nil
}

func (q *eventQueue) init(max int) {
	q.cond = sync.NewCond(&q.mu)
	q.max = max
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if q.n >= q.max {
		q.dropOldestLocked()
	}
	it := &queued{e: e}
	q.all.push(it)
	if m, ok := e.(*MessageEvent); ok {
		if m.Reliable {
			q.rel.push(it)
		} else {
			q.unrel.push(it)
		}
	}
	q.n++
	q.cond.Signal()
}

func (q *eventQueue) dropOldestLocked() {
	it := q.unrel.pop()
	if it == nil {
		it = q.rel.pop()
	}
	if it == nil {
		it = q.all.pop()
	}
	if it != nil {
		it.gone = true
		q.n--
		q.dropped++
	}
}

// wait returns the next event, blocking; false once the queue is closed and empty.
func (q *eventQueue) wait() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 && !q.closed {
		q.cond.Wait()
	}
	it := q.all.pop()
	if it == nil {
		return nil, false
	}
	it.gone = true
	q.n--
	return it.e, true
}

// close wakes the waiter; events already queued are still returned by wait.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *eventQueue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
