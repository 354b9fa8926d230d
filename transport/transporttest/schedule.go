package transporttest

import (
	"container/heap"
	"net/netip"
	"time"
)

// An arrival is a datagram on the wire, due at its destination at time at.
type arrival struct {
	at       time.Time
	seq      uint64 // send order; breaks ties between arrivals at the same instant
	from, to netip.AddrPort
	b        []byte
	fl       *flow
	inOrder  bool // counted in fl.pending
}

// arrivals is a min-heap of arrivals by (at, seq), so that datagrams arrive in a
// deterministic order even when several are due at the same instant.
type arrivals []*arrival

func (h arrivals) Len() int { return len(h) }

func (h arrivals) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}

func (h arrivals) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

func (h *arrivals) Push(x any) { *h = append(*h, x.(*arrival)) }

func (h *arrivals) Pop() any {
	old := *h
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return a
}

// scheduleLocked puts a on the wire, starting scheduleLoop on first use and waking it
// when a is now the earliest arrival.
func (n *Network) scheduleLocked(a *arrival) {
	if !n.started {
		if !n.goLocked(n.scheduleLoop) {
			return
		}
		n.started = true
	}
	a.seq = n.seq
	n.seq++
	if a.inOrder {
		a.fl.pending++
	}
	heap.Push(&n.inFlight, a)
	if n.inFlight[0] == a {
		signal(n.wakeCh)
	}
}

// scheduleLoop delivers datagrams when they are due. It blocks only on channels and a
// timer, so a testing/synctest bubble can tell when it is idle.
func (n *Network) scheduleLoop() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		if wait, ok := n.deliverDue(); ok {
			t.Reset(wait)
		} else {
			t.Stop()
		}
		select {
		case <-n.closeCh:
			return
		case <-n.wakeCh:
		case <-t.C:
		}
	}
}

// deliverDue delivers the arrivals that are due, in order, and returns how long until
// the next one, or ok == false if none is in flight.
func (n *Network) deliverDue() (wait time.Duration, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	for len(n.inFlight) > 0 {
		a := n.inFlight[0]
		if a.at.After(now) {
			return a.at.Sub(now), true
		}
		heap.Pop(&n.inFlight)
		if a.inOrder {
			a.fl.pending--
		}
		n.deliverLocked(a.from, a.to, a.b)
	}
	return 0, false
}
