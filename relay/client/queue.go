package client

import "sync"

// eventQueue holds events between the transport's rounds and the handler. push never
// blocks: when the queue is full it drops the oldest unreliable custom event, or else
// the oldest event.
type eventQueue struct {
	max    int
	signal chan struct{}

	mu      sync.Mutex // guards the following fields
	items   []Event
	closed  bool
	dropped uint64
}

func (q *eventQueue) init(max int) {
	q.max = max
	q.signal = make(chan struct{}, 1)
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		q.dropOldestLocked()
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *eventQueue) dropOldestLocked() {
	q.dropped++
	for i, e := range q.items {
		if ce, ok := e.(*CustomEvent); ok && !ce.Reliable {
			q.items = append(q.items[:i], q.items[i+1:]...)
			return
		}
	}
	q.items = q.items[1:]
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop returns the next event, if any.
func (q *eventQueue) pop() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil, false
	}
	e := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	return e, true
}

// wait returns the next event, waiting for one; false once the queue is closed and empty.
func (q *eventQueue) wait() (Event, bool) {
	for {
		if e, ok := q.pop(); ok {
			return e, true
		}
		q.mu.Lock()
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		<-q.signal
	}
}
