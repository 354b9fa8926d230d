package transport

import (
	"encoding/binary"
	"net"
	"net/netip"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
	kcp "github.com/xtaci/kcp-go/v5"
)

// handleData processes one DATA datagram for c (worker goroutine). Whatever the datagram
// holds, a bad one is counted and dropped and the connection stays as it was.
func (c *Conn) handleData(b []byte, from netip.AddrPort) {
	if c.state == stateClosed {
		return
	}
	h, _ := parseHeader(b)
	if (h.typ == typePlain) != c.plain || (!c.plain && len(b) < headerLen+tagLen) {
		c.stats.invalid.Add(1)
		return
	}
	largest, has := c.replay.Largest()
	pn := seal.ExpandPN(largest, has, h.pn)
	if !c.replay.Check(pn) {
		c.stats.replayed.Add(1)
		return
	}
	payload := b[headerLen:]
	if !c.plain {
		var err error
		if payload, err = c.recvKey.Open(payload[:0], b[:headerLen], pn, payload); err != nil {
			c.stats.authFailed.Add(1)
			return
		}
	}
	c.replay.Accept(pn)
	c.countLoss(pn, largest, has)
	if c.state == stateDraining {
		c.answerClose()
		return
	}
	c.accepted(b, from, !has || pn > largest, payload)
}

// accepted handles an authenticated, fresh packet.
func (c *Conn) accepted(b []byte, from netip.AddrPort, newest bool, payload []byte) {
	w := c.w
	if !c.rate.allow(w.now, len(b)) {
		c.stats.rateDropped.Add(1)
		if c.rate.abusive(w.now, int64(rateLimitGrace)) {
			c.closeWith(&CloseError{Code: CodeRateLimited, Reason: "receive rate limit exceeded"}, true)
		}
		return
	}
	c.lastRecv = w.now
	c.stats.packetsRecv.Add(1)
	c.stats.bytesRecv.Add(uint64(len(b)))
	if c.firstData != nil && !c.firstSeen {
		c.firstSeen = true
		close(c.firstData)
	}
	c.notePath(from, newest, len(b))
	if err := c.validateFrames(payload); err != nil {
		c.stats.invalid.Add(1)
		return
	}
	c.processFrames(payload, from)
	c.afterInput()
}

// countLoss estimates the peer's lost packets from gaps in packet numbers: a gap counts
// as lost until the missing packet turns up.
func (c *Conn) countLoss(pn, largest uint64, has bool) {
	switch {
	case !has:
		if pn > 0 {
			c.stats.lost.Add(pn)
		}
	case pn > largest+1:
		c.stats.lost.Add(pn - largest - 1)
	case pn < largest:
		c.stats.lost.Add(^uint64(0)) // a late packet fills a gap
	}
}

// notePath follows a client to a new address (relay side). Only the newest packet moves
// the path, and the new one is unvalidated until it answers a challenge.
func (c *Conn) notePath(from netip.AddrPort, newest bool, n int) {
	if from == c.peer {
		if !c.pathValid {
			c.pathRecv += n
		}
		return
	}
	if c.client || !newest {
		return
	}
	c.setPeer(from)
	c.startValidation(n)
	c.p.logger.Debug("transport: client moved", "cid", c.localCID, "to", from)
}

// startValidation treats the current path as unproven, having received n bytes from
// it: until the client answers a challenge from there, the relay sends at most three
// times what it received (relay side).
func (c *Conn) startValidation(n int) {
	c.pathValid = false
	c.pathRecv, c.pathSent = n, 0
	c.challenge = c.w.rng.Uint64() | 1
	c.sendChallenge()
	c.reschedule() // the retry deadline is earlier than any the timer holds
}

// sendChallenge sends the path challenge, a PING, in a packet of its own: small enough
// to fit the amplification budget whatever else is queued. It is repeated every
// challengeRetry until answered.
func (c *Conn) sendChallenge() {
	c.finishPacket()
	c.sendPing(c.challenge)
	c.finishPacket()
}

// challengeRetry is how often an unanswered path challenge is repeated.
const challengeRetry = 250 * time.Millisecond

func (c *Conn) setPeer(a netip.AddrPort) {
	c.peer = a
	ua := net.UDPAddrFromAddrPort(a)
	var na net.Addr = ua
	c.peerNet = ua
	c.stats.peer.Store(&na)
}

// validateFrames checks a whole packet before anything in it takes effect.
func (c *Conn) validateFrames(b []byte) error {
	for len(b) > 0 {
		f, rest, err := nextFrame(b)
		if err != nil {
			return err
		}
		if err := c.checkFrame(&f); err != nil {
			return err
		}
		b = rest
	}
	return nil
}

func (c *Conn) checkFrame(f *frame) error {
	var want Mode
	switch f.typ {
	case frameReliable, frameEager:
		want = ReliableOrdered
	case frameUnreliable:
		want = Unreliable
	case frameSequenced:
		want = UnreliableSequenced
	case frameFragment:
		if int(f.ch) < len(c.modes) && c.modes[f.ch] != ReliableOrdered {
			return nil
		}
		return errMalformed
	case frameNewToken:
		if !c.client {
			return errMalformed
		}
		return nil
	default:
		return nil
	}
	if int(f.ch) >= len(c.modes) || c.modes[f.ch] != want {
		return errMalformed
	}
	return nil
}

func (c *Conn) processFrames(b []byte, from netip.AddrPort) {
	for len(b) > 0 {
		f, rest, _ := nextFrame(b)
		b = rest
		switch f.typ {
		case framePing:
			c.pongs = append(c.pongs, pongReq{id: f.id, at: c.w.now})
			c.w.markDirty(c)
		case framePong:
			c.onPong(&f, from)
		case frameClose:
			c.closeRemote(CloseCode(f.delay), string(f.data))
			return
		case frameNewToken:
			c.cl.token = append(c.cl.token[:0], f.data...)
		case frameReliable:
			push := c.reliable(f.ch).fromWire(f.data, c.w.now)
			c.inputKCP(f.ch, f.data, push)
		case frameEager:
			c.onEager(&f)
		case frameUnreliable:
			c.deliver(int(f.ch), f.data, false)
		case frameSequenced:
			c.onSequenced(f.ch, uint16(f.seq), f.data)
		case frameFragment:
			c.onFragment(&f)
		}
		if c.state != stateOpen {
			return
		}
	}
}

func (c *Conn) onPong(f *frame, from netip.AddrPort) {
	now := c.w.now
	if f.id == c.challenge && from == c.peer && !c.pathValid {
		c.pathValid, c.challenge = true, 0
		if c.tokenOnValid {
			c.tokenOnValid = false
			c.sendNewToken() // again, now that nothing caps what this path may get
		}
	}
	if f.id == c.pingID && c.pingID != 0 {
		held := time.Duration(min(f.delay, uint64(time.Hour/time.Microsecond))) * time.Microsecond
		c.rtt.sample(time.Duration(now-c.pingSent)-held, &c.stats)
		c.pingID, c.rttAt = 0, now
	}
}

func (c *Conn) onSequenced(ch uint8, seq uint16, data []byte) {
	st := &c.chans[ch]
	if st.seq.newer(seq) && c.deliver(int(ch), data, false) {
		st.seq.delivered(seq)
	}
}

func (c *Conn) onFragment(f *frame) {
	st := &c.chans[f.ch]
	if st.reasm == nil {
		st.reasm = &reassembly{}
	}
	msg := st.reasm.add(f, c.w.now, &c.partialLeft)
	if msg == nil {
		return
	}
	if st.mode == UnreliableSequenced {
		c.onSequenced(f.ch, uint16(f.seq), msg)
		return
	}
	c.deliver(int(f.ch), msg, false)
}

// onEager delivers the first copy of a reliable message if it is the next one due.
// Anything else is dropped: the KCP copy will bring it in order.
func (c *Conn) onEager(f *frame) {
	rc := c.reliable(f.ch)
	if f.seq != rc.deliverSeq || !c.roomToDeliver() {
		return
	}
	rc.deliverSeq++
	c.deliver(int(f.ch), f.data, true)
}

// inputKCP feeds KCP segments to a channel's engine; push is the offset of the first
// PUSH segment in data, or -1 (fromWire finds it while it rebases). The engine holds the
// acknowledgements of new data (Input without ackNoDelay) for up to ackHold: they leave
// with the engine's next flush, which a send on the channel or an acknowledgement from the
// peer runs at once, or alone at ackDue (updateEngines). In a game's traffic most ride
// on a message going back; in any case a burst of segments costs one acknowledgement
// packet instead of one each. kcp-go's RTO allows for the hold (kcpInterval, doc.go).
//
// kcp-go flushes inside Input when an acknowledgement advances its send window (una),
// and that flush would send the acknowledgement of data in the same input at once, in a
// packet of its own: the peer's segments usually carry both, acknowledgements first. So
// the segments before the first PUSH go in first, and the PUSH segments (whose una the
// first part already took) after that flush.
func (c *Conn) inputKCP(ch uint8, data []byte, push int) {
	rc := c.engine(ch)
	if push < 0 {
		c.input(rc, data)
		return
	}
	if push > 0 {
		c.input(rc, data[:push])
	}
	if rc.ackDue == 0 {
		// Before Input: a flush inside Input sends the acknowledgement and clears it.
		rc.ackDue = c.w.now + int64(ackHold)
	}
	c.input(rc, data[push:])
}

func (c *Conn) input(rc *reliableChannel, data []byte) {
	if rc.kcp.Input(data, kcp.IKCP_PACKET_REGULAR, false) < 0 {
		c.stats.invalid.Add(1)
	}
	rc.inputDirty = true
}

// afterInput drains what KCP reassembled, releases acknowledged messages and
// reschedules retransmissions, for each channel that got input.
func (c *Conn) afterInput() {
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || !rc.inputDirty || c.state != stateOpen {
			continue
		}
		rc.inputDirty = false
		c.drainKCP(rc)
		if c.state != stateOpen { // a bad message closed the connection and freed the engines
			return
		}
		c.ackedProgress(rc)
	}
}

// ackedProgress releases acknowledged messages and keeps the queue accounting right.
func (c *Conn) ackedProgress(rc *reliableChannel) {
	if freed := rc.releaseAcked(); freed > 0 {
		c.queuedBytes.Add(-int64(freed))
	}
	rc.notOnWire()
	c.stats.retrans.Store(c.retransTotal())
	c.scheduleKCP()
	c.checkDrained()
}

func (c *Conn) retransTotal() (n uint64) {
	for i := range c.chans {
		if rc := c.chans[i].rel; rc != nil {
			n += rc.retrans
		}
	}
	return n
}

// drainKCP delivers the messages KCP has reassembled, in order, while there is room.
func (c *Conn) drainKCP(rc *reliableChannel) {
	defer c.tellWindow(rc)
	for c.state == stateOpen {
		n := rc.kcp.PeekSize()
		if n < 0 {
			return
		}
		if !c.roomToDeliver() {
			rc.windowShut = true
			c.waitForRoom()
			return
		}
		if n > len(c.w.recvBuf) || n < reliablePrefix || n-reliablePrefix > c.p.maxMessage {
			c.closeWith(&CloseError{Code: CodeProtocol, Reason: "reliable message larger than negotiated"}, true)
			return
		}
		buf := c.w.recvBuf[:n]
		rc.kcp.Recv(buf)
		if rc.windowShut { // the peer may have seen the window shut: tell it it is open
			rc.windowShut, rc.windowToTell = false, true
		}
		seq := binary.BigEndian.Uint32(buf)
		if int32(seq-rc.deliverSeq) < 0 {
			continue // already delivered by an EAGER copy
		}
		if seq != rc.deliverSeq {
			c.closeWith(&CloseError{Code: CodeProtocol, Reason: "reliable message out of sequence"}, true)
			return
		}
		rc.deliverSeq++
		c.deliver(int(rc.id), buf[reliablePrefix:], true)
	}
}

// tellWindow flushes an engine whose window reopened (windowToTell), so that the peer,
// which may have stopped sending at a shut window, hears at once that it is open: kcp-go
// only queues that news (a WINS segment) for its next flush, and an engine with nothing
// of its own in flight would not flush until the peer's window probe, 7 s later. The
// flush also sends the acknowledgements the engine holds.
func (c *Conn) tellWindow(rc *reliableChannel) {
	if !rc.windowToTell || c.state != stateOpen || rc.kcp == nil {
		return
	}
	rc.windowToTell = false
	kcpFlush(rc.kcp, kcp.IKCP_FLUSH_ACKONLY)
}

// roomToDeliver reports whether a message can be delivered now: always with a Handler,
// while the receive queue has room otherwise.
func (c *Conn) roomToDeliver() bool {
	return c.recvCh == nil || len(c.recvCh) < cap(c.recvCh)
}

// waitForRoom asks Receive to wake the worker once it has taken a message.
func (c *Conn) waitForRoom() {
	c.sendMu.Lock()
	c.recvBlock = true
	c.sendMu.Unlock()
	if c.roomToDeliver() { // Receive took one in between: wake ourselves
		c.afterReceive()
	}
}

// deliver hands one message to the Handler or the receive queue. It reports false when
// the queue was full and the message was dropped (only unreliable messages get there).
func (c *Conn) deliver(ch int, msg []byte, reliable bool) bool {
	if h := c.p.handler; h != nil {
		c.announce() // the Handler hears of a connection before its first message
		c.w.inHandler.Store(true)
		h.Message(c, ch, msg)
		c.w.inHandler.Store(false)
		return true
	}
	select {
	case c.recvCh <- Message{Channel: ch, Data: append([]byte(nil), msg...)}:
		return true
	default:
		if !reliable {
			c.stats.recvDropped.Add(1)
		}
		return false
	}
}

// reliable returns channel ch's reliable state, creating it (without its KCP engine).
func (c *Conn) reliable(ch uint8) *reliableChannel {
	st := &c.chans[ch]
	if st.rel == nil {
		st.rel = &reliableChannel{id: ch}
	}
	return st.rel
}

// engine returns channel ch's reliable state with its KCP engine, creating both on
// first use: a connection pays for an engine (about 18 KiB) only on channels it uses,
// and only while it uses them (releaseEngines).
func (c *Conn) engine(ch uint8) *reliableChannel {
	rc := c.reliable(ch)
	if rc.kcp == nil {
		c.armRelease()
		rc.kcp = kcp.NewKCP(uint32(ch), func(buf []byte, size int) { c.kcpOutput(rc, buf[:size]) })
		rc.kcp.SetMtu(kcpMTU(c.p.mtu))
		rc.kcp.NoDelay(1, kcpInterval, 2, 1)
		rc.kcp.WndSize(kcpWindow, kcpWindow)
	}
	return rc
}

// announce tells the Handler of a new relay connection, once: from the job the listener
// queues when the handshake or resume is done, or from the connection's first message
// if that comes first (worker).
func (c *Conn) announce() {
	h := c.p.handler
	if c.announced || h == nil || c.state != stateOpen {
		return
	}
	c.announced = true
	c.w.inHandler.Store(true)
	h.Connected(c)
	c.w.inHandler.Store(false)
}
