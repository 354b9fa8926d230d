package transport

import (
	"net"
	"sync/atomic"
	"time"
)

// ConnStats is a snapshot of one connection's counters. Counters count from the
// connection's start; RTT figures are zero until the first sample.
type ConnStats struct {
	RTT    time.Duration // smoothed round-trip time (RFC 6298)
	RTTVar time.Duration // round-trip time variation
	MinRTT time.Duration // smallest sample seen

	PacketsSent     uint64
	PacketsReceived uint64 // authenticated packets accepted
	BytesSent       uint64 // UDP payload bytes
	BytesReceived   uint64
	Retransmits     uint64 // reliable (KCP) segments sent again
	PacketsLost     uint64 // packets from the peer that never arrived (gaps in packet numbers)

	Invalid      uint64 // authenticated packets that did not parse
	AuthFailures uint64 // packets whose tag did not verify (tampered, truncated, foreign)
	Replays      uint64 // packets refused by the replay window (duplicate or too old)
	RateLimited  uint64 // packets dropped by the receive rate limit

	SendQueueFull  uint64 // reliable sends refused with ErrSendQueueFull
	SendDropped    uint64 // unreliable messages pushed out of a full send queue
	ReceiveDropped uint64 // unreliable messages dropped because the receive queue was full

	SendQueueBytes   int64 // reliable bytes queued or unacknowledged now
	UnreliableQueued int   // unreliable messages waiting to be sent now
	ReceiveQueued    int   // messages waiting in Receive now
}

// connCounters are the atomics behind ConnStats; the worker writes, anyone reads.
type connCounters struct {
	packetsSent, packetsRecv, bytesSent, bytesRecv atomic.Uint64
	retrans, lost                                  atomic.Uint64
	invalid, authFailed, replayed, rateDropped     atomic.Uint64
	sendQueueFull, sendDropped, recvDropped        atomic.Uint64
	rtt, rttVar, minRTT                            atomic.Int64
	peer                                           atomic.Pointer[net.Addr]
	plain                                          atomic.Bool
}

// Stats returns a snapshot of the connection's counters.
func (c *Conn) Stats() ConnStats {
	s := &c.stats
	c.sendMu.Lock()
	unrel := len(c.unrelQ)
	c.sendMu.Unlock()
	return ConnStats{
		RTT:              time.Duration(s.rtt.Load()),
		RTTVar:           time.Duration(s.rttVar.Load()),
		MinRTT:           time.Duration(s.minRTT.Load()),
		PacketsSent:      s.packetsSent.Load(),
		PacketsReceived:  s.packetsRecv.Load(),
		BytesSent:        s.bytesSent.Load(),
		BytesReceived:    s.bytesRecv.Load(),
		Retransmits:      s.retrans.Load(),
		PacketsLost:      s.lost.Load(),
		Invalid:          s.invalid.Load(),
		AuthFailures:     s.authFailed.Load(),
		Replays:          s.replayed.Load(),
		RateLimited:      s.rateDropped.Load(),
		SendQueueFull:    s.sendQueueFull.Load(),
		SendDropped:      s.sendDropped.Load(),
		ReceiveDropped:   s.recvDropped.Load(),
		SendQueueBytes:   c.queuedBytes.Load(),
		UnreliableQueued: unrel,
		ReceiveQueued:    len(c.recvCh),
	}
}

// rttEstimator smooths RTT samples as RFC 6298 does.
type rttEstimator struct {
	srtt, rttvar, min time.Duration
}

func (r *rttEstimator) sample(d time.Duration, s *connCounters) {
	if d <= 0 {
		d = time.Microsecond
	}
	if r.srtt == 0 {
		r.srtt, r.rttvar, r.min = d, d/2, d
	} else {
		delta := r.srtt - d
		if delta < 0 {
			delta = -delta
		}
		r.rttvar = (3*r.rttvar + delta) / 4
		r.srtt = (7*r.srtt + d) / 8
		r.min = min(r.min, d)
	}
	s.rtt.Store(int64(r.srtt))
	s.rttVar.Store(int64(r.rttvar))
	s.minRTT.Store(int64(r.min))
}

// ListenerStats is a snapshot of a listener's counters.
type ListenerStats struct {
	Conns    int // open connections
	HalfOpen int // handshakes under way

	Handshakes       uint64 // handshakes completed
	HandshakeFailed  uint64 // handshakes that failed or timed out
	Retries          uint64 // RETRY packets sent (stateless)
	FirstContactBad  uint64 // first-contact datagrams dropped as malformed or too small
	HandshakeLimited uint64 // handshakes refused by MaxHalfOpen or the per-IP rate
	Resumes          uint64 // sessions resumed
	ResumeRefused    uint64
	Resets           uint64 // stateless resets sent
	UnknownCID       uint64 // DATA packets for no connection
	Dropped          uint64 // datagrams of unknown type or too short

	PacketsReceived uint64 // datagrams read from the socket
	PacketsSent     uint64 // datagrams written to the socket
	BytesReceived   uint64
	BytesSent       uint64
	WriteErrors     uint64
	Reads           uint64 // read system calls that returned datagrams (PacketsReceived/Reads is the batching)
	Writes          uint64 // write system calls (PacketsSent/Writes is the batching)
}

type listenerCounters struct {
	handshakes, handshakeFailed, retries, firstContactBad, handshakeLimited atomic.Uint64
	resumes, resumeRefused, resets, unknownCID, dropped                     atomic.Uint64
	halfOpen, conns                                                         atomic.Int64
}

type socketCounters struct {
	packetsRecv, packetsSent, bytesRecv, bytesSent, writeErrors atomic.Uint64
	reads, writes                                               atomic.Uint64
}
