package directmode

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// tickInterval is how often the mesh re-reads the room and checks its links' timers.
const tickInterval = 250 * time.Millisecond

// maxInbox bounds the work waiting for the mesh's loop; signalling beyond it is dropped.
const maxInbox = 4096

// A Mesh keeps WebRTC links to the players of the client's room, as the room's direct
// mode asks. Create it with [New] after dialling, pass it the client's events with
// [Mesh.HandleEvent], and call [Mesh.Sync] after joining a room. Its methods are safe
// for concurrent use.
type Mesh struct {
	c      *client.Client
	cfg    Config
	log    *slog.Logger
	api    *webrtc.API
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	events eventQueue
	wg     sync.WaitGroup // the loop, link goroutines and readers
	wake   chan struct{}

	dispatched  chan struct{} // closed when dispatchLoop ends
	dispatchGID atomic.Int64  // the goroutine that calls the Handler
	pending     atomic.Int64  // signals queued or being sent: Close lets its goodbyes leave

	inboxMu sync.Mutex // guards inbox
	inbox   []func()

	mu    sync.RWMutex // guards the following fields; only the loop writes them
	view  view
	links map[int]*link

	ownsClient bool // made by Dial: Close closes the client
	closed     atomic.Bool
	dropped    atomic.Uint64 // unreliable messages dropped on full send buffers

	// Owned by the loop.
	turn      []webrtc.ICEServer
	turnUntil time.Time
	turnTTL   time.Duration
	sessions  map[int]*bucket // new links per player, rate-limited
	report    peerReport      // peer status reports to the relay (peer_status.go)
}

// view is what the mesh knows of the room.
type view struct {
	room   string
	self   int
	master int
	mode   protocol.DirectMode
	active []int
}

// New starts a mesh for c. It opens links once c is in a room with direct mode set
// (call [Mesh.Sync] after joining; the mesh also notices on its own within a quarter
// of a second). Close the mesh before or with the client.
func New(c *client.Client, cfg *Config) (*Mesh, error) {
	if c == nil {
		return nil, errors.Join(ErrBadConfig, errors.New("nil client"))
	}
	var cc Config
	if cfg != nil {
		cc = *cfg
	}
	cc.withDefaults()
	if err := cc.validate(); err != nil {
		return nil, err
	}
	m := &Mesh{c: c, cfg: cc, log: cc.Logger, wake: make(chan struct{}, 1), links: map[int]*link{},
		dispatched: make(chan struct{}), sessions: map[int]*bucket{}}
	m.api = newAPI(&cc)
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.events.init(cc.MaxQueuedEvents)
	m.wg.Add(1)
	go m.runLoop()
	go m.dispatchLoop()
	return m, nil
}

func newAPI(c *Config) *webrtc.API {
	se := webrtc.SettingEngine{}
	se.DetachDataChannels()
	se.SetICETimeouts(c.DisconnectTimeout, c.FailedTimeout, c.Keepalive)
	se.SetSrflxAcceptanceMinWait(c.ReflexiveWait)
	se.SetPrflxAcceptanceMinWait(c.ReflexiveWait)
	se.SetRelayAcceptanceMinWait(c.RelayWait)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetIncludeLoopbackCandidate(c.IncludeLoopback)
	se.SetSCTPMaxMessageSize(uint32(c.MaxMessageSize))
	if c.Net != nil {
		se.SetNet(c.Net)
	}
	if !c.MulticastDNS {
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	// No codecs and no interceptors: data channels only (fewer goroutines per link).
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&webrtc.MediaEngine{}),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
}

// HandleEvent gives the mesh one of the client's events; call it first thing in the
// client's handler. It returns true for events the mesh consumed (signalling, and
// messages sent through the relay with [Config.RelayEventCode], which come back as
// [MessageEvent]s), which the application should then ignore.
func (m *Mesh) HandleEvent(ev client.Event) bool {
	switch e := ev.(type) {
	case *client.SignalEvent:
		m.postSignal(func() { m.handleSignal(e.Sender, e.Data) })
		return true
	case *client.CustomEvent:
		if e.Code != m.cfg.RelayEventCode {
			return false
		}
		m.events.push(&MessageEvent{From: e.Sender, Data: e.Payload, Reliable: e.Reliable, ViaRelay: true})
		return true
	case *client.JoinEvent, *client.LeaveEvent, *client.MasterClientChangedEvent, *client.DisconnectedEvent:
		m.post(m.sync)
	}
	return false
}

// syncWait bounds how long Sync waits for the mesh's loop.
const syncWait = time.Second

// Sync makes the mesh re-read the client's room now, e.g. right after joining it, and
// returns once it has (or after a second, if the mesh is busy): SendDirect then
// knows the room.
func (m *Mesh) Sync() {
	done := make(chan struct{})
	if !m.post(func() { m.sync(); close(done) }) {
		return
	}
	t := time.NewTimer(syncWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-m.ctx.Done():
	}
}

// byeWait bounds how long Close waits for its goodbyes to the linked players to leave.
const byeWait = 500 * time.Millisecond

// Close closes every link (telling the linked players, best effort) and stops the
// mesh, waiting for a running Handler to return unless it is called from the Handler;
// no Handler call starts after Close. It closes the client only if the mesh was made
// by [Dial]. It is idempotent; afterwards SendDirect returns an error matching
// net.ErrClosed.
func (m *Mesh) Close() error {
	byes := make(chan struct{})
	if !m.post(func() { m.closeAll(false, true); close(byes) }) {
		close(byes)
	}
	if m.closed.Swap(true) {
		return nil
	}
	deadline := time.Now().Add(byeWait)
	waitFor(byes, byeWait)
	for m.pending.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the goodbyes are on their way to the relay
	}
	m.cancel()
	m.wg.Wait()
	m.events.close()
	if m.dispatchGID.Load() != goroutineID() {
		<-m.dispatched
	}
	if m.ownsClient {
		return m.c.Close()
	}
	return nil
}

func waitFor(ch <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// goroutineID is the current goroutine's id, read from its stack header
// ("goroutine 42 [running]:"); Close uses it to know whether the Handler calls it.
func goroutineID() int64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseInt(string(b[:max(bytes.IndexByte(b, ' '), 0)]), 10, 64)
	return id
}

// Dropped returns how many unreliable messages were dropped because a channel's send
// buffer was full, and how many events because the Handler fell behind.
func (m *Mesh) Dropped() (messages, events uint64) {
	return m.dropped.Load(), m.events.droppedCount()
}

// post queues work for the loop; it reports false if the mesh is closed. Work from
// pion and the mesh itself is never dropped.
func (m *Mesh) post(fn func()) bool { return m.enqueue(fn, false) }

// postSignal queues the handling of a player's signal, which is dropped when the
// loop is maxInbox items behind (a flooding player).
func (m *Mesh) postSignal(fn func()) bool { return m.enqueue(fn, true) }

func (m *Mesh) enqueue(fn func(), bounded bool) bool {
	m.inboxMu.Lock()
	if m.closed.Load() || (bounded && len(m.inbox) >= maxInbox) {
		m.inboxMu.Unlock()
		return false
	}
	m.inbox = append(m.inbox, fn)
	m.inboxMu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return true
}

// runLoop owns the links: every change to them happens here.
func (m *Mesh) runLoop() {
	defer m.wg.Done()
	tick := time.NewTicker(tickInterval)
	defer tick.Stop()
	for {
		select {
		case <-m.ctx.Done():
			m.closeAll(false, false)
			return
		case <-m.wake:
			m.runInbox()
		case <-tick.C:
			m.sync()
			m.checkTimers()
		}
		m.reportPeers()
	}
}

func (m *Mesh) runInbox() {
	m.inboxMu.Lock()
	work := m.inbox
	m.inbox = nil
	m.inboxMu.Unlock()
	for _, fn := range work {
		if m.ctx.Err() != nil {
			return
		}
		fn()
	}
}

func (m *Mesh) dispatchLoop() {
	defer close(m.dispatched)
	m.dispatchGID.Store(goroutineID())
	for {
		e, ok := m.events.wait()
		if !ok || m.closed.Load() { // queued events are dropped at Close
			return
		}
		if m.cfg.Handler != nil {
			m.cfg.Handler(e)
		}
	}
}

// sync compares the client's room with the mesh's view and opens and closes links.
func (m *Mesh) sync() {
	v := m.readRoom()
	old := m.view
	if v.room != old.room || v.self != old.self || v.mode != old.mode {
		m.closeAll(true, true)
	}
	want := peers(v.mode, v.self, v.master, v.active)
	m.mu.Lock()
	m.view = v
	m.mu.Unlock()
	for peer, l := range m.snapshot() {
		switch {
		case !slices.Contains(v.active, peer):
			m.closeLink(l, true, false) // the player left
		case v.master != old.master && !slices.Contains(want, peer):
			m.closeLink(l, true, true) // a new master re-forms the star
		}
	}
	for _, peer := range want {
		if m.link(peer) == nil && offers(v.self, peer) {
			m.openLink(peer)
		}
	}
}

func (m *Mesh) readRoom() view {
	r := m.c.Room()
	if r == nil || r.DirectMode == protocol.DirectNone {
		return view{}
	}
	v := view{room: r.Name, self: r.ActorNr, master: r.Master, mode: r.DirectMode}
	for nr, a := range r.Actors {
		if !a.Inactive {
			v.active = append(v.active, nr)
		}
	}
	slices.Sort(v.active)
	return v
}

func (m *Mesh) snapshot() map[int]*link {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[int]*link, len(m.links))
	for k, l := range m.links {
		out[k] = l
	}
	return out
}

func (m *Mesh) link(peer int) *link {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.links[peer]
}

func (m *Mesh) setLink(peer int, l *link) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l == nil {
		delete(m.links, peer)
	} else {
		m.links[peer] = l
	}
}

// closeAll closes every link, with ClosedEvents if report is set, telling the
// players if sayBye is set.
func (m *Mesh) closeAll(report, sayBye bool) {
	for _, l := range m.snapshot() {
		m.closeLink(l, report, sayBye)
	}
}

// closeLink removes l, telling the peer with a bye if sayBye is set.
func (m *Mesh) closeLink(l *link, report, sayBye bool) {
	if m.link(l.peer) == l {
		m.setLink(l.peer, nil)
	}
	l.close(sayBye)
	if report {
		m.events.push(&ClosedEvent{Actor: l.peer})
	}
}

// checkTimers reports links that are late and restarts failed ones.
func (m *Mesh) checkTimers() {
	now := time.Now()
	for peer, l := range m.snapshot() {
		if l.offerer && l.pc.RemoteDescription() == nil && now.Sub(l.started) > 2*m.cfg.ConnectTimeout {
			// The offer or its answer was lost: start over with a new session.
			m.closeLink(l, false, true)
			m.openLink(peer)
			continue
		}
		l.checkTimers(now)
	}
}

// iceServers returns the servers for a new link, fetching the relay's TURN
// credentials when they are missing or about to expire.
func (m *Mesh) iceServers() []webrtc.ICEServer {
	servers := slices.Clone(m.cfg.ICEServers)
	if m.cfg.NoRelayTURN {
		return servers
	}
	if time.Until(m.turnUntil) < m.turnTTL/2 { // every link gets at least half a TTL
		m.fetchTURN()
	}
	return append(servers, m.turn...)
}

// turnMargin is how long before its TURN credentials expire a relayed link restarts
// ICE with new ones: a quarter of their lifetime, at most a minute.
func (m *Mesh) turnMargin() time.Duration { return min(time.Minute, m.turnTTL/4) }

func (m *Mesh) fetchTURN() {
	ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
	defer cancel()
	tc, err := m.c.TURNCredentials(ctx)
	if err != nil {
		// No TURN this time; try again in a minute (the relay may offer none at all).
		m.log.Info("directmode: no TURN credentials from the relay", "err", err)
		m.turn, m.turnUntil, m.turnTTL = nil, time.Now().Add(time.Minute), time.Minute
		return
	}
	m.turn = []webrtc.ICEServer{{URLs: tc.URLs, Username: tc.Username, Credential: tc.Password}}
	m.turnUntil, m.turnTTL = tc.Expires, time.Until(tc.Expires)
}
