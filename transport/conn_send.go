package transport

import (
	"encoding/binary"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
	kcp "github.com/xtaci/kcp-go/v5"
)

// handleQueue takes what Send, Close, Shutdown and Receive left for the worker.
func (c *Conn) handleQueue() {
	c.sendMu.Lock()
	rel, unrel := c.relQ, c.unrelQ
	c.relQ, c.unrelQ = nil, nil
	closeReq := c.closeReq
	c.onReady = false
	c.sendMu.Unlock()
	if c.state != stateOpen {
		releaseMsgs(rel)
		releaseMsgs(unrel)
		return
	}
	for _, m := range rel {
		c.sendReliable(m)
	}
	for _, m := range unrel {
		c.sendUnreliable(m)
	}
	c.kickEngines()
	for i := range c.chans {
		if rc := c.chans[i].rel; rc != nil && rc.kcp != nil {
			c.drainKCP(rc) // Receive may have made room
		}
	}
	if closeReq != nil && c.state == stateOpen {
		c.closeWith(closeReq, true)
		return
	}
	c.checkDrained()
}

func releaseMsgs(ms []outMsg) {
	for _, m := range ms {
		putBuf(m.buf)
	}
}

// sendReliable hands one message to its channel's KCP engine. The message keeps its
// buffer until it is on the wire, so that an EAGER copy can be sent.
func (c *Conn) sendReliable(m outMsg) {
	rc := c.engine(m.ch)
	rc.use(c.w.now)
	buf := *m.buf
	binary.BigEndian.PutUint32(buf, rc.nextSeq)
	if rc.kcp.Send(buf) < 0 { // cannot happen: Send checked the size
		c.queuedBytes.Add(-int64(len(buf) - reliablePrefix))
		putBuf(m.buf)
		return
	}
	segs := segments(len(buf), kcpMSS(c.p.mtu))
	rc.pending = append(rc.pending, pendingMsg{seq: rc.nextSeq, segs: segs, bytes: len(buf) - reliablePrefix, data: m.buf})
	rc.nextSeq++
	rc.submitted += segs
	rc.sendDirty = true
}

// kickEngines drives every channel that got new messages: it flushes the engine at
// once (kcpFlush), so that the messages leave in this round's packet, with whatever
// acknowledgements the engine holds.
//
// kcp-go's exported API sends new data only from Update, at most once per interval
// since its last flush. Before kcpFlush the transport called Update and, for a message
// the gate held back, sent an EAGER copy at once, which KCP's own copy followed on its
// next tick. BenchmarkRTT still measures those ways (driveMode); see doc.go.
func (c *Conn) kickEngines() {
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || !rc.sendDirty {
			continue
		}
		rc.sendDirty = false
		switch kcpDrive {
		case driveFlush:
			c.flushEngine(rc)
			continue
		case driveEager:
			rc.kcp.Update()
			c.sendEager(rc)
		case driveUpdate:
			rc.kcp.Update()
		case driveTick: // the engine's timer flushes it (scheduleKCP)
		}
		if rc.flushDue <= c.w.now {
			rc.flushDue = c.w.now + int64(kcpTick)
		}
	}
	c.scheduleKCP()
}

// flushEngine runs a full flush of rc's engine: acknowledgements, window news, new data
// within the window, and every retransmission due. The next one is due kcpTick later,
// or sooner if kcp-go reports a retransmission timer expiring before that.
func (c *Conn) flushEngine(rc *reliableChannel) {
	next := time.Duration(kcpFlush(rc.kcp, kcp.IKCP_FLUSH_FULL)) * time.Millisecond
	rc.flushDue = c.w.now + int64(max(min(next, kcpTick), time.Millisecond))
	rc.notOnWire()
}

// How the transport drives KCP after a Send. Production always uses driveFlush; the
// others exist so that BenchmarkRTT can measure what each costs, and driveEager is what
// the transport did before it called kcp-go's flush (kcpflush.go). Whatever the mode,
// the timer drives engines with data in flight by kcpFlush (updateEngines).
type driveMode uint8

const (
	driveFlush  driveMode = iota // flush at once
	driveEager                   // Update at once, EAGER copy for what the gate holds back
	driveUpdate                  // Update at once only
	driveTick                    // nothing after Send: wait for the engine's timer tick
)

// kcpDrive is set only by tests and benchmarks, before any connection exists.
var kcpDrive = driveFlush

func (c *Conn) sendEager(rc *reliableChannel) {
	for i := rc.notOnWire(); i < len(rc.pending); i++ {
		m := &rc.pending[i]
		data := (*m.data)[reliablePrefix:]
		n := eagerFrameLen(len(data))
		if n > c.p.maxPlaintext {
			return // too big for one packet: KCP sends it on its next flush
		}
		c.room(n)
		c.pkt = appendEager(c.pkt, rc.id, m.seq, data)
		rc.onWire = m.seq + 1
		putBuf(m.data)
		m.data = nil
	}
}

// kcpOutput is a KCP engine's output callback: it wraps the segments in a RELIABLE frame.
func (c *Conn) kcpOutput(rc *reliableChannel, b []byte) {
	rc.toWire(b)
	rc.observeOutput(b)
	if c.state != stateOpen {
		return
	}
	c.room(channelFrameLen(len(b)))
	c.pkt = appendChannelFrame(c.pkt, frameReliable, rc.id, b)
}

// sendUnreliable frames one unreliable or sequenced message, in fragments when it does
// not fit in one packet.
func (c *Conn) sendUnreliable(m outMsg) {
	defer putBuf(m.buf)
	data := (*m.buf)[reliablePrefix:]
	st := &c.chans[m.ch]
	if st.mode == UnreliableSequenced {
		seq := st.seq.sendSeq
		st.seq.sendSeq++
		if n := sequencedFrameLen(len(data)); n <= c.p.maxPlaintext {
			c.room(n)
			c.pkt = appendSequenced(c.pkt, m.ch, seq, data)
			return
		}
		c.sendFragments(m.ch, seq, data)
		return
	}
	if n := channelFrameLen(len(data)); n <= c.p.maxPlaintext {
		c.room(n)
		c.pkt = appendChannelFrame(c.pkt, frameUnreliable, m.ch, data)
		return
	}
	st.fragSeq++
	c.sendFragments(m.ch, st.fragSeq, data)
}

func (c *Conn) sendFragments(ch uint8, seq uint16, data []byte) {
	size := fragmentPayload(c.p.maxPlaintext)
	count := (len(data) + size - 1) / size
	for i := range count {
		part := data[i*size : min(len(data), (i+1)*size)]
		c.room(fragmentFrameLen(len(part)))
		c.pkt = appendFragment(c.pkt, ch, seq, uint8(i), uint8(count), part)
	}
}

// fragmentPayload is the data one FRAGMENT frame carries in a packet of its own.
func fragmentPayload(maxPlaintext int) int {
	return maxPlaintext - fragmentFrameLen(0) - 1
}

func (c *Conn) sendPing(id uint64) {
	c.room(pingFrameLen)
	c.pkt = appendPing(c.pkt, id)
	c.pingID, c.pingSent = id, c.w.now
}

// room makes sure the packet being built has n more bytes free, sealing the current
// one first if not. The caller then appends its frame to c.pkt.
func (c *Conn) room(n int) {
	if c.pkt != nil && len(c.pkt)+n > headerLen+c.p.maxPlaintext {
		c.finishPacket()
	}
	if c.pkt == nil {
		c.pktBuf = getBuf(c.p.mtu + tagLen)
		c.pkt = (*c.pktBuf)[:headerLen]
	}
	c.w.markDirty(c)
}

// flush finishes the connection's output for this round (worker, once per round).
func (c *Conn) flush() {
	// dirty stays set until the end: frames added below must not put c on the worker's
	// dirty list a second time while the worker walks it.
	defer func() { c.dirty = false }()
	for _, p := range c.pongs {
		c.room(pongFrameMax)
		c.pkt = appendPong(c.pkt, p.id, uint64(time.Duration(c.w.now-p.at)/time.Microsecond))
	}
	c.pongs = c.pongs[:0]
	// A PING unanswered for a keepalive period was lost; it no longer blocks a new one.
	pingOut := c.pingID != 0 && c.w.now-c.pingSent < int64(c.p.keepAlive)
	age := rttSampleAge
	if !c.client {
		age = relayRTTSampleAge
	}
	if c.pkt != nil && c.state == stateOpen && !pingOut && c.w.now-c.rttAt > int64(age) &&
		len(c.pkt)+pingFrameLen <= headerLen+c.p.maxPlaintext {
		c.sendPing(c.w.rng.Uint64() | 1) // piggyback an RTT sample on traffic
	}
	if c.pkt != nil && c.tokenWanted && c.state == stateOpen {
		c.carryToken()
	}
	if c.pkt != nil {
		c.finishPacket()
	}
}

// carryToken adds the due NEW_TOKEN to the packet being built, if it fits.
func (c *Conn) carryToken() {
	l := c.w.l
	t := l.tokenFor(c)
	body := t.append(nil)
	size := len(body) + seal.TokenOverhead
	if len(c.pkt)+1+varintLen(size)+size > headerLen+c.p.maxPlaintext {
		return // a later packet, or tokenCarryWait
	}
	tok, err := l.tokenKey.Seal(nil, body)
	if err != nil {
		return
	}
	c.pkt = appendNewToken(c.pkt, tok)
	c.tokenWanted = false
	c.tokenDue = c.w.now + int64(c.w.l.cfg.ResumeLifetime/3)
}

const rttSampleAge = 5 * time.Second

// relayRTTSampleAge is rttSampleAge on the relay, where RTT is only a statistic: each
// PING the relay piggybacks costs an idle client a packet of its own for the PONG.
const relayRTTSampleAge = 30 * time.Second

// finishPacket seals the packet being built and queues it on the worker.
func (c *Conn) finishPacket() {
	if c.pkt == nil || len(c.pkt) == headerLen {
		return
	}
	if c.client {
		for len(c.pkt)+tagLen < minClientPacket {
			c.pkt = append(c.pkt, framePadding)
		}
	}
	pn := c.sendPN
	c.sendPN++
	typ := byte(typeData)
	if c.plain {
		typ = typePlain
	}
	hdr := appendHeader(c.pkt[:0], typ, c.remoteCID, uint32(pn))
	if !c.plain {
		c.pkt = c.sendKey.Seal(hdr, hdr, pn, c.pkt[headerLen:])
	}
	*c.pktBuf = c.pkt
	buf := c.pktBuf
	c.pkt, c.pktBuf = nil, nil
	c.queueDatagram(buf)
}

// queueDatagram sends a sealed datagram to the peer, within the amplification limit
// while the path is unvalidated.
func (c *Conn) queueDatagram(buf *[]byte) {
	n := len(*buf)
	if !c.pathValid && c.pathSent+n > 3*c.pathRecv {
		putBuf(buf) // reliable data is retransmitted once the path is validated
		return
	}
	c.pathSent += n
	c.lastSend = c.w.now
	c.stats.packetsSent.Add(1)
	c.stats.bytesSent.Add(uint64(n))
	c.w.tx = append(c.w.tx, txMsg{buf: buf, addr: c.peer, net: c.peerNet})
}
