package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

// Handler receives a listener's or a client's events. Its methods run inside the round
// of the worker that owns the connection, on the worker's goroutine or on the read
// loop, never concurrently for connections of one worker, and must not block (hand long
// work to another goroutine): a slow handler holds up its worker and, when it runs on
// the read loop, every worker. They hold no lock of the caller's, and may call any Conn
// method but Shutdown (Send and Close included); Conn.Shutdown, Listener.Close and
// Listener.Shutdown wait for the workers, so a Handler that needs them starts a
// goroutine. Connected comes before any Message or Closed of its connection; a relay
// connection that closes before it was announced gets neither.
type Handler interface {
	// Connected is called once for each new or resumed connection (relay side only).
	Connected(c *Conn)
	// Message is called for each message received. msg is valid only during the call.
	Message(c *Conn, ch int, msg []byte)
	// Closed is called once when the connection closes, with the reason (a *CloseError).
	Closed(c *Conn, err error)
}

// Message is a received message, as [Conn.Receive] returns it. The caller owns Data.
type Message struct {
	Channel int
	Data    []byte
}

// outMsg is a message queued by Send for the worker. buf holds reliablePrefix spare
// bytes in front of the payload for reliable channels.
type outMsg struct {
	ch  uint8
	buf *[]byte
}

type connState uint8

const (
	stateOpen     connState = iota
	stateDraining           // closed; CID kept as a tombstone that answers with CLOSE
	stateClosed
)

// connParams are a connection's settings after negotiation. Shared, never modified.
type connParams struct {
	mtu          int
	maxMessage   int
	maxUnrel     int
	keepAlive    time.Duration
	idleTimeout  time.Duration
	pathTimeout  time.Duration
	sendQueue    int
	unrelQueue   int
	recvQueue    int
	recvRate     int
	recvPktRate  int
	handler      Handler
	logger       *slog.Logger
	maxPlaintext int // frames per packet
}

// Conn is one connection: channels over a single UDP path, identified by connection
// IDs. All methods are safe for concurrent use. On the relay, a worker goroutine owns
// many connections; on a client, one goroutine owns the connection.
type Conn struct {
	// Immutable after creation.
	w        *worker
	p        *connParams
	client   bool
	localCID uint32
	modes    []Mode
	session  uint64
	ctx      context.Context
	cancel   context.CancelFunc
	recvCh   chan Message // nil with a Handler
	closedCh chan struct{}

	sendMu    sync.Mutex // guards the following fields
	relQ      []outMsg
	unrelQ    []outMsg // drop-oldest ring, at most p.unrelQueue
	onReady   bool     // on the worker's ready list
	closeReq  *CloseError
	drainCh   chan struct{} // closed by the worker once nothing reliable is pending
	closeErr  *CloseError
	sessData  []byte
	resumed   bool
	recvBlock bool // reliable delivery is waiting for room in recvCh

	queuedBytes atomic.Int64 // reliable bytes queued or unacknowledged
	stats       connCounters

	// Owned by the worker goroutine.
	state        connState
	remoteCID    uint32
	sendKey      *seal.Key
	recvKey      *seal.Key
	plain        bool
	sendPN       uint64
	replay       seal.ReplayWindow
	peer         netip.AddrPort
	peerNet      net.Addr
	pathValid    bool
	challenge    uint64
	pathRecv     int
	pathSent     int
	chans        []chanState
	partialLeft  int
	pkt          []byte  // datagram being built: header, then frames
	pktBuf       *[]byte // the buffer pkt lives in
	dirty        bool    // on the worker's dirty list
	pongs        []pongReq
	lastRecv     int64
	lastSend     int64
	pingID       uint64
	pingSent     int64
	rttAt        int64
	rtt          rttEstimator
	rate         rateLimiter
	deadline     int64
	heapIdx      int
	kcpDue       int64
	releaseDue   int64 // when to look for idle KCP engines to free
	closeFrame   []byte
	tombUntil    int64
	lastCloseTx  int64
	firstData    chan struct{} // set before the worker owns c; closed on the first authenticated packet (relay)
	firstSeen    bool          // firstData is closed
	resumeKey    [32]byte      // current resume secret
	tokenDue     int64         // relay: when to send the next NEW_TOKEN
	tokenOnValid bool          // relay: send a NEW_TOKEN when the path validates (after a resume)
	tokenWanted  bool          // relay: a NEW_TOKEN is due, to go with the next packet
	announced    bool          // Connected has run (relay with a Handler; always true on a client)
	cl           *clientState  // client-only state
}

type pongReq struct {
	id uint64
	at int64
}

// chanState is the per-channel state owned by the worker.
type chanState struct {
	mode    Mode
	rel     *reliableChannel
	seq     sequenced
	fragSeq uint16
	reasm   *reassembly
}

// Send queues msg on channel ch and returns without waiting. It copies msg. Reliable
// messages fail with ErrSendQueueFull when the reliable queue is full, and nothing is
// queued; unreliable ones push out the oldest queued unreliable message instead.
// A closed connection returns its *CloseError.
func (c *Conn) Send(ch int, msg []byte) error {
	if ch < 0 || ch >= len(c.modes) {
		return fmt.Errorf("send on channel %d: %w", ch, ErrUnknownChannel)
	}
	reliable := c.modes[ch] == ReliableOrdered
	if err := c.checkSize(reliable, len(msg)); err != nil {
		return err
	}
	m := outMsg{ch: uint8(ch), buf: getBuf(len(msg) + reliablePrefix)}
	copy((*m.buf)[reliablePrefix:], msg)
	c.sendMu.Lock()
	if c.closeErr != nil || c.closeReq != nil {
		err := c.closeErrLocked()
		c.sendMu.Unlock()
		putBuf(m.buf)
		return err
	}
	if reliable {
		if c.queuedBytes.Load()+int64(len(msg)) > int64(c.p.sendQueue) {
			c.sendMu.Unlock()
			putBuf(m.buf)
			c.stats.sendQueueFull.Add(1)
			return ErrSendQueueFull
		}
		c.queuedBytes.Add(int64(len(msg)))
		c.relQ = append(c.relQ, m)
	} else {
		c.pushUnreliableLocked(m)
	}
	notify := c.claimReadyLocked()
	c.sendMu.Unlock()
	if notify {
		c.w.sendReady(c)
	}
	return nil
}

func (c *Conn) checkSize(reliable bool, n int) error {
	switch {
	case reliable && n > c.p.maxMessage:
		return fmt.Errorf("send %d bytes (reliable limit %d): %w", n, c.p.maxMessage, ErrMessageTooLarge)
	case !reliable && n > c.p.maxUnrel:
		return fmt.Errorf("send %d bytes (unreliable limit %d): %w", n, c.p.maxUnrel, ErrMessageTooLarge)
	}
	return nil
}

func (c *Conn) pushUnreliableLocked(m outMsg) {
	if len(c.unrelQ) >= c.p.unrelQueue {
		putBuf(c.unrelQ[0].buf)
		n := copy(c.unrelQ, c.unrelQ[1:])
		c.unrelQ = c.unrelQ[:n]
		c.stats.sendDropped.Add(1)
	}
	c.unrelQ = append(c.unrelQ, m)
}

// claimReadyLocked marks c as waiting for its worker and reports whether the caller
// must tell the worker (c was not waiting yet).
func (c *Conn) claimReadyLocked() bool {
	notify := !c.onReady
	c.onReady = true
	return notify
}

func (c *Conn) closeErrLocked() error {
	if c.closeErr != nil {
		return c.closeErr
	}
	return c.closeReq
}

// Receive waits for the next message. It is for connections without a Handler.
// It returns the *CloseError once the connection is closed and its queue is empty,
// and ctx's error if ctx ends first.
func (c *Conn) Receive(ctx context.Context) (Message, error) {
	if c.recvCh == nil {
		return Message{}, ErrHandlerSet
	}
	select {
	case m := <-c.recvCh:
		c.afterReceive()
		return m, nil
	default:
	}
	select {
	case m := <-c.recvCh:
		c.afterReceive()
		return m, nil
	case <-c.closedCh:
		select {
		case m := <-c.recvCh:
			return m, nil
		default:
		}
		return Message{}, c.Err()
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

// afterReceive wakes the worker if reliable delivery was waiting for queue room.
func (c *Conn) afterReceive() {
	c.sendMu.Lock()
	wake := c.recvBlock
	c.recvBlock = false
	notify := wake && !c.onReady
	if notify {
		c.onReady = true
	}
	c.sendMu.Unlock()
	if notify {
		c.w.markReady(c)
	}
}

// Close closes the connection at once: queued messages are dropped and the peer is told.
// It is idempotent and does not wait for the peer. On a client it also waits for the
// connection's goroutines to end, except when called while the client's Handler runs
// (from the Handler, or from another goroutine at that moment), when they end on their
// own.
func (c *Conn) Close() error {
	return c.CloseWithCode(CodeNormal, "closed")
}

// CloseWithCode closes the connection like Close, telling the peer code and reason.
func (c *Conn) CloseWithCode(code CloseCode, reason string) error {
	c.requestClose(&CloseError{Code: code, Reason: reason})
	if c.client && !c.w.inHandler.Load() {
		<-c.closedCh
		c.w.ep.close() // waits for the client's goroutines
	}
	return nil
}

func (c *Conn) requestClose(e *CloseError) {
	c.sendMu.Lock()
	if c.closeReq != nil || c.closeErr != nil {
		c.sendMu.Unlock()
		return
	}
	c.closeReq = e
	notify := c.claimReadyLocked()
	c.sendMu.Unlock()
	if notify {
		c.w.markReady(c)
	}
}

// Shutdown waits until every reliable message queued so far is acknowledged, then
// closes the connection. If ctx ends first it closes at once and returns ctx's error.
// It must not be called from a Handler, which would wait for its own round.
func (c *Conn) Shutdown(ctx context.Context) error {
	var err error
	select {
	case <-c.startDrain():
	case <-c.closedCh:
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.Close()
	return err
}

// Err returns why the connection closed, or nil while it is open.
func (c *Conn) Err() error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.closeErr == nil {
		return nil
	}
	return c.closeErr
}

// Context returns a context that is canceled when the connection closes.
func (c *Conn) Context() context.Context { return c.ctx }

// Channels returns the connection's channel modes, indexed by channel number.
func (c *Conn) Channels() []Mode { return append([]Mode(nil), c.modes...) }

// SessionID returns the session's identifier, which stays the same across resumes.
func (c *Conn) SessionID() uint64 { return c.session }

// LocalAddr returns the local address of the socket.
func (c *Conn) LocalAddr() net.Addr { return c.w.ep.localAddr() }

// RemoteAddr returns the peer's current address (it changes when a client migrates).
func (c *Conn) RemoteAddr() net.Addr {
	if a := c.stats.peer.Load(); a != nil {
		return *a
	}
	return nil
}

// SessionData returns the data attached to the session with SetSessionData (relay side),
// which a resumed connection carries over.
func (c *Conn) SessionData() []byte {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return append([]byte(nil), c.sessData...)
}

// SetSessionData attaches data (at most 1024 bytes) to the session; it travels, sealed,
// inside the resume tokens the relay gives the client, so a connection resumed after the
// relay dropped this one gets it back. Relay side only.
func (c *Conn) SetSessionData(data []byte) error {
	if len(data) > 1024 {
		return fmt.Errorf("transport: session data of %d bytes (max 1024): %w", len(data), ErrMessageTooLarge)
	}
	c.sendMu.Lock()
	c.sessData = append([]byte(nil), data...)
	c.sendMu.Unlock()
	return nil
}

// Resumed reports whether this connection was created by a resume (its session existed
// before), rather than by a full handshake.
func (c *Conn) Resumed() bool {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.resumed
}

// Unencrypted reports whether the connection's data packets travel in clear.
func (c *Conn) Unencrypted() bool { return c.stats.plain.Load() }

// newConn makes a connection with keys from s; the caller registers it with w.
func newConn(w *worker, p *connParams, client bool, localCID, remoteCID uint32, modes []Mode, s *seal.Secrets, plain bool, peer netip.AddrPort) *Conn {
	c := &Conn{
		w: w, p: p, client: client, localCID: localCID, remoteCID: remoteCID,
		modes:      append([]Mode(nil), modes...),
		closedCh:   make(chan struct{}),
		plain:      plain,
		pathValid:  true,
		kcpDue:     never,
		releaseDue: never,
		heapIdx:    -1,
		resumeKey:  s.Resume,
		announced:  client,
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if p.handler == nil {
		c.recvCh = make(chan Message, p.recvQueue)
	}
	sendKey, sendIV, recvKey, recvIV := s.ServerKey, s.ServerIV, s.ClientKey, s.ClientIV
	if client {
		sendKey, sendIV, recvKey, recvIV = s.ClientKey, s.ClientIV, s.ServerKey, s.ServerIV
	}
	c.sendKey, _ = seal.NewKey(sendKey[:], sendIV[:])
	c.recvKey, _ = seal.NewKey(recvKey[:], recvIV[:])
	c.chans = make([]chanState, len(modes))
	for i, m := range modes {
		c.chans[i].mode = m
	}
	c.partialLeft = maxPartialBytes
	c.stats.plain.Store(plain)
	c.setPeer(peer)
	return c
}

// maxPartialBytes bounds the memory a connection spends on unreliable messages being
// reassembled, across all its channels.
const maxPartialBytes = 64 << 10

// startDrain asks the worker to report when nothing reliable is pending, and returns
// the channel it will close.
func (c *Conn) startDrain() <-chan struct{} {
	c.sendMu.Lock()
	if c.drainCh == nil {
		c.drainCh = make(chan struct{})
	}
	ch := c.drainCh
	notify := c.claimReadyLocked()
	c.sendMu.Unlock()
	if notify {
		c.w.markReady(c)
	}
	return ch
}
