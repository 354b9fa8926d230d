package transport

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/crypto/seal"
)

// clientState is what only a client connection has.
type clientState struct {
	raddr      netip.AddrPort
	network    string // "udp4" or "udp6", for a new socket when the path breaks
	ownsPC     bool
	resetToken [16]byte
	token      []byte
	resumeKey  [32]byte

	// path recovery (worker)
	resuming    bool
	refused     uint8 // the reason of a RESUME_REFUSED while resuming, or 0
	resumeNonce [16]byte
	resumeNext  int64
	resumeWait  time.Duration
	resumeUntil int64

	mu   sync.Mutex // guards pipe and ticket
	pipe *pipe      // the handshake in progress, if any
}

// route handles a client's datagrams that are not DATA (read loop).
func (cl *clientState) route(b []byte, _ netip.AddrPort) int {
	if handshake.IsDTLS(b) || b[0] == typeRetry {
		cl.mu.Lock()
		p := cl.pipe
		cl.mu.Unlock()
		if p != nil {
			p.push(b)
		}
		return -1
	}
	return 0
}

func (cl *clientState) setPipe(p *pipe) {
	cl.mu.Lock()
	cl.pipe = p
	cl.mu.Unlock()
}

// Dial connects to the relay at address (host:port) from a new UDP socket, which the
// connection owns. ctx bounds the handshake (at most cfg.HandshakeTimeout); it does not
// bound the connection's life.
func Dial(ctx context.Context, address string, cfg *DialConfig) (*Conn, error) {
	ua, err := net.ResolveUDPAddr("udp", address)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %q: %w", address, err)
	}
	network := networkFor(ua.AddrPort())
	pc, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %q: %w", address, err)
	}
	c, err := dial(ctx, pc, unmap(ua.AddrPort()), cfg, true)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("transport: dial %q: %w", address, err)
	}
	return c, nil
}

// DialPacketConn connects to the relay at raddr over pc, which the caller keeps owning:
// Close does not close it, and the client cannot move to a new socket when its path
// breaks (it resumes from pc instead).
func DialPacketConn(ctx context.Context, pc net.PacketConn, raddr net.Addr, cfg *DialConfig) (*Conn, error) {
	c, err := dial(ctx, pc, unmap(addrPortOf(raddr)), cfg, false)
	if err != nil {
		return nil, fmt.Errorf("transport: dial %v: %w", raddr, err)
	}
	return c, nil
}

func networkFor(a netip.AddrPort) string {
	if a.Addr().Unmap().Is4() {
		return "udp4"
	}
	return "udp6"
}

func dial(ctx context.Context, pc net.PacketConn, raddr netip.AddrPort, cfg *DialConfig, owns bool) (*Conn, error) {
	dc := *cfg
	dc.Channels = append([]Mode(nil), cfg.Channels...)
	dc.withDefaults()
	if err := dc.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, dc.HandshakeTimeout)
	defer cancel()
	cl := &clientState{raddr: raddr, network: networkFor(raddr), ownsPC: owns}
	ep := newClientEndpoint(pc, &dc, cl, owns)
	c, err := handshakeClient(ctx, ep, cl, &dc)
	if err != nil {
		ep.close()
		return nil, err
	}
	return c, nil
}

func newClientEndpoint(pc net.PacketConn, dc *DialConfig, cl *clientState, owns bool) *endpoint {
	ep := newEndpoint(pc, 1, dc.MTU, dc.Logger)
	ep.ownsPC = owns
	ep.route = cl.route
	ep.readBatch = clientReadBatch
	ep.start()
	return ep
}

// handshakeClient runs DTLS and HELLO/ACCEPT and makes the connection.
func handshakeClient(ctx context.Context, ep *endpoint, cl *clientState, dc *DialConfig) (*Conn, error) {
	p := newPipe(ep, cl.raddr)
	cl.setPipe(p)
	defer cl.setPipe(nil)
	sess, err := handshake.Client(ctx, p, p.rnet, &handshake.ClientConfig{
		Fingerprints: dc.Fingerprints, RootCAs: dc.RootCAs, ServerName: dc.ServerName,
		InsecureSkipVerify: dc.InsecureSkipVerify, Logger: dc.Logger,
	})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	material, err := sess.KeyingMaterial()
	if err != nil {
		return nil, err
	}
	s, err := seal.SplitMaterial(material[:])
	if err != nil {
		return nil, err
	}
	defer s.Wipe()
	h := hello{version: protocolVersion, unencrypted: dc.Unencrypted, clientCID: randomCID(),
		mtu: uint16(dc.MTU), maxMessage: uint32(dc.MaxMessageSize), channels: dc.Channels}
	a, err := exchangeHello(ctx, sess, h.append(nil))
	if err != nil {
		return nil, err
	}
	if a.version != protocolVersion {
		return nil, fmt.Errorf("transport: relay answered with protocol version %d, want %d", a.version, protocolVersion)
	}
	if a.status != 0 {
		return nil, &RefusedError{Code: a.status, Reason: a.reason}
	}
	g := &a.params
	switch {
	case g.unencrypted != dc.Unencrypted:
		return nil, fmt.Errorf("transport: relay answered unencrypted=%v to a request for %v", g.unencrypted, dc.Unencrypted)
	case int(g.mtu) > dc.MTU || int(g.maxMessage) > dc.MaxMessageSize || int(g.maxMessage) > maxReliableMessage(int(g.mtu)):
		return nil, fmt.Errorf("transport: relay granted MTU %d and messages of %d bytes, beyond the %d and %d asked for", g.mtu, g.maxMessage, dc.MTU, dc.MaxMessageSize)
	}
	return startClientConn(ep, cl, dc, &a.params, h.clientCID, &s)
}

// exchangeHello sends HELLO until ACCEPT arrives: DTLS application data may be lost.
func exchangeHello(ctx context.Context, sess *handshake.Session, msg []byte) (accept, error) {
	buf := make([]byte, 2048)
	wait := handshakeRetryFirst
	for {
		if _, err := sess.Write(msg); err != nil {
			return accept{}, fmt.Errorf("send hello: %w", err)
		}
		dl := time.Now().Add(wait)
		if d, ok := ctx.Deadline(); ok && d.Before(dl) {
			dl = d
		}
		sess.SetReadDeadline(dl)
		n, err := sess.Read(buf)
		if err == nil {
			a, err := parseAccept(buf[:n])
			if err != nil {
				return accept{}, fmt.Errorf("parse accept: %w", err)
			}
			return a, nil
		}
		if ctx.Err() != nil {
			return accept{}, fmt.Errorf("waiting for accept: %w", ctx.Err())
		}
		if !isTimeout(err) {
			return accept{}, fmt.Errorf("read accept: %w", err)
		}
		wait = min(2*wait, handshakeRetryMax)
	}
}

// startClientConn makes the client connection from what the relay granted.
func startClientConn(ep *endpoint, cl *clientState, dc *DialConfig, g *params, clientCID uint32, s *seal.Secrets) (*Conn, error) {
	mtu := int(g.mtu)
	p := &connParams{
		mtu: mtu, maxMessage: int(g.maxMessage), maxUnrel: maxUnreliable(mtu),
		keepAlive:   time.Duration(g.keepMillis) * time.Millisecond,
		idleTimeout: time.Duration(g.idleMillis) * time.Millisecond,
		pathTimeout: dc.PathTimeout, sendQueue: dc.SendQueueBytes, unrelQueue: dc.UnreliableQueue,
		recvQueue: dc.ReceiveQueue, recvRate: dc.ReceiveRate, recvPktRate: dc.ReceivePacketRate,
		handler: dc.Handler, logger: dc.Logger, maxPlaintext: mtu - headerLen - tagLen,
	}
	if p.pathTimeout < 0 || p.pathTimeout >= p.idleTimeout {
		p.pathTimeout = 0
	}
	w := ep.workers[0]
	c := newConn(w, p, true, clientCID, g.serverCID, dc.Channels, s, g.unencrypted, cl.raddr)
	c.session = g.sessionID
	cl.resetToken = g.resetToken
	cl.token = append([]byte(nil), g.token...)
	cl.resumeKey = s.Resume
	c.cl = cl
	if !w.call(func() {
		w.recvBuf = make([]byte, p.maxMessage+reliablePrefix) // the largest message the relay may send
		w.addConn(c)
	}) {
		return nil, fmt.Errorf("transport: dial: %w", net.ErrClosed)
	}
	return c, nil
}

func randomCID() uint32 {
	for {
		var b [4]byte
		crand.Read(b[:])
		if cid := binary.BigEndian.Uint32(b[:]); cid != 0 {
			return cid
		}
	}
}

// clientTimer sends keepalives and notices a broken path (worker).
func (c *Conn) clientTimer(now int64) {
	cl := c.cl
	if cl.resuming {
		if now >= cl.resumeUntil {
			reason := "path broke and the relay did not answer RESUME"
			if cl.refused != 0 {
				reason = (&ResumeRefusedError{Reason: cl.refused}).Error()
			}
			c.enterDraining(&CloseError{Code: CodeResumeFailed, Reason: reason, Remote: cl.refused != 0})
			return
		}
		if now >= cl.resumeNext {
			c.sendResume()
		}
		return
	}
	if c.p.pathTimeout > 0 && now-c.lastRecv >= int64(c.p.pathTimeout) && len(cl.token) > 0 {
		c.startResume()
		return
	}
	ka := int64(c.p.keepAlive)
	// A relay that has nothing to say stays silent, so a client that has heard nothing
	// for a keepalive period asks, whatever it is sending: the path counts as broken
	// only when these PINGs go unanswered. The packet is sealed at this round's flush;
	// lastSend moves now so that the rescheduled timer does not fire again this round.
	if now-c.lastRecv >= ka && now-c.pingSent >= ka {
		c.lastSend = now
		c.sendPing(c.w.rng.Uint64() | 1)
		return
	}
	if now-c.lastSend < ka {
		return
	}
	c.lastSend = now
	// A keepalive is a PING when the relay has been quiet for half a period: the PING
	// the silence would call for soon goes now, in the same packet, not a second one.
	if now-c.rttAt >= int64(rttSampleAge) || now-c.lastRecv >= ka/2 {
		c.sendPing(c.w.rng.Uint64() | 1)
		return
	}
	c.room(1)
	c.pkt = append(c.pkt, framePadding) // a keepalive: padding only
}

// startResume moves to a new local port (when the client owns its socket) and resumes
// the connection there: the old path may be a dead NAT mapping.
// refusalGrace is how long a resuming client still waits for RESUMED after a refusal.
const refusalGrace = time.Second

func (c *Conn) startResume() {
	cl := c.cl
	cl.resuming, cl.refused = true, 0
	crand.Read(cl.resumeNonce[:])
	cl.resumeWait = handshakeRetryFirst
	cl.resumeUntil = c.lastRecv + int64(c.p.idleTimeout)
	if cl.ownsPC {
		if pc, err := net.ListenUDP(cl.network, nil); err == nil {
			c.w.ep.swapSocket(pc, true)
		}
	}
	c.p.logger.Debug("transport: path silent, resuming", "cid", c.localCID)
	c.sendResume()
}

// sendResume sends RESUME and schedules a repeat.
func (c *Conn) sendResume() {
	cl := c.cl
	key := cl.resumeKey
	msg := appendResume(nil, cl.token, &cl.resumeNonce, c.localCID, resumeContinue, func(b []byte) [16]byte {
		return seal.ResumeMAC(&key, b)
	})
	c.w.ep.writeTo(msg, cl.raddr)
	c.lastSend = c.w.now
	cl.resumeNext = c.w.now + int64(cl.resumeWait)
	cl.resumeWait = min(2*cl.resumeWait, handshakeRetryMax)
}

// handleControl handles RESET, RESUMED and RESUME_REFUSED on a client (worker).
func (c *Conn) handleControl(b []byte, _ netip.AddrPort) {
	if c.state != stateOpen {
		return
	}
	cl := c.cl
	switch b[0] {
	case typeReset:
		if len(b) == resetLen && seal.TokensEqual((*[16]byte)(b[1:]), &cl.resetToken) {
			c.enterDraining(&CloseError{Code: CodeReset, Reason: "connection reset by relay", Remote: true})
		}
	case typeResumed:
		if cl.resuming {
			c.onResumed(b)
		}
	case typeResumeRefused:
		// Unauthenticated, and the client's CID travels in clear: anyone on the path can
		// forge one. So a refusal only shortens the wait: a RESUMED that arrives within a
		// second still wins, and only then does the client give up with the reason.
		if cl.resuming && len(b) == refusedLen && cidOf(b) == c.localCID && cl.refused == 0 {
			cl.refused = b[5]
			cl.resumeUntil = min(cl.resumeUntil, c.w.now+int64(refusalGrace))
			c.reschedule()
		}
	}
}

// onResumed installs the resumed keys if the RESUMED is genuine.
func (c *Conn) onResumed(b []byte) {
	if len(b) < resumedHdrLen+tagLen+1 || cidOf(b) != c.localCID {
		return
	}
	cl := c.cl
	sn := (*[16]byte)(b[5:resumedHdrLen])
	s, err := seal.DeriveResumed(&cl.resumeKey, &cl.resumeNonce, sn)
	if err != nil {
		return
	}
	defer s.Wipe()
	key, err := seal.NewKey(s.ServerKey[:], s.ServerIV[:])
	if err != nil {
		return
	}
	body, err := key.Open(nil, b[:resumedHdrLen], 0, b[resumedHdrLen:])
	if err != nil || len(body) < 1 {
		return
	}
	g, err := parseParams(body[1:])
	if err != nil || body[0] != 0 {
		c.enterDraining(&CloseError{Code: CodeResumeFailed, Reason: "relay lost the session", Remote: true})
		return
	}
	c.rekey(&s)
	c.replay.Accept(0) // RESUMED used the relay's packet number 0
	c.remoteCID = g.serverCID
	cl.resetToken, cl.token, cl.resumeKey = g.resetToken, append(cl.token[:0], g.token...), s.Resume
	cl.resuming, cl.refused = false, 0
	c.lastRecv = c.w.now
	c.updateEngines()
	c.reschedule()
	c.p.logger.Debug("transport: resumed", "cid", c.localCID)
}
