package transport

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

// This file is a socket-free harness for protocol tests: a client and a relay-side
// connection, each owned by a worker that is driven step by step from the test, with
// the datagrams each side writes captured instead of sent. Tests decide what arrives,
// when, and in what order. They run inside synctest bubbles, so time (the workers' clocks
// and KCP's own) moves only when a test sleeps, and instantly.

// captureIO is a batchConn that records writes and never reads.
type captureIO struct {
	out [][]byte
	to  []netip.AddrPort // the destination of each datagram in out
}

func (c *captureIO) readBatch([]rxMsg) (int, error) { return 0, io.EOF }

func (c *captureIO) writeBatch(ms []txMsg) (int, error) {
	for i := range ms {
		c.writeTo(*ms[i].buf, ms[i].addr)
	}
	return len(ms), nil
}

func (c *captureIO) calls(n int) int { return n }

func (c *captureIO) writeTo(b []byte, to netip.AddrPort) error {
	c.out = append(c.out, append([]byte(nil), b...))
	c.to = append(c.to, to)
	return nil
}

// side is one end of a harness pair.
type side struct {
	io *captureIO
	w  *worker
	c  *Conn
}

// take returns and forgets what the side wrote.
func (s *side) take() [][]byte {
	out := s.io.out
	s.io.out, s.io.to = nil, nil
	return out
}

// timers runs due timers, as the worker loop would.
func (s *side) timers() {
	s.w.tick()
	s.w.handleTimers()
	s.w.flush()
}

// step runs what the worker loop does for queued sends.
func (s *side) step() {
	s.w.tick()
	s.w.handleReady()
	s.w.flush()
}

// receive hands datagrams to the side, as the read loop would.
func (s *side) receive(pkts [][]byte) {
	s.receiveFrom(pkts, s.c.peer)
}

func (s *side) receiveFrom(pkts [][]byte, from netip.AddrPort) {
	s.w.tick()
	for _, p := range pkts {
		s.w.handleDatagram(append([]byte(nil), p...), from)
	}
	s.w.flush()
}

// wait lets d pass on the fake clock and runs both sides' timers.
func wait(d time.Duration, sides ...*side) {
	time.Sleep(d)
	for _, s := range sides {
		s.timers()
	}
}

// pairOptions configure newPair.
type pairOptions struct {
	modes   []Mode
	plain   bool
	handler Handler // relay side; nil → receive queue
	// recvQueue is the receive queue of both sides (0: 1024).
	recvQueue int
}

var (
	clientAddr = netip.MustParseAddrPort("192.0.2.10:40000")
	relayAddr  = netip.MustParseAddrPort("198.51.100.1:7000")
)

// newPair makes a connected client and relay connection that share secrets.
func newPair(t testing.TB, o pairOptions) (client, relay *side) {
	t.Helper()
	if o.modes == nil {
		o.modes = []Mode{ReliableOrdered, Unreliable, UnreliableSequenced, ReliableOrdered}
	}
	var material [seal.MaterialLen]byte
	for i := range material {
		material[i] = byte(i * 7)
	}
	s, err := seal.SplitMaterial(material[:])
	if err != nil {
		t.Fatal(err)
	}
	client = newSide(t, true, o, &s, relayAddr)
	relay = newSide(t, false, o, &s, clientAddr)
	client.c.remoteCID, relay.c.remoteCID = relay.c.localCID, client.c.localCID
	return client, relay
}

func newSide(t testing.TB, isClient bool, o pairOptions, s *seal.Secrets, peer netip.AddrPort) *side {
	cio := &captureIO{}
	ep := &endpoint{io: cio, bufSize: 2048, log: slog.New(slog.DiscardHandler), closeCh: make(chan struct{}), pc: dummyPC{}}
	w := newWorker(ep, 0)
	ep.workers = []*worker{w}
	w.recvBuf = make([]byte, maxReliableMessage(1200)+reliablePrefix)
	p := &connParams{
		mtu: 1200, maxMessage: 64 << 10, maxUnrel: maxUnreliable(1200),
		keepAlive: time.Second, idleTimeout: 10 * time.Second,
		sendQueue: 512 << 10, unrelQueue: 256, recvQueue: 1024,
		recvRate: 1 << 30, recvPktRate: 1 << 30,
		logger: slog.New(slog.DiscardHandler), maxPlaintext: 1200 - headerLen - tagLen,
	}
	if o.recvQueue > 0 {
		p.recvQueue = o.recvQueue
	}
	cid := uint32(0x1000)
	if isClient {
		cid = 0x2000
	} else {
		p.handler = o.handler
	}
	c := newConn(w, p, isClient, cid, 0, o.modes, s, o.plain, peer)
	if isClient {
		c.cl = &clientState{raddr: peer, token: []byte("token")}
	} else {
		c.tokenDue = never
	}
	w.addConn(c)
	t.Cleanup(func() {
		if w.timerSpins != 0 {
			t.Errorf("%d timers were still due after they ran", w.timerSpins)
		}
	})
	return &side{io: cio, w: w, c: c}
}

// dummyPC stands in for the socket of a harness endpoint; nothing reads or writes it.
type dummyPC struct{}

func (dummyPC) ReadFrom([]byte) (int, net.Addr, error)    { return 0, nil, io.EOF }
func (dummyPC) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
func (dummyPC) Close() error                              { return nil }
func (dummyPC) LocalAddr() net.Addr                       { return net.UDPAddrFromAddrPort(clientAddr) }
func (dummyPC) SetDeadline(time.Time) error               { return nil }
func (dummyPC) SetReadDeadline(time.Time) error           { return nil }
func (dummyPC) SetWriteDeadline(time.Time) error          { return nil }

// drain returns the messages waiting in a side's receive queue.
func drain(s *side) []Message {
	var ms []Message
	for {
		select {
		case m := <-s.c.recvCh:
			ms = append(ms, m)
		default:
			return ms
		}
	}
}
