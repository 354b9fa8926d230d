package turnserver

import (
	"net"
	"sync"
)

// quota counts live allocations per user and overall, from pion's allocation events, and
// answers pion's quota checks. Pion calls allow and created from its read loop (one per
// listening socket, so check-then-create is not racy) and deleted from timers and relay
// goroutines. All methods are safe for concurrent use and call nothing while holding mu.
type quota struct {
	maxPerUser, maxTotal int
	changed              chan struct{} // signalled (non-blocking, cap 1) on every delete

	mu      sync.Mutex // guards the following fields
	perUser map[string]int
	total   int
}

func newQuota(maxPerUser, maxTotal int, changed chan struct{}) *quota {
	return &quota{
		maxPerUser: maxPerUser,
		maxTotal:   maxTotal,
		changed:    changed,
		perUser:    make(map[string]int),
	}
}

// allow is the turn.QuotaHandler.
func (q *quota) allow(user, _ string, _ net.Addr) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.perUser[user] < q.maxPerUser && q.total < q.maxTotal
}

// created is the turn.EventHandler's OnAllocationCreated.
func (q *quota) created(_, _ net.Addr, _, user, _ string, _ net.Addr, _ int) {
	q.mu.Lock()
	q.perUser[user]++
	q.total++
	q.mu.Unlock()
}

// deleted is the turn.EventHandler's OnAllocationDeleted.
func (q *quota) deleted(_, _ net.Addr, _, user, _ string) {
	q.mu.Lock()
	if q.perUser[user]--; q.perUser[user] <= 0 {
		delete(q.perUser, user)
	}
	q.total--
	q.mu.Unlock()
	select {
	case q.changed <- struct{}{}:
	default:
	}
}

// live returns the number of live allocations.
func (q *quota) live() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}
