package transport

import (
	"encoding/binary"
	"time"
)

// A KCP engine costs about 18 KiB however little it holds (three segment rings sized for
// a 32-segment window, its flush buffer), which made it most of an idle connection's
// memory. A reliable channel therefore frees its engine once the engine has been unused
// for engineIdle with nothing in it, and makes a new one on next use.
//
// kcp-go cannot set a new engine's sequence numbers, so the channel keeps the old
// engine's place on the wire instead: a new engine numbers its segments from 0, and
// sndBase and rcvBase (the old engine's snd_nxt and rcv_nxt) are added to the sequence
// numbers it writes and taken from those it reads. The peer sees one unbroken KCP
// stream. An empty engine is fully described by those two numbers, except for soft
// state a new engine learns again: its RTT estimate (a loss before the first new RTT
// sample waits for KCP's initial RTO, 200 ms) and the peer's window (32 segments until
// the peer's first segment).
const engineIdle = 2 * time.Second

// Offsets in a KCP segment header (see channel.go).
const (
	kcpOffFrg = 5
	kcpOffSN  = 12
	kcpOffUna = 16
	kcpOffLen = 20
	kcpCmdAck = 82
)

// fromWire notes the KCP segments in b, read from the peer, and rewrites their
// sequence numbers from the wire's numbering to the current engine's, in place.
func (rc *reliableChannel) fromWire(b []byte, now int64) {
	rc.lastUse = now
	shift := rc.sndBase|rc.rcvBase != 0
	for len(b) >= kcpOverhead {
		sn := binary.LittleEndian.Uint32(b[kcpOffSN:])
		switch b[4] {
		case kcpCmdPush:
			if int32(sn+1-rc.rcvHigh) > 0 {
				rc.rcvHigh, rc.rcvHighFrg = sn+1, b[kcpOffFrg]
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
		n := int(binary.LittleEndian.Uint32(b[kcpOffLen:]))
		if n > len(b)-kcpOverhead {
			return
		}
		b = b[kcpOverhead+n:]
	}
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
		n := int(binary.LittleEndian.Uint32(b[kcpOffLen:]))
		if n > len(b)-kcpOverhead {
			return
		}
		b = b[kcpOverhead+n:]
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
	// Flush acknowledgements and window answers the engine may still owe. Its last flush
	// was engineIdle ago at least, so Update's interval gate is open.
	rc.kcp.Update()
	// rcvNext is the engine's rcv_nxt as of that flush. Every segment taken in is below
	// rcvHigh, and the rcv_queue ends on a message's last fragment, so with PeekSize < 0
	// it is empty.
	if rc.rcvHigh != rc.rcvNext || rc.rcvHighFrg != 0 {
		return false
	}
	rc.sndBase, rc.rcvBase = rc.submitted, rc.rcvNext
	rc.kcp, rc.updated, rc.tsFlush = nil, false, 0
	return true
}

// armRelease makes sure the connection's timer will look for idle engines (called when
// an engine is created).
func (c *Conn) armRelease() {
	if c.releaseDue != never {
		return
	}
	c.releaseDue = c.w.now + int64(engineIdle)
	if c.releaseDue < c.deadline || c.heapIdx < 0 {
		c.reschedule()
	}
}

// releaseEngines frees the engines unused for engineIdle that are empty, and sets when
// to look again (timer).
func (c *Conn) releaseEngines() {
	due := never
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || rc.kcp == nil {
			continue
		}
		at := rc.lastUse + int64(engineIdle)
		if at <= c.w.now {
			if rc.release() {
				continue
			}
			at = c.w.now + int64(engineIdle)
		}
		due = min(due, at)
	}
	c.releaseDue = due
}
