package transport

import (
	"crypto/hmac"
	crand "crypto/rand"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

// RESUME flags (PROTOCOL.md §6).
const (
	// resumeContinue: the client still has its connection state; resume the existing
	// connection or refuse. Without it the relay makes a new connection for the session.
	resumeContinue = 1
)

const (
	resumeGone     = 5 // RESUME_REFUSED: the session's connection no longer exists
	maxUsedTokens  = 1 << 20
	resumedHdrLen  = 1 + 4 + 16
	refusedLen     = 1 + 4 + 1
	maxSessionData = 1024
)

// issueToken seals a resume token for c's session as it is now. Any goroutine.
func (l *Listener) issueToken(c *Conn) []byte {
	t := l.tokenFor(c)
	sealed, err := l.tokenKey.Seal(nil, t.append(nil))
	if err != nil {
		return nil
	}
	return sealed
}

// tokenFor describes c's session as a resume token would carry it, with a fresh id.
func (l *Listener) tokenFor(c *Conn) tokenBody {
	c.sendMu.Lock()
	data := c.sessData
	c.sendMu.Unlock()
	t := tokenBody{
		session:   c.session,
		expires:   time.Now().Add(l.cfg.ResumeLifetime).UnixMilli(),
		secret:    c.resumeKey,
		plain:     c.plain,
		channels:  c.modes,
		data:      data,
		serverCID: c.localCID,
		mtu:       uint16(c.p.mtu),
		maxMsg:    uint32(c.p.maxMessage),
	}
	crand.Read(t.id[:])
	return t
}

// sendNewToken gives the client a fresh token before its current one expires (worker).
func (c *Conn) sendNewToken() {
	c.tokenWanted = false
	c.tokenDue = c.w.now + int64(c.w.l.cfg.ResumeLifetime/3)
	tok := c.w.l.issueToken(c)
	if tok == nil {
		return
	}
	c.room(1 + varintLen(len(tok)) + len(tok))
	c.pkt = appendNewToken(c.pkt, tok)
}

// resume handles a RESUME datagram on the read loop. It checks the token, the MAC and
// that the token was not used, then hands the session to its worker.
func (l *Listener) resume(b []byte, from netip.AddrPort) {
	req, err := parseResume(b)
	if err != nil {
		l.stats.dropped.Add(1)
		return
	}
	l.sweepPerIP(time.Now()) // also forgets used tokens that expired
	tb, reason := l.openToken(&req)
	if reason != 0 {
		l.refuseResume(req.clientCID, reason, from)
		return
	}
	rec, use := l.useToken(&tb, &req, from)
	switch use {
	case tokenRepeat: // the identical request again, maybe from a new address: the same answer
		l.ep.writeTo(rec.reply, from)
		return
	case tokenPending: // a copy of a request the worker is still answering
		return
	case tokenUsed:
		l.refuseResume(req.clientCID, resumeUsed, from)
		return
	}
	var sn [16]byte
	crand.Read(sn[:])
	s, err := seal.DeriveResumed(&tb.secret, &req.clientNonce, &sn)
	if err != nil {
		l.refuseResume(req.clientCID, resumeBusy, from)
		return
	}
	l.mu.Lock()
	c := l.sessions[tb.session]
	l.mu.Unlock()
	if req.flags&resumeContinue != 0 {
		cid := req.clientCID
		n := len(b)
		if c == nil || !c.w.post(func() { c.resumeExisting(cid, &sn, &s, from, tb.id, n) }) {
			l.refuseResume(req.clientCID, resumeGone, from)
		}
		return
	}
	l.resumeNew(&tb, &req, &sn, &s, from, len(b))
}

// openToken opens and checks a RESUME's token; reason is 0 when it is good.
func (l *Listener) openToken(req *resumeReq) (tokenBody, uint8) {
	l.mu.Lock()
	shutting := l.shutting
	l.mu.Unlock()
	if shutting {
		return tokenBody{}, resumeBusy
	}
	body, err := l.tokenKey.Open(nil, req.token)
	if err != nil {
		return tokenBody{}, resumeInvalid
	}
	tb, err := parseTokenBody(body)
	if err != nil {
		return tokenBody{}, resumeInvalid
	}
	if time.Now().UnixMilli() > tb.expires {
		return tokenBody{}, resumeExpired
	}
	mac := seal.ResumeMAC(&tb.secret, req.signed)
	if !hmac.Equal(mac[:], req.mac[:]) {
		return tokenBody{}, resumeInvalid
	}
	return tb, 0
}

// How useToken found a token.
const (
	tokenFresh   = iota // first use: go on
	tokenRepeat         // the identical request again: answer with rec.reply
	tokenPending        // the identical request, not answered yet: drop the copy
	tokenUsed           // used by another request: refuse
)

// useToken marks a token used. A request identical to the one that used it (same
// nonce and MAC) is a repeat, from whatever address: the client's retry, a duplicate, or
// a replay racing the client, which gets nothing but a RESUMED it cannot read.
func (l *Listener) useToken(tb *tokenBody, req *resumeReq, from netip.AddrPort) (*usedToken, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rec := l.used[tb.id]; rec != nil {
		switch {
		case rec.nonce != req.clientNonce || rec.mac != req.mac:
			return nil, tokenUsed
		case rec.reply == nil:
			return nil, tokenPending
		}
		return rec, tokenRepeat
	}
	if len(l.used) >= maxUsedTokens {
		return nil, tokenUsed
	}
	l.used[tb.id] = &usedToken{expires: tb.expires, from: from, nonce: req.clientNonce, mac: req.mac}
	return nil, tokenFresh
}

func (l *Listener) sweepUsed(now time.Time) {
	ms := now.UnixMilli()
	l.mu.Lock()
	for id, rec := range l.used {
		if rec.expires < ms {
			delete(l.used, id)
		}
	}
	l.mu.Unlock()
}

func (l *Listener) refuseResume(clientCID uint32, reason uint8, from netip.AddrPort) {
	var out [refusedLen]byte
	out[0] = typeResumeRefused
	binary.BigEndian.PutUint32(out[1:], clientCID)
	out[5] = reason
	l.stats.resumeRefused.Add(1)
	l.ep.writeTo(out[:], from)
}

// resumeNew makes a new connection for a session whose connection is gone (or that
// the client asks to replace), with the session data the token carried. The RESUME came
// in n bytes from an address nobody has validated yet.
func (l *Listener) resumeNew(tb *tokenBody, req *resumeReq, sn *[16]byte, s *seal.Secrets, from netip.AddrPort, n int) {
	c := l.newConn(l.paramsFor(int(tb.mtu), int(tb.maxMsg)), tb.channels, tb.plain, req.clientCID, s, from, tb.session, append([]byte(nil), tb.data...), func(c *Conn) {
		c.sendMu.Lock()
		c.resumed = true // before anything can announce it
		c.sendMu.Unlock()
		c.pathValid, c.pathRecv, c.pathSent = false, n, 0
		l.stats.resumes.Add(1) // counted before the client can see it
		c.sendResumed(1, req.clientCID, sn, from, tb.id)
		c.afterResume()
	})
	if c == nil {
		l.refuseResume(req.clientCID, resumeBusy, from)
		return
	}
	l.announce(c)
}

// resumeExisting moves a live connection to new keys and a new path (worker). The
// RESUME came in n bytes.
func (c *Conn) resumeExisting(clientCID uint32, sn *[16]byte, s *seal.Secrets, from netip.AddrPort, id [16]byte, n int) {
	if c.state != stateOpen {
		c.w.l.refuseResume(clientCID, resumeGone, from)
		return
	}
	c.finishPacket() // frames built under the old keys go out under them
	c.rekey(s)
	c.remoteCID = clientCID
	c.setPeer(from)
	c.pathValid, c.pathRecv, c.pathSent = false, n, 0
	c.lastRecv = c.w.now
	c.w.l.stats.resumes.Add(1) // counted before the client can see it
	c.sendResumed(0, clientCID, sn, from, id)
	c.afterResume()
	c.kcpDue = c.w.now // push what is in flight down the new path
	c.reschedule()
}

// afterResume challenges the path the RESUME came from and gives the client a fresh
// token, each in a packet of its own: RESUMED carries no token, so that it stays under
// a third of the RESUME that asked for it. The token goes again once the path is valid.
func (c *Conn) afterResume() {
	c.challenge = c.w.rng.Uint64() | 1
	c.sendChallenge()
	c.sendNewToken()
	c.finishPacket()
	c.tokenOnValid = true
	c.reschedule()
}

// rekey installs resumed secrets: new keys, packet numbers from the start.
func (c *Conn) rekey(s *seal.Secrets) {
	send, recv := s.ServerKey, s.ServerIV
	rk, riv := s.ClientKey, s.ClientIV
	if c.client {
		send, recv, rk, riv = s.ClientKey, s.ClientIV, s.ServerKey, s.ServerIV
	}
	c.sendKey, _ = seal.NewKey(send[:], recv[:])
	c.recvKey, _ = seal.NewKey(rk[:], riv[:])
	c.resumeKey = s.Resume
	c.replay = seal.ReplayWindow{}
	c.sendPN = 0
}

// sendResumed answers a RESUME: status, then the connection's parameters, sealed under
// the new relay key with packet number 0 (worker).
func (c *Conn) sendResumed(status uint8, clientCID uint32, sn *[16]byte, from netip.AddrPort, id [16]byte) {
	l := c.w.l
	p := l.grant(c, false)
	buf := getBuf(c.p.mtu + tagLen)
	out := append((*buf)[:0], typeResumed)
	out = binary.BigEndian.AppendUint32(out, clientCID)
	out = append(out, sn[:]...)
	body := p.append([]byte{status})
	out = c.sendKey.Seal(out, out[:resumedHdrLen], 0, body)
	c.sendPN = 1
	l.mu.Lock()
	if rec := l.used[id]; rec != nil {
		rec.reply = append([]byte(nil), out...)
	}
	l.mu.Unlock()
	*buf = out
	c.pathSent += len(out)
	c.w.tx = append(c.w.tx, txMsg{buf: buf, addr: from, net: c.peerNet})
}
