package transport

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/crypto/seal"
)

// Listener serves many connections on one socket. Connections are found by connection
// ID, never by address, so a client whose address changes keeps its connection.
// A few worker goroutines own all connections; a connection has no goroutine of its own.
type Listener struct {
	cfg      ListenConfig
	ep       *endpoint
	p        *connParams
	tokenKey *seal.TokenKey
	resetKey seal.ResetKey
	stats    listenerCounters
	accepts  chan *Conn // nil with a Handler
	ctx      context.Context
	cancel   context.CancelFunc
	hsWG     sync.WaitGroup

	mu       sync.Mutex // guards the following fields
	halfOpen map[netip.AddrPort]*halfOpen
	cids     map[uint32]struct{}
	sessions map[uint64]*Conn
	used     map[[16]byte]*usedToken
	shutting bool
	closed   bool

	// Owned by the read loop.
	cookies   *handshake.CookieJar
	perIP     map[netip.Addr]*tokenBucket
	lastSweep time.Time
	scratch   [2][]byte
}

// halfOpen is a handshake under way.
type halfOpen struct {
	addr netip.AddrPort
	pipe *pipe
}

// usedToken records a resume token that was used, until it expires.
type usedToken struct {
	expires int64 // unix ms
	from    netip.AddrPort
	nonce   [16]byte
	mac     [16]byte
	reply   []byte // the RESUMED sent, repeated for an identical retry
}

// ListenUDP opens a UDP socket on addr (host:port), asks for socket buffers of
// cfg.SocketBuffer bytes, and serves on it. The listener owns the socket.
func ListenUDP(addr string, cfg *ListenConfig) (*Listener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("transport: listen %q: %w", addr, err)
	}
	pc, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("transport: listen %q: %w", addr, err)
	}
	if size := socketBuffer(cfg.SocketBuffer); size > 0 {
		// Best effort: the kernel caps the sizes at net.core.rmem_max / wmem_max.
		pc.SetReadBuffer(size)
		pc.SetWriteBuffer(size)
	}
	l, err := Listen(pc, cfg)
	if err != nil {
		pc.Close()
	}
	return l, err
}

// Listen serves connections on pc, which the listener owns from then on (Close closes
// it). pc is normally a *net.UDPConn; on Linux its reads and writes are batched.
func Listen(pc net.PacketConn, cfg *ListenConfig) (*Listener, error) {
	c := *cfg
	c.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	tk, err := seal.GenerateTokenKey()
	if err != nil {
		return nil, fmt.Errorf("transport: token key: %w", err)
	}
	rk, err := seal.NewResetKey(c.Identity.Secret[:])
	if err != nil {
		return nil, fmt.Errorf("transport: reset key: %w", err)
	}
	jar, err := handshake.NewCookieJar()
	if err != nil {
		return nil, fmt.Errorf("transport: cookie jar: %w", err)
	}
	l := &Listener{
		cfg: c, tokenKey: tk, resetKey: rk, cookies: jar,
		halfOpen: make(map[netip.AddrPort]*halfOpen),
		cids:     make(map[uint32]struct{}),
		sessions: make(map[uint64]*Conn),
		used:     make(map[[16]byte]*usedToken),
		perIP:    make(map[netip.Addr]*tokenBucket),
	}
	l.p = l.connParams()
	if c.Handler == nil {
		l.accepts = make(chan *Conn, 128)
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.ep = newEndpoint(pc, c.Workers, c.MTU, c.Logger)
	l.ep.ownsPC = true
	l.ep.route = l.route
	for _, w := range l.ep.workers {
		w.l = l
		w.recvBuf = make([]byte, maxReliableMessage(c.MTU)+reliablePrefix)
	}
	l.ep.start()
	if c.Unencrypted {
		c.Logger.Warn("transport: UNENCRYPTED MODE ALLOWED: clients that ask get data packets in clear; use only on a trusted LAN or for debugging")
	}
	return l, nil
}

func (l *Listener) connParams() *connParams {
	c := &l.cfg.Config
	return &connParams{
		mtu: c.MTU, maxMessage: c.MaxMessageSize, maxUnrel: maxUnreliable(c.MTU),
		keepAlive: c.KeepAlive, idleTimeout: c.IdleTimeout,
		sendQueue: c.SendQueueBytes, unrelQueue: c.UnreliableQueue, recvQueue: c.ReceiveQueue,
		recvRate: c.ReceiveRate, recvPktRate: c.ReceivePacketRate,
		handler: l.cfg.Handler, logger: c.Logger, maxPlaintext: c.MTU - headerLen - tagLen,
	}
}

// paramsFor returns the parameters of a connection whose client asked for mtu and
// maxMessage: each is the smaller of the client's and the relay's. Most clients ask for
// the defaults and share the listener's parameters.
func (l *Listener) paramsFor(mtu, maxMessage int) *connParams {
	mtu = min(mtu, l.p.mtu)
	maxMessage = min(maxMessage, l.p.maxMessage, maxReliableMessage(mtu))
	if mtu == l.p.mtu && maxMessage == l.p.maxMessage {
		return l.p
	}
	p := *l.p
	p.mtu, p.maxMessage = mtu, maxMessage
	p.maxUnrel, p.maxPlaintext = maxUnreliable(mtu), mtu-headerLen-tagLen
	return &p
}

// maxUnreliable is the largest unreliable message: 16 fragments.
func maxUnreliable(mtu int) int {
	return maxFragments * fragmentPayload(mtu-headerLen-tagLen)
}

// Addr returns the address the listener serves on.
func (l *Listener) Addr() net.Addr { return l.ep.localAddr() }

// Accept waits for the next connection. It is for listeners without a Handler.
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	if l.accepts == nil {
		return nil, ErrHandlerSet
	}
	select {
	case c := <-l.accepts:
		return c, nil
	case <-l.ctx.Done():
		return nil, fmt.Errorf("transport: accept: %w", net.ErrClosed)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close closes every connection (telling each peer, with CodeShutdown), stops the
// listener's goroutines and closes the socket. It is idempotent. It waits for the
// workers, so a Handler must not call it (nor Shutdown) but start a goroutine that does.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed, l.shutting = true, true
	l.mu.Unlock()
	l.cancel()
	l.hsWG.Wait()
	l.ep.close()
	return nil
}

// Shutdown stops accepting connections and resumes, waits until every connection's
// queued reliable messages are acknowledged (or ctx ends), then closes everything with
// CodeShutdown, telling each client.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	l.shutting = true
	conns := make([]*Conn, 0, len(l.sessions))
	for _, c := range l.sessions {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	var err error
	for _, c := range conns {
		select {
		case <-c.startDrain():
		case <-c.closedCh:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	for _, c := range conns {
		c.requestClose(&CloseError{Code: CodeShutdown, Reason: "relay shutting down"})
	}
	l.Close()
	return err
}

// Stats returns a snapshot of the listener's counters.
func (l *Listener) Stats() ListenerStats {
	s, k := &l.stats, &l.ep.sock
	return ListenerStats{
		Conns: int(s.conns.Load()), HalfOpen: int(s.halfOpen.Load()),
		Handshakes: s.handshakes.Load(), HandshakeFailed: s.handshakeFailed.Load(),
		Retries: s.retries.Load(), FirstContactBad: s.firstContactBad.Load(),
		HandshakeLimited: s.handshakeLimited.Load(),
		Resumes:          s.resumes.Load(), ResumeRefused: s.resumeRefused.Load(),
		Resets: s.resets.Load(), UnknownCID: s.unknownCID.Load(), Dropped: s.dropped.Load(),
		PacketsReceived: k.packetsRecv.Load(), PacketsSent: k.packetsSent.Load(),
		BytesReceived: k.bytesRecv.Load(), BytesSent: k.bytesSent.Load(), WriteErrors: k.writeErrors.Load(),
		Reads: k.reads.Load(), Writes: k.writes.Load(),
	}
}

// route handles the datagrams that are not DATA, on the read loop.
func (l *Listener) route(b []byte, from netip.AddrPort) int {
	switch {
	case handshake.IsDTLS(b):
		l.firstContact(b, from, time.Now())
	case b[0] == typeResume:
		l.resume(b, from)
	default:
		l.stats.dropped.Add(1)
	}
	return -1
}

// firstContact handles a DTLS datagram. Unless a handshake with the sender is under way,
// it must be a padded ClientHello; without a valid cookie it gets a RETRY and the relay
// keeps nothing. This path allocates nothing until the cookie proves the address.
func (l *Listener) firstContact(b []byte, from netip.AddrPort, now time.Time) {
	l.mu.Lock()
	hs := l.halfOpen[from]
	l.mu.Unlock()
	if hs != nil {
		hs.pipe.push(b)
		return
	}
	fc, err := handshake.ParseFirstContact(b)
	if err != nil {
		l.stats.firstContactBad.Add(1)
		return
	}
	if !l.cookies.Valid(from, &fc.Random, fc.Cookie, now) {
		cookie := l.cookies.Append(l.scratch[0][:0], from, &fc.Random, now)
		retry := handshake.AppendRetry(l.scratch[1][:0], cookie)
		l.scratch[0], l.scratch[1] = cookie, retry
		l.stats.retries.Add(1) // counted before the client can see it
		if l.ep.writeTo(retry, from) != nil {
			l.stats.retries.Add(^uint64(0))
		}
		return
	}
	if !l.admitHandshake(from, now) {
		l.stats.handshakeLimited.Add(1)
		return
	}
	l.startHandshake(from, b[:fc.DTLSLen])
}

// admitHandshake applies MaxHalfOpen and the per-IP handshake rate.
func (l *Listener) admitHandshake(from netip.AddrPort, now time.Time) bool {
	if l.stats.halfOpen.Load() >= int64(l.cfg.MaxHalfOpen) {
		return false
	}
	l.sweepPerIP(now)
	ns := now.UnixNano()
	key := rateKey(from.Addr())
	b := l.perIP[key]
	if b == nil {
		if len(l.perIP) >= 1<<16 {
			return false
		}
		tb := newTokenBucket(l.cfg.HandshakesPerIP, 2*l.cfg.HandshakesPerIP, ns)
		b = &tb
		l.perIP[key] = b
	}
	return b.allow(ns, 1)
}

// rateKey is what the per-IP handshake rate counts by: the IPv4 address, or the /64 of
// an IPv6 address (one host usually holds a whole /64).
func rateKey(a netip.Addr) netip.Addr {
	if a.Is4() {
		return a
	}
	p, _ := a.Prefix(64)
	return p.Addr()
}

// sweepPerIP forgets addresses whose buckets are full again, every few seconds.
func (l *Listener) sweepPerIP(now time.Time) {
	if now.Sub(l.lastSweep) < 5*time.Second {
		return
	}
	l.lastSweep = now
	for a, b := range l.perIP {
		if float64(now.UnixNano()-b.last)*b.rate/1e9 >= b.burst {
			delete(l.perIP, a)
		}
	}
	l.sweepUsed(now)
}

func (l *Listener) startHandshake(from netip.AddrPort, first []byte) {
	hs := &halfOpen{addr: from, pipe: newPipe(l.ep, from)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.halfOpen[from] = hs
	l.hsWG.Add(1)
	l.mu.Unlock()
	l.stats.halfOpen.Add(1)
	hs.pipe.push(first)
	go l.serveHandshake(hs)
}

func (l *Listener) endHandshake(hs *halfOpen) {
	l.mu.Lock()
	if l.halfOpen[hs.addr] == hs {
		delete(l.halfOpen, hs.addr)
	}
	l.mu.Unlock()
	l.stats.halfOpen.Add(-1)
	hs.pipe.Close()
	l.hsWG.Done()
}

// serveHandshake runs one handshake: DTLS, then HELLO and ACCEPT. It lives until the
// client's first DATA packet (so that lost handshake flights and HELLOs are answered),
// at most HandshakeTimeout.
func (l *Listener) serveHandshake(hs *halfOpen) {
	defer l.endHandshake(hs)
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.HandshakeTimeout)
	defer cancel()
	sess, err := handshake.Server(ctx, hs.pipe, hs.pipe.rnet, &handshake.ServerConfig{Identity: l.cfg.Identity, Logger: l.cfg.Logger})
	if err != nil {
		l.stats.handshakeFailed.Add(1)
		l.cfg.Logger.Debug("transport: handshake failed", "from", hs.addr, "err", err)
		return
	}
	defer sess.Close()
	c, reply, err := l.answerHello(ctx, sess, hs.addr)
	if err != nil {
		l.stats.handshakeFailed.Add(1)
		l.cfg.Logger.Debug("transport: hello failed", "from", hs.addr, "err", err)
		return
	}
	if c == nil { // refused: answer repeated HELLOs with the refusal until the client gives up
		l.lingerRefused(ctx, sess, reply)
		return
	}
	l.stats.handshakes.Add(1)
	l.linger(ctx, sess, c, reply)
}

// answerHello reads HELLO, admits the client or refuses it, and sends ACCEPT.
func (l *Listener) answerHello(ctx context.Context, sess *handshake.Session, from netip.AddrPort) (*Conn, []byte, error) {
	material, err := sess.KeyingMaterial()
	if err != nil {
		return nil, nil, err
	}
	secrets, err := seal.SplitMaterial(material[:])
	if err != nil {
		return nil, nil, err
	}
	defer secrets.Wipe()
	h, err := readHello(ctx, sess)
	if err != nil {
		return nil, nil, err
	}
	a, c := l.admit(&h, &secrets, from)
	reply := a.append(nil)
	if _, err := sess.Write(reply); err != nil {
		if c != nil {
			c.requestClose(&CloseError{Code: CodeInternal, Reason: "handshake write failed"})
		}
		return nil, nil, err
	}
	if c != nil {
		l.announce(c)
	}
	return c, reply, nil
}

func readHello(ctx context.Context, sess *handshake.Session) (hello, error) {
	buf := make([]byte, 512)
	dl, _ := ctx.Deadline()
	sess.SetReadDeadline(dl)
	n, err := sess.Read(buf)
	if err != nil {
		return hello{}, fmt.Errorf("read hello: %w", err)
	}
	h, err := parseHello(buf[:n])
	if err != nil {
		return hello{}, fmt.Errorf("parse hello: %w", err)
	}
	return h, nil
}

// admit decides on a HELLO; on success it creates and registers the connection.
func (l *Listener) admit(h *hello, s *seal.Secrets, from netip.AddrPort) (accept, *Conn) {
	refuse := func(code uint8) (accept, *Conn) {
		return accept{version: protocolVersion, status: code, reason: refusalText(code)}, nil
	}
	l.mu.Lock()
	shutting := l.shutting
	full := len(l.sessions) >= l.cfg.MaxConns
	l.mu.Unlock()
	switch {
	case h.version != protocolVersion:
		return refuse(refuseVersion)
	case h.unencrypted && !l.cfg.Unencrypted:
		return refuse(refuseUnencrypted)
	case len(h.channels) > l.cfg.MaxChannels:
		return refuse(refuseChannels)
	case shutting:
		return refuse(refuseShutdown)
	case full:
		return refuse(refuseFull)
	}
	p := l.paramsFor(int(h.mtu), int(h.maxMessage))
	c := l.newConn(p, h.channels, h.unencrypted, h.clientCID, s, from, randomSession(), nil, nil)
	if c == nil {
		return refuse(refuseShutdown)
	}
	return accept{version: protocolVersion, params: l.grant(c, true)}, c
}

// grant describes c's parameters for ACCEPT or RESUMED, with a fresh resume token if
// withToken.
func (l *Listener) grant(c *Conn, withToken bool) params {
	var token []byte
	if withToken {
		token = l.issueToken(c)
	}
	return params{
		serverCID:   c.localCID,
		unencrypted: c.plain,
		resetToken:  l.resetKey.Token(c.localCID),
		mtu:         uint16(c.p.mtu),
		maxMessage:  uint32(c.p.maxMessage),
		sessionID:   c.session,
		idleMillis:  uint32(c.p.idleTimeout / time.Millisecond),
		keepMillis:  uint32(c.p.keepAlive / time.Millisecond),
		token:       token,
	}
}

// newConn creates a relay-side connection and registers it with its worker.
// If onAdd is not nil it runs on the worker right after the connection is added, before
// anything else can happen to it.
func (l *Listener) newConn(p *connParams, modes []Mode, plain bool, clientCID uint32, s *seal.Secrets, from netip.AddrPort, session uint64, data []byte, onAdd func(*Conn)) *Conn {
	cid := l.allocCID()
	if cid == 0 {
		return nil
	}
	w := l.ep.workerFor(cid)
	c := newConn(w, p, false, cid, clientCID, modes, s, plain, from)
	c.session = session
	c.sessData = data
	c.firstData = make(chan struct{})
	c.tokenDue = never
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.releaseCID(cid)
		return nil
	}
	if old := l.sessions[session]; old != nil {
		old.requestClose(&CloseError{Code: CodeReplaced, Reason: "session resumed on a new connection"})
	}
	l.sessions[session] = c
	l.mu.Unlock()
	l.stats.conns.Add(1)
	if !w.call(func() {
		w.addConn(c)
		c.tokenDue = w.now + int64(l.cfg.ResumeLifetime/3)
		if onAdd != nil {
			onAdd(c)
		}
		c.reschedule()
	}) { // the listener is closing: undo the registration
		l.forget(c)
		l.releaseCID(cid)
		return nil
	}
	return c
}

// announce gives a new connection to the Handler or the accept queue.
func (l *Listener) announce(c *Conn) {
	if l.cfg.Handler != nil {
		c.w.postWait(c.announce) // unless its first message announced it already
		return
	}
	select {
	case l.accepts <- c:
	default:
		c.requestClose(&CloseError{Code: CodeInternal, Reason: "accept queue full"})
	}
}

// linger keeps the DTLS session until the client's first DATA packet, answering
// repeated HELLOs with the same ACCEPT.
func (l *Listener) linger(ctx context.Context, sess *handshake.Session, c *Conn, reply []byte) {
	first := c.firstData
	buf := make([]byte, 512)
	for {
		select {
		case <-first:
			return
		case <-ctx.Done():
			return
		default:
		}
		sess.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := sess.Read(buf)
		if err != nil {
			if isTimeout(err) {
				continue
			}
			return
		}
		if _, err := parseHello(buf[:n]); err == nil {
			sess.Write(reply)
		}
	}
}

// lingerRefused repeats a refusal to every HELLO the client sends again (its HELLO or
// the refusal was lost), until the client closes the session or the handshake deadline.
func (l *Listener) lingerRefused(ctx context.Context, sess *handshake.Session, reply []byte) {
	dl, _ := ctx.Deadline()
	sess.SetReadDeadline(dl)
	buf := make([]byte, 512)
	for {
		n, err := sess.Read(buf)
		if err != nil {
			return
		}
		if _, err := parseHello(buf[:n]); err == nil {
			sess.Write(reply)
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// allocCID picks an unused, nonzero connection ID.
func (l *Listener) allocCID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 64 {
		var b [4]byte
		crand.Read(b[:])
		cid := binary.BigEndian.Uint32(b[:])
		if _, used := l.cids[cid]; cid != 0 && !used {
			l.cids[cid] = struct{}{}
			return cid
		}
	}
	return 0
}

func (l *Listener) releaseCID(cid uint32) {
	l.mu.Lock()
	delete(l.cids, cid)
	l.mu.Unlock()
}

// forget drops a closed connection from the session index.
func (l *Listener) forget(c *Conn) {
	l.mu.Lock()
	if l.sessions[c.session] == c {
		delete(l.sessions, c.session)
	}
	l.mu.Unlock()
	l.stats.conns.Add(-1)
}

func randomSession() uint64 {
	var b [8]byte
	crand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])
}
