package directmode

import "sync"

// eventQueue holds events for the Handler. When full it drops the oldest unreliable
// message, else the oldest message, else the oldest event, and counts the drop.
type eventQueue struct {
	mu      sync.Mutex // guards the following fields
	cond    *sync.Cond
	events  []Event
	max     int
	dropped uint64
	closed  bool
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
	if len(q.events) >= q.max {
		q.dropOldestLocked()
	}
	q.events = append(q.events, e)
	q.cond.Signal()
}

func (q *eventQueue) dropOldestLocked() {
	drop := 0
	for _, reliable := range []bool{false, true} {
		if i := q.oldestMessageLocked(reliable); i >= 0 {
			drop = i
			break
		}
	}
	q.events = append(q.events[:drop], q.events[drop+1:]...)
	q.dropped++
}

func (q *eventQueue) oldestMessageLocked(reliable bool) int {
	for i, e := range q.events {
		if m, ok := e.(*MessageEvent); ok && m.Reliable == reliable {
			return i
		}
	}
	return -1
}

// wait returns the next event, blocking; false once the queue is closed and empty.
func (q *eventQueue) wait() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.events) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.events) == 0 {
		return nil, false
	}
	e := q.events[0]
	q.events[0] = nil
	q.events = q.events[1:]
	return e, true
}

// close wakes the waiter; events already queued are still delivered.
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
