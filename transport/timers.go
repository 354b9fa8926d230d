package transport

import "container/heap"

// timerHeap orders a worker's connections by deadline. Each entry carries its deadline,
// so that ordering thousands of connections does not chase a pointer per comparison.
type timerHeap []timerEntry

type timerEntry struct {
	at int64 // the connection's deadline when it was filed
	c  *Conn
}

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].c.heapIdx, h[j].c.heapIdx = i, j
}

// Push and Pop are for container/heap; x is a *Conn.
func (h *timerHeap) Push(x any) {
	c := x.(*Conn)
	c.heapIdx = len(*h)
	*h = append(*h, timerEntry{at: c.deadline, c: c})
}

func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = timerEntry{}
	*h = old[:len(old)-1]
	return e.c
}

// set files c at c.deadline, or moves it there.
func (h *timerHeap) set(c *Conn) {
	if c.heapIdx >= 0 {
		(*h)[c.heapIdx].at = c.deadline
		heap.Fix(h, c.heapIdx)
		return
	}
	heap.Push(h, c)
}

// pop takes out the connection with the earliest deadline.
func (h *timerHeap) pop() *Conn {
	c := heap.Pop(h).(*Conn)
	c.heapIdx = -1
	return c
}

func (h *timerHeap) remove(c *Conn) {
	if c.heapIdx >= 0 {
		heap.Remove(h, c.heapIdx)
		c.heapIdx = -1
	}
}
