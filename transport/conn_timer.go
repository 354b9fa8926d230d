package transport

import (
	"time"

	kcp "github.com/xtaci/kcp-go/v5"
)

const never = int64(1<<63 - 1)

// reschedule recomputes the connection's next deadline and files it in the worker's
// heap. Deadlines only ever move later through traffic (lastRecv, lastSend), so the
// packet path does not call this: a timer that fires early finds nothing due and
// reschedules.
func (c *Conn) reschedule() {
	d := c.nextDeadline()
	if d == never {
		c.w.timers.remove(c)
		return
	}
	c.deadline = d
	c.w.timers.set(c)
}

func (c *Conn) nextDeadline() int64 {
	if c.state == stateDraining {
		return c.tombUntil
	}
	if c.state == stateClosed {
		return never
	}
	// Each deadline here must be one onTimer acts on in the same state, or the timer
	// fires again at once. Hard deadlines (retransmissions, path challenges, resumes)
	// are kept to the nanosecond; soft ones (liveness, tokens) go on a grid shared by all
	// connections of the worker, so that thousands of idle connections share wake-ups.
	soft := min(c.lastRecv+int64(c.p.idleTimeout), c.releaseDue)
	hard := c.kcpDue
	ka := int64(c.p.keepAlive)
	if c.client {
		if c.cl.resuming {
			hard = min(hard, c.cl.resumeNext, c.cl.resumeUntil)
		} else {
			soft = min(soft, c.lastSend+ka, max(c.lastRecv+ka, c.pingSent+ka))
			if c.p.pathTimeout > 0 && len(c.cl.token) > 0 {
				soft = min(soft, c.lastRecv+int64(c.p.pathTimeout))
			}
		}
	} else {
		soft = min(soft, c.tokenDue)
		if !c.pathValid {
			hard = min(hard, c.pingSent+int64(challengeRetry))
		}
	}
	return min(hard, onGrid(soft))
}

// tokenCarryWait is how long a due NEW_TOKEN waits for a packet to ride on.
const tokenCarryWait = 5 * time.Second

// softGrid is the resolution of soft deadlines.
const softGrid = int64(16 * time.Millisecond)

// onGrid rounds a deadline up to the soft grid.
func onGrid(t int64) int64 {
	if t >= never-softGrid {
		return never
	}
	return (t + softGrid - 1) / softGrid * softGrid
}

// onTimer runs when the connection's deadline passes.
func (c *Conn) onTimer() {
	now := c.w.now
	if c.state == stateDraining {
		if now >= c.tombUntil {
			c.state = stateClosed
			c.w.removeConn(c)
			return
		}
		c.reschedule()
		return
	}
	if now-c.lastRecv >= int64(c.p.idleTimeout) {
		c.closeWith(&CloseError{Code: CodeIdleTimeout, Reason: "idle timeout"}, true)
		return
	}
	if c.rate.abusive(now, int64(rateLimitGrace)) {
		c.closeWith(&CloseError{Code: CodeRateLimited, Reason: "receive rate limit exceeded"}, true)
		return
	}
	if now >= c.kcpDue {
		c.updateEngines()
	}
	if now >= c.releaseDue {
		c.releaseEngines()
	}
	if c.client {
		c.clientTimer(now)
	} else {
		c.relayTimer(now)
	}
	c.reschedule()
}

// relayTimer repeats a path challenge and refreshes the client's resume token.
// The relay never pings a silent client: clients ping whenever they hear nothing for a
// keepalive period (their PONGs carry the relay's own RTT samples and fresh tokens), and
// a client that went silent is gone at the idle timeout whatever the relay sends.
func (c *Conn) relayTimer(now int64) {
	if !c.pathValid && now-c.pingSent >= int64(challengeRetry) {
		c.sendChallenge()
	}
	if now >= c.tokenDue {
		// A fresh token rides on the next packet that goes out anyway (flush); only if
		// none does for tokenCarryWait does it get a packet of its own.
		if !c.tokenWanted {
			c.tokenWanted, c.tokenDue = true, now+int64(tokenCarryWait)
		} else {
			c.sendNewToken()
		}
	}
}

// updateEngines runs KCP's timers: it flushes every engine with data in flight whose
// flushDue has come (retransmissions, window probes; kcp-go's Update is never called,
// its interval gate would hold a due retransmission for up to kcpInterval), and sends
// alone the acknowledgements whose hold is over.
func (c *Conn) updateEngines() {
	now := c.w.now
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || rc.kcp == nil {
			continue
		}
		if rc.kcp.WaitSnd() > 0 && now >= rc.flushDue {
			c.flushEngine(rc) // with the acknowledgements
		}
		if rc.ackDue != 0 && now >= rc.ackDue {
			rc.ackDue = 0 // also when the engine had none left to send
			kcpFlush(rc.kcp, kcp.IKCP_FLUSH_ACKONLY)
		}
	}
	c.stats.retrans.Store(c.retransTotal())
	c.scheduleKCP()
}

// scheduleKCP sets kcpDue to the earliest flushDue of the engines with data in flight
// and ackDue of those holding acknowledgements. Engines with neither need no timer.
func (c *Conn) scheduleKCP() {
	due := never
	for i := range c.chans {
		rc := c.chans[i].rel
		if rc == nil || rc.kcp == nil {
			continue
		}
		if rc.ackDue != 0 {
			due = min(due, rc.ackDue)
		}
		if rc.kcp.WaitSnd() > 0 {
			due = min(due, max(rc.flushDue, c.w.now+int64(time.Millisecond)))
		}
	}
	if due < c.kcpDue || c.kcpDue <= c.w.now || due == never {
		c.kcpDue = due
		if due < c.deadline || c.heapIdx < 0 {
			c.reschedule()
		}
	}
}

// closeWith closes the connection locally for reason e, telling the peer if tell.
func (c *Conn) closeWith(e *CloseError, tell bool) {
	if c.state != stateOpen {
		return
	}
	if tell {
		c.closeFrame = appendClose(nil, uint16(e.Code), truncateUTF8(e.Reason, maxCloseReason))
		for range 3 { // three packets, so that one loss does not hide the close
			c.room(len(c.closeFrame))
			c.pkt = append(c.pkt, c.closeFrame...)
			c.finishPacket()
		}
	}
	c.enterDraining(e)
}

// maxCloseReason bounds the reason a CLOSE frame carries, so that it fits any packet.
const maxCloseReason = 256

// closeRemote handles a CLOSE from the peer.
func (c *Conn) closeRemote(code CloseCode, reason string) {
	if c.state != stateOpen {
		return
	}
	c.closeFrame = nil
	c.enterDraining(&CloseError{Code: code, Reason: reason, Remote: true})
}

// enterDraining ends the connection for its user. The relay keeps its connection ID as
// a tombstone for a while, answering late packets with CLOSE; a client is done at once.
func (c *Conn) enterDraining(e *CloseError) {
	c.state = stateDraining
	c.tombUntil = c.w.now + int64(closeTombstone)
	c.releaseSending()
	c.setClosed(e)
	if c.client {
		c.state = stateClosed
		c.w.removeConn(c)
		c.w.stopAfter = true
		return
	}
	c.reschedule()
}

// answerClose repeats the CLOSE to a peer that keeps sending after the close, at most
// every 100 ms.
func (c *Conn) answerClose() {
	if c.closeFrame == nil || c.w.now-c.lastCloseTx < int64(100*time.Millisecond) {
		return
	}
	c.lastCloseTx = c.w.now
	c.room(len(c.closeFrame))
	c.pkt = append(c.pkt, c.closeFrame...)
	c.finishPacket()
}

// releaseSending frees the engines' buffers and the send queues.
func (c *Conn) releaseSending() {
	for i := range c.chans {
		if rc := c.chans[i].rel; rc != nil {
			for _, m := range rc.pending {
				putBuf(m.data)
			}
			rc.pending = nil
			rc.kcp = nil
		}
	}
	c.sendMu.Lock()
	rel, unrel := c.relQ, c.unrelQ
	c.relQ, c.unrelQ = nil, nil
	c.sendMu.Unlock()
	releaseMsgs(rel)
	releaseMsgs(unrel)
	c.queuedBytes.Store(0)
	c.kcpDue, c.releaseDue = never, never
}

// setClosed records the reason, wakes waiters and tells the user (once).
func (c *Conn) setClosed(e *CloseError) {
	c.sendMu.Lock()
	if c.closeErr != nil {
		c.sendMu.Unlock()
		return
	}
	c.closeErr = e
	c.sendMu.Unlock()
	c.cancel()
	close(c.closedCh)
	if c.w.l != nil {
		c.w.l.forget(c)
	}
	if h := c.p.handler; h != nil && c.announced { // never Closed without Connected
		c.w.inHandler.Store(true)
		h.Closed(c, e)
		c.w.inHandler.Store(false)
	}
	c.p.logger.Debug("transport: connection closed", "cid", c.localCID, "code", e.Code, "reason", e.Reason, "remote", e.Remote)
}

// finish drops the connection from its worker at once (endpoint shutdown).
func (c *Conn) finish() {
	if c.state == stateOpen {
		c.enterDraining(&CloseError{Code: CodeShutdown, Reason: "endpoint closed"})
	}
	if c.state != stateClosed {
		c.state = stateClosed
		c.w.removeConn(c)
	}
}

// checkDrained ends a Shutdown wait once nothing reliable is queued or in flight.
func (c *Conn) checkDrained() {
	c.sendMu.Lock()
	ch := c.drainCh
	waiting := ch != nil && ch != closedChan && len(c.relQ) == 0
	c.sendMu.Unlock()
	if !waiting || c.queuedBytes.Load() != 0 {
		return
	}
	for i := range c.chans {
		if rc := c.chans[i].rel; rc != nil && rc.kcp != nil && rc.kcp.WaitSnd() > 0 {
			return
		}
	}
	c.sendMu.Lock()
	if c.drainCh == ch {
		close(ch)
		c.drainCh = closedChan
	}
	c.sendMu.Unlock()
}

var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()
