package transport

import (
	"encoding/binary"
	"time"

	kcp "github.com/xtaci/kcp-go/v5"
)

// A KCP engine costs about 18 KiB however little it holds (three segment rings sized for
// a 32-segment window, its flush buffer), which made it most of an idle connection's
// memory. A reliable channel therefore frees its engine once the engine is empty and
// has been unused for engineIdle, and makes a new one on next use. A channel used only
// now and then (a client outside rooms asking something every few seconds) frees it
// sooner: when a message comes engineIdle or more after the one before, and no other
// follows, the engine goes as soon as it is empty, engineSettle after the message.
//
// kcp-go cannot set a new engine's sequence numbers, so the channel keeps the old
// engine's place on the wire instead: a new engine numbers its segments from 0, and
// sndBase and rcvBase (the old engine's snd_nxt and rcv_nxt) are added to the sequence
// numbers it writes and taken from those it reads. The peer sees one unbroken KCP
// stream. An empty engine is fully described by those two numbers, except for soft
// state a new engine learns again: its RTT estimate (a loss before the first new RTT
// sample waits for KCP's initial RTO, 200 ms) and the peer's window (32 segments until
// the peer's first segment).
const (
	engineIdle   = 2 * time.Second
	engineSettle = 250 * time.Millisecond
)

// Offsets in a KCP segment header (see channel.go).
const (
	kcpOffFrg = 5
	kcpOffSN  = 12
	kcpOffUna = 16
	kcpOffLen = 20
	kcpCmdAck = 82
)

// fromWire notes the KCP segments in b, read from the peer, and rewrites their
// sequence numbers from the wire's numbering to the current engine's, in place. It
// returns the offset in b of the first PUSH segment (data), or -1 if there is none.
func (rc *reliableChannel) fromWire(b []byte, now int64) (firstPush int) {
	shift := rc.sndBase|rc.rcvBase != 0
	firstPush = -1
	for off := 0; len(b) >= kcpOverhead; {
		sn := binary.LittleEndian.Uint32(b[kcpOffSN:])
		switch b[4] {
		case kcpCmdPush:
			if firstPush < 0 {
				firstPush = off
			}
			if int32(sn+1-rc.rcvHigh) > 0 {
				rc.rcvHigh, rc.rcvHighFrg = sn+1, b[kcpOffFrg]
				if b[kcpOffFrg] == 0 { // a message's last segment: one use per message
					rc.use(now)
				}
			}
			sn -= rc.rcvBase
		case kcpCmdAck:
			sn -= rc.sndBase
		}
		if shift {
			binary.LittleEndian.PutUint32(b[kcpOffSN:], sn)
			una := binary.LittleEndian.Uint32(b[kcpOffUna:])
			binary.LittleEndian.PutUint32(b[kcpOffUna:], una-rc.sndBase)
		}
		n := binary.LittleEndian.Uint32(b[kcpOffLen:])
		if n > uint32(len(b)-kcpOverhead) { // unsigned: a hostile length cannot wrap int
			return firstPush
		}
		b = b[kcpOverhead+int(n):]
		off += kcpOverhead + int(n)
	}
	return firstPush
}

// use records a message sent or new data received at now.
func (rc *reliableChannel) use(now int64) {
	rc.busy = now-rc.lastUse < int64(engineIdle)
	rc.lastUse = now
}

// toWire rewrites the sequence numbers of the KCP segments the engine wrote in b to the
// wire's numbering, in place (kcp-go encodes every flush afresh), and notes the engine's
// rcv_nxt, which every segment carries as una.
func (rc *reliableChannel) toWire(b []byte) {
	for len(b) >= kcpOverhead {
		una := binary.LittleEndian.Uint32(b[kcpOffUna:]) + rc.rcvBase
		rc.rcvNext = una
		if rc.sndBase|rc.rcvBase != 0 {
			binary.LittleEndian.PutUint32(b[kcpOffUna:], una)
			sn := binary.LittleEndian.Uint32(b[kcpOffSN:])
			switch b[4] {
			case kcpCmdPush:
				binary.LittleEndian.PutUint32(b[kcpOffSN:], sn+rc.sndBase)
			case kcpCmdAck:
				binary.LittleEndian.PutUint32(b[kcpOffSN:], sn+rc.rcvBase)
			}
		}
		n := binary.LittleEndian.Uint32(b[kcpOffLen:])
		if n > uint32(len(b)-kcpOverhead) { // unsigned: a hostile length cannot wrap int
			return
		}
		b = b[kcpOverhead+int(n):]
	}
}

// release frees the engine if it is empty and reports whether it did. Empty means: every
// message sent is acknowledged, every segment the peer sent that the engine took in
// has been read out as whole messages (none waits out of order or for room), and no
// acknowledgement is owed.
func (rc *reliableChannel) release() bool {
	if len(rc.pending) > 0 || rc.inputDirty || rc.sendDirty || rc.kcp.WaitSnd() > 0 ||
		rc.firstTx != rc.submitted || rc.kcp.PeekSize() >= 0 {
		return false
	}
	// Flush the acknowledgements and window answers the engine may still owe.
	kcpFlush(rc.kcp, kcp.IKCP_FLUSH_ACKONLY)
	rc.ackDue = 0
	// rcvNext is the engine's rcv_nxt as of that flush. Every segment taken in is below
	// rcvHigh, and the rcv_queue ends on a message's last fragment, so with PeekSize < 0
	// it is empty.
	if rc.rcvHigh != rc.rcvNext || rc.rcvHighFrg != 0 {
		return false
	}
	rc.sndBase, rc.rcvBase = rc.submitted, rc.rcvNext
	rc.kcp = nil
	rc.windowShut, rc.windowToTell = false, false // that flush told the peer
	return true
}

// armRelease makes sure the connection's timer will look for idle engines (called when
// an engine is created).
func (c *Conn) armRelease() {
	if c.releaseDue != never {
		return
	}
	c.releaseDue = c.w.now + int64(engineSettle)
	if c.releaseDue < c.deadline || c.heapIdx < 0 {
		c.reschedule()
	}
}

// releaseEngines frees the engines that are empty and unused for long enough, and sets
// when to look again (timer).
func (c *Conn) releaseEngines() {
	due := never
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || rc.kcp == nil {
			continue
		}
		wait := int64(engineSettle)
		if rc.busy {
			wait = int64(engineIdle)
		}
		at := rc.lastUse + wait
		if at <= c.w.now {
			if rc.release() {
				continue
			}
			at = c.w.now + wait
		}
		due = min(due, at)
	}
	c.releaseDue = due
}
