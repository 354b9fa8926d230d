package transporttest

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"time"
)

// A Link describes what the network does to datagrams going one way between two hosts.
// The zero value is a perfect link: every datagram arrives at once, exactly once, in order.
//
// Probabilities at or below 0 never happen and at or above 1 always happen; negative
// durations count as zero. Jitter varies a datagram's delay but never reorders by itself:
// datagrams of one flow (one source and destination address and port) that are not picked
// by Reorder arrive in the order they were sent. Only Reorder lets later datagrams overtake.
type Link struct {
	// Loss is the probability that a datagram is dropped.
	Loss float64
	// Duplicate is the probability that a datagram that is not lost arrives twice; the
	// second copy arrives right behind the first.
	Duplicate float64
	// Reorder is the probability that a datagram that is not lost is held back for an
	// extra delay drawn from (0, ReorderDelay], so that datagrams sent after it can
	// overtake it. Whether one does depends on the traffic that follows.
	Reorder float64
	// Latency is the one-way delay of every datagram.
	Latency time.Duration
	// Jitter is the largest extra delay added to Latency, drawn uniformly from [0, Jitter).
	Jitter time.Duration
	// ReorderDelay bounds the extra delay of a reordered datagram. If zero, it is
	// Latency + Jitter, or 1ms when both are zero.
	ReorderDelay time.Duration
}

// fate is what a link does to one datagram.
type fate struct {
	lost      bool
	copies    int           // 1, or 2 when duplicated
	delay     time.Duration // from the write to the arrival
	reordered bool          // held back; does not keep the flow's order
}

// decide draws the fate of one datagram from r. It draws only for the impairments the
// link has, so a link's decisions depend on its seed and the datagrams sent on it alone.
func (l *Link) decide(r *rand.Rand) fate {
	if l.Loss > 0 && r.Float64() < l.Loss {
		return fate{lost: true}
	}
	f := fate{copies: 1, delay: max(l.Latency, 0)}
	if l.Duplicate > 0 && r.Float64() < l.Duplicate {
		f.copies = 2
	}
	if l.Jitter > 0 {
		f.delay += time.Duration(r.Int64N(int64(l.Jitter)))
	}
	if l.Reorder > 0 && r.Float64() < l.Reorder {
		f.reordered = true
		f.delay += 1 + time.Duration(r.Int64N(int64(l.reorderDelay())))
	}
	return f
}

// reorderDelay returns ReorderDelay with its default filled in.
func (l *Link) reorderDelay() time.Duration {
	if l.ReorderDelay > 0 {
		return l.ReorderDelay
	}
	if d := max(l.Latency, 0) + max(l.Jitter, 0); d > 0 {
		return d
	}
	return time.Millisecond
}

// hostPair is one direction between two hosts: the key of a link.
type hostPair struct{ from, to netip.Addr }

// flowKey is one direction between two sockets: the key of a flow.
type flowKey struct{ from, to netip.AddrPort }

// A flow holds the random stream and ordering state of the datagrams between two sockets.
// Giving each flow its own stream keeps a run reproducible when several goroutines write
// at once: a flow's decisions depend only on the order of writes on that flow.
type flow struct {
	rng     *rand.Rand
	lastAt  time.Time // arrival time of the latest datagram that keeps the flow's order
	pending int       // datagrams that keep the flow's order, scheduled but not arrived
}

// newFlow seeds a flow's stream from the network's seed and the flow's addresses.
func newFlow(seed uint64, k flowKey) *flow {
	h := fnv.New64a()
	for _, ap := range [2]netip.AddrPort{k.from, k.to} {
		a := ap.Addr().As16()
		h.Write(a[:])
		h.Write(binary.BigEndian.AppendUint16(nil, ap.Port()))
	}
	return &flow{rng: rand.New(rand.NewPCG(seed, h.Sum64()))}
}
