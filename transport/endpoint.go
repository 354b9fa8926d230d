package transport

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// endpoint owns one socket: a read loop that hands datagrams to workers in batches,
// and the workers, which own the connections. The listener has one endpoint with
// several workers; each dialed client has one with a single worker.
type endpoint struct {
	pc      net.PacketConn
	io      batchConn
	workers []*worker
	bufSize int
	log     *slog.Logger
	sock    socketCounters

	// route says what to do with a datagram that is not DATA: it handles it on the read
	// loop (and must copy what it keeps) and returns -1, or returns the index of the worker
	// that takes it over with its buffer. DATA goes to the worker its connection ID names.
	route func(b []byte, from netip.AddrPort) int

	ownsPC    bool // close closes the socket
	readBatch int  // the most datagrams one read takes: batchSize, or less on a client

	mu     sync.Mutex // guards the following fields
	closed bool

	closeCh  chan struct{}
	workerWG sync.WaitGroup // the workers
	readerWG sync.WaitGroup // the read loops
}

func newEndpoint(pc net.PacketConn, workers int, mtu int, log *slog.Logger) *endpoint {
	ep := &endpoint{
		pc:        pc,
		io:        newBatchConn(pc),
		bufSize:   max(mtu, 2048),
		readBatch: batchSize,
		log:       log,
		closeCh:   make(chan struct{}),
	}
	ep.workers = make([]*worker, workers)
	for i := range ep.workers {
		ep.workers[i] = newWorker(ep, i)
	}
	return ep
}

// start launches the read loop and the workers.
func (ep *endpoint) start() {
	for _, w := range ep.workers {
		ep.workerWG.Add(1)
		go w.loop()
	}
	ep.startReader(ep.pc, ep.io)
}

func (ep *endpoint) startReader(pc net.PacketConn, io batchConn) {
	ep.readerWG.Add(1)
	go ep.readLoop(pc, io)
}

// workerFor returns the worker that owns connection ID cid.
func (ep *endpoint) workerFor(cid uint32) *worker {
	return ep.workers[cid%uint32(len(ep.workers))]
}

func (ep *endpoint) readLoop(pc net.PacketConn, io batchConn) {
	defer ep.readerWG.Done()
	if !ep.ownsPC { // the caller's socket: give its read deadline back however we stop
		defer pc.SetReadDeadline(time.Time{})
	}
	ms := make([]rxMsg, ep.readBatch)
	for i := range ms {
		ms[i].buf = getBuf(ep.bufSize)
	}
	defer func() {
		for i := range ms {
			putBuf(ms[i].buf)
		}
	}()
	pending := make([]*rxBatch, len(ep.workers))
	want := minReadBatch
	for {
		n, err := io.readBatch(ms[:want])
		if err != nil {
			if ep.readFailed(pc, err) {
				return
			}
			continue
		}
		ep.sock.reads.Add(1)
		// Ask for twice as many datagrams as the last read found: preparing the system
		// call costs per slot, and at low load one datagram is waiting, not 64.
		want = min(max(minReadBatch, 2*n), len(ms))
		inline := n <= inlineBatch
		for i := range n {
			ep.dispatch(&ms[i], pending, inline)
		}
		ep.handOff(pending, inline)
	}
}

// handOff gives each worker the batch gathered for it: the read loop runs the round
// itself when inline and the worker is idle, else the worker goroutine gets it.
func (ep *endpoint) handOff(pending []*rxBatch, inline bool) {
	for i, b := range pending {
		if b != nil {
			pending[i] = nil
			if w := ep.workers[i]; !inline || !w.tryInline(b) {
				w.deliver(b)
			}
		}
	}
}

// readFailed reports whether the read loop must stop after err.
func (ep *endpoint) readFailed(pc net.PacketConn, err error) bool {
	ep.mu.Lock()
	stop := ep.closed || ep.pc != pc
	ep.mu.Unlock()
	if stop || errors.Is(err, net.ErrClosed) {
		return true
	}
	// Transient errors (ICMP port unreachable surfacing as ECONNREFUSED, buffer
	// shortages) must not end the loop.
	ep.log.Debug("transport: read error", "err", err)
	time.Sleep(time.Millisecond) // bound the spin if the error repeats
	return false
}

// dispatch hands one datagram to its worker's batch or to route. Before route acts on
// a datagram that is not DATA (a RESUME may rekey a connection) the DATA read before it
// goes to the workers, so that it is handled first.
func (ep *endpoint) dispatch(m *rxMsg, pending []*rxBatch, inline bool) {
	b := (*m.buf)[:m.n]
	ep.sock.packetsRecv.Add(1)
	ep.sock.bytesRecv.Add(uint64(m.n))
	if len(b) == 0 {
		return
	}
	from := unmap(m.addr)
	wi := -1
	if b[0] == typeData || b[0] == typePlain {
		if len(b) >= headerLen+1 {
			wi = int(ep.workerFor(cidOf(b)).idx)
		}
	} else {
		ep.handOff(pending, inline)
		wi = ep.route(b, from)
	}
	if wi < 0 {
		return
	}
	if pending[wi] == nil {
		pending[wi] = getRxBatch()
	}
	pending[wi].pkts = append(pending[wi].pkts, rxMsg{buf: m.buf, n: m.n, addr: from})
	m.buf = getBuf(ep.bufSize)
}

// clientReadBatch is the read batch of a client, which hears one relay: a read buffer
// per slot is memory every client connection keeps.
const clientReadBatch = 16

// minReadBatch is the fewest datagrams a read asks for.
const minReadBatch = 4

// inlineBatch is the largest read the read loop handles itself (when the worker is
// idle); larger ones mean load, and go to the workers to use every core.
const inlineBatch = 8

func cidOf(b []byte) uint32 {
	return uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
}

// write sends a batch of datagrams and recycles their buffers.
func (ep *endpoint) write(ms []txMsg) {
	ep.mu.Lock()
	io := ep.io
	ep.mu.Unlock()
	n, err := io.writeBatch(ms)
	var bytes uint64
	for i := range ms {
		if i < n {
			bytes += uint64(len(*ms[i].buf))
		}
		putBuf(ms[i].buf)
		ms[i] = txMsg{}
	}
	ep.sock.packetsSent.Add(uint64(n))
	ep.sock.bytesSent.Add(bytes)
	ep.sock.writes.Add(uint64(io.calls(len(ms))))
	if err != nil {
		ep.sock.writeErrors.Add(uint64(len(ms) - n))
		ep.log.Debug("transport: write error", "err", err, "dropped", len(ms)-n)
	}
}

// writeTo sends one datagram at once, bypassing the workers (handshakes, RETRY, RESET).
func (ep *endpoint) writeTo(b []byte, addr netip.AddrPort) error {
	ep.mu.Lock()
	io := ep.io
	ep.mu.Unlock()
	if err := io.writeTo(b, addr); err != nil {
		ep.sock.writeErrors.Add(1)
		return err
	}
	ep.sock.packetsSent.Add(1)
	ep.sock.bytesSent.Add(uint64(len(b)))
	ep.sock.writes.Add(1)
	return nil
}

func (ep *endpoint) localAddr() net.Addr {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.pc.LocalAddr()
}

// swapSocket replaces the socket (a client moving to a new local port). The old read
// loop ends; the old socket is closed if closeOld.
func (ep *endpoint) swapSocket(pc net.PacketConn, closeOld bool) {
	io := newBatchConn(pc)
	ep.mu.Lock()
	if ep.closed {
		ep.mu.Unlock()
		pc.Close()
		return
	}
	old := ep.pc
	ep.pc, ep.io = pc, io
	ep.mu.Unlock()
	ep.startReader(pc, io)
	if closeOld {
		old.Close()
	} else {
		// The old read loop is blocked on a socket we do not own: wake it.
		old.SetReadDeadline(time.Now())
	}
}

// beginClose stops the endpoint without waiting, from its own worker (a client whose
// connection ended, after its last packets were written): the workers see closeCh, and
// the read loop ends when the socket is closed (or, if the endpoint does not own it, when
// its read deadline wakes it).
func (ep *endpoint) beginClose() {
	if pc, ok := ep.markClosed(); ok {
		ep.releaseSocket(pc)
	}
}

// markClosed closes closeCh once and returns the socket.
func (ep *endpoint) markClosed() (net.PacketConn, bool) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.closed {
		return ep.pc, false
	}
	ep.closed = true
	close(ep.closeCh)
	return ep.pc, true
}

// releaseSocket ends the read loop: it closes a socket the endpoint owns, and wakes the
// read loop on one it does not.
func (ep *endpoint) releaseSocket(pc net.PacketConn) {
	if ep.ownsPC {
		pc.Close()
	} else {
		pc.SetReadDeadline(time.Now())
	}
}

// close stops the endpoint and waits for its goroutines. The workers go first, so the
// CLOSE packets they send on the way out still find the socket open. It is idempotent.
// A socket the endpoint does not own gets its read deadline back.
func (ep *endpoint) close() {
	ep.markClosed()
	ep.workerWG.Wait()
	ep.mu.Lock()
	pc := ep.pc
	ep.mu.Unlock()
	ep.releaseSocket(pc)
	ep.readerWG.Wait()
	if !ep.ownsPC {
		pc.SetReadDeadline(time.Time{})
	}
}

// rxBatch is a batch of datagrams for one worker.
type rxBatch struct {
	pkts []rxMsg
}

var rxBatchPool = sync.Pool{New: func() any { return &rxBatch{pkts: make([]rxMsg, 0, batchSize)} }}

func getRxBatch() *rxBatch { return rxBatchPool.Get().(*rxBatch) }

func putRxBatch(b *rxBatch) {
	for i := range b.pkts {
		putBuf(b.pkts[i].buf)
		b.pkts[i] = rxMsg{}
	}
	b.pkts = b.pkts[:0]
	rxBatchPool.Put(b)
}
