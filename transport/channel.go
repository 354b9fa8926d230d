package transport

import (
	"encoding/binary"

	kcp "github.com/xtaci/kcp-go/v5"
)

// KCP segment layout (kcp-go, little-endian): conv u32 | cmd u8 | frg u8 | wnd u16 |
// ts u32 | sn u32 | una u32 | len u32 | data.
const (
	kcpOverhead = 24
	kcpCmdPush  = 81
)

// reliablePrefix is the message sequence number written before every reliable message
// inside KCP; the receiver uses it to drop the KCP copy of a message an EAGER frame
// already delivered.
const reliablePrefix = 4

// kcpMTU is the size handed to KCP as its MTU: a whole RELIABLE frame must fit into
// one packet next to the header and tag.
func kcpMTU(mtu int) int { return mtu - headerLen - tagLen - 4 }

func kcpMSS(mtu int) int { return kcpMTU(mtu) - kcpOverhead }

// pendingMsg is a reliable message inside the KCP engine, not yet acknowledged.
type pendingMsg struct {
	seq   uint32
	segs  uint32
	bytes int
	data  *[]byte // kept until the message is on the wire (for an EAGER copy), then released
}

// reliableChannel is one reliable-ordered channel: a KCP engine plus the bookkeeping
// for prompt sending, queue limits and statistics. Owned by the connection's worker.
//
// Segment counters are absolute KCP sequence numbers as on the wire (the first engine
// numbers segments from 0) and compare with serial arithmetic, so they survive wrapping.
type reliableChannel struct {
	id  uint8
	kcp *kcp.KCP // created on first use, freed when idle (engine_release.go)

	// The engine's place on the wire: sequence numbers on the wire are the engine's plus
	// sndBase (segments it sends) or rcvBase (segments it receives).
	sndBase, rcvBase uint32
	rcvHigh          uint32 // one past the highest sn of a PUSH from the peer (wire)
	rcvHighFrg       uint8  // that segment's frg
	rcvNext          uint32 // the engine's rcv_nxt as of its last output (wire)
	lastUse          int64  // worker clock of the last message sent or received (its last segment)
	busy             bool   // the one before came less than engineIdle earlier

	// send side
	nextSeq   uint32       // message sequence number of the next message
	submitted uint32       // segments handed to KCP's Send
	firstTx   uint32       // segments transmitted at least once (highest sn + 1)
	base      uint32       // first segment of pending[0]
	onWire    uint32       // messages with seq < onWire were transmitted or sent EAGER
	pending   []pendingMsg // in seq order; the front is the oldest unacknowledged
	retrans   uint64       // retransmitted segments

	// receive side
	deliverSeq uint32 // the next message sequence number to deliver
	inputDirty bool   // segments were input since Recv was last drained
	sendDirty  bool   // messages were queued since the engine was last driven (kickEngines)

	// flushDue (worker clock) is when the timer next flushes an engine with data in
	// flight (retransmissions, window probes): kcpTick after its last full flush, or
	// sooner when kcp-go reported a retransmission due earlier. ackDue, when not zero, is
	// when acknowledgements held since input carried new data must go out alone (ackHold).
	flushDue, ackDue int64

	// windowShut: the application's queue filled while the engine held messages, so the
	// engine's receive window may have shut and the peer stopped sending. windowToTell:
	// it has reopened since and the engine must flush to say so (tellWindow).
	windowShut, windowToTell bool
}

// segments is how many KCP segments a message of n bytes (prefix included) takes,
// as kcp-go's Send counts them.
func segments(n, mss int) uint32 {
	if n <= mss {
		return 1
	}
	return uint32((n + mss - 1) / mss)
}

// observeOutput scans KCP output for PUSH segments (a new sn is a first transmission,
// an old one a retransmission) and ACK segments: kcp-go's flush writes its whole list of
// acknowledgements at once, so an ACK in the output means none is held any more.
func (rc *reliableChannel) observeOutput(b []byte) {
	for len(b) >= kcpOverhead {
		n := int(binary.LittleEndian.Uint32(b[20:]))
		if b[4] == kcpCmdAck {
			rc.ackDue = 0
		}
		if b[4] == kcpCmdPush {
			sn := binary.LittleEndian.Uint32(b[12:])
			if int32(sn-rc.firstTx) >= 0 {
				rc.firstTx = sn + 1
			} else {
				rc.retrans++
			}
		}
		if n > len(b)-kcpOverhead {
			return
		}
		b = b[kcpOverhead+n:]
	}
}

// notOnWire returns the index in pending of the first message that has neither been
// transmitted whole by KCP nor sent EAGER, advancing onWire past the ones that have.
func (rc *reliableChannel) notOnWire() int {
	end := rc.base
	for i := range rc.pending {
		m := &rc.pending[i]
		end += m.segs
		if int32(m.seq-rc.onWire) < 0 {
			continue
		}
		if int32(end-rc.firstTx) > 0 {
			return i
		}
		rc.onWire = m.seq + 1
		putBuf(m.data)
		m.data = nil
	}
	return len(rc.pending)
}

// releaseAcked drops acknowledged messages from the front of pending and returns the
// bytes they held. KCP removes segments only from the front (cumulative una), so
// submitted - WaitSnd is the first unacknowledged segment.
func (rc *reliableChannel) releaseAcked() (freed int) {
	una := rc.submitted - uint32(rc.kcp.WaitSnd())
	i := 0
	for ; i < len(rc.pending); i++ {
		m := &rc.pending[i]
		if int32(una-(rc.base+m.segs)) < 0 {
			break
		}
		rc.base += m.segs
		freed += m.bytes
	}
	if i > 0 {
		n := copy(rc.pending, rc.pending[i:])
		clear(rc.pending[n:])
		rc.pending = rc.pending[:n]
	}
	return freed
}

// sequenced tracks an unreliable-sequenced channel: latest wins.
type sequenced struct {
	sendSeq uint16
	newest  uint16
	has     bool
}

// newer reports whether seq is newer than the newest delivered (RFC 1982 on 16 bits).
func (s *sequenced) newer(seq uint16) bool {
	return !s.has || int16(seq-s.newest) > 0
}

func (s *sequenced) delivered(seq uint16) {
	s.newest, s.has = seq, true
}

// partial is an unreliable message being reassembled from FRAGMENT frames.
type partial struct {
	seq      uint16
	count    uint8
	got      uint16 // bitmap of received fragments
	parts    [maxFragments][]byte
	size     int
	deadline int64 // worker clock, nanoseconds
}

// reassembly holds the partial messages of one unreliable channel.
type reassembly struct {
	partials []*partial
}

// add stores one fragment and returns the whole message once every fragment is there.
// The caller bounds memory across channels with partialBytes.
func (r *reassembly) add(f *frame, now int64, budget *int) []byte {
	r.expire(now, budget)
	p := r.find(uint16(f.seq), f.count)
	if p == nil {
		if len(r.partials) >= maxPartialPerChannel {
			r.drop(0, budget)
		}
		p = &partial{seq: uint16(f.seq), count: f.count, deadline: now + int64(fragmentTimeout)}
		r.partials = append(r.partials, p)
	}
	if p.count != f.count || p.got&(1<<f.index) != 0 {
		return nil
	}
	if len(f.data) > *budget {
		r.drop(r.index(p), budget)
		return nil
	}
	p.parts[f.index] = append([]byte(nil), f.data...)
	p.got |= 1 << f.index
	p.size += len(f.data)
	*budget -= len(f.data)
	if p.got != 1<<p.count-1 {
		return nil
	}
	msg := make([]byte, 0, p.size)
	for _, part := range p.parts[:p.count] {
		msg = append(msg, part...)
	}
	r.drop(r.index(p), budget)
	return msg
}

func (r *reassembly) find(seq uint16, count uint8) *partial {
	for _, p := range r.partials {
		if p.seq == seq {
			return p
		}
	}
	return nil
}

func (r *reassembly) index(p *partial) int {
	for i, q := range r.partials {
		if q == p {
			return i
		}
	}
	return -1
}

func (r *reassembly) drop(i int, budget *int) {
	*budget += r.partials[i].size
	r.partials = append(r.partials[:i], r.partials[i+1:]...)
}

func (r *reassembly) expire(now int64, budget *int) {
	for i := 0; i < len(r.partials); {
		if r.partials[i].deadline <= now {
			r.drop(i, budget)
			continue
		}
		i++
	}
}
