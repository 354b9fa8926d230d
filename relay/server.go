package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/relay/push"
	"github.com/bosonrt/boson/transport"
)

// Server is a relay node: it serves the relay protocol to clients on one transport
// listener. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	l       *transport.Listener
	hook    *auth.Webhook
	authSem chan struct{}
	webSem  chan struct{}   // WebRPCs in flight
	hookSem chan struct{}   // room webhooks in flight
	ctx     context.Context // ends at Close: cancels webhook calls
	cancel  context.CancelFunc
	wg      sync.WaitGroup // goroutines and timer callbacks in flight

	sessions sync.Map // *transport.Conn → *session

	mu       sync.Mutex // guards the following fields
	closed   bool
	worlds   map[worldKey]*world
	appRooms map[string]int // rooms per app id

	lobbyMu sync.Mutex // guards lobbies; taken with no other lock but world.mu and room.mu held
	lobbies map[lobbyKey]*lobby

	friends *friendSource // friend lists (friends.go)

	presMu   sync.Mutex // guards presence; a leaf lock
	presence map[worldKey]*presence

	groups groupTable    // message groups (groups.go)
	push   *push.Service // Web Push, or nil (group_push.go)
	status statusIndex   // auto-match queues and invitations (automatch.go); a leaf lock

	stats serverStats
}

type serverStats struct {
	sessions, authed, rooms                          atomic.Int64
	requests, events, eventsOut, refused, disconnect atomic.Uint64
	hooksFailed, hooksDropped                        atomic.Uint64
}

// Listen serves the relay protocol on pc.
func Listen(pc net.PacketConn, cfg *Config) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	if s.l, err = transport.Listen(pc, &s.cfg.Transport); err != nil {
		s.stopPush()
		return nil, err
	}
	s.start()
	return s, nil
}

// ListenUDP serves the relay protocol on a UDP socket bound to addr.
func ListenUDP(addr string, cfg *Config) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	if s.l, err = transport.ListenUDP(addr, &s.cfg.Transport); err != nil {
		s.stopPush()
		return nil, err
	}
	s.start()
	return s, nil
}

func newServer(cfg *Config) (*Server, error) {
	s := &Server{cfg: *cfg, worlds: map[worldKey]*world{}, appRooms: map[string]int{},
		lobbies: map[lobbyKey]*lobby{}, presence: map[worldKey]*presence{},
		groups: groupTable{worlds: map[worldKey]map[string]*msgGroup{}}}
	s.cfg.withDefaults()
	if err := s.cfg.validate(); err != nil {
		return nil, err
	}
	if s.cfg.Webhook != nil {
		hook, err := auth.New(*s.cfg.Webhook)
		if err != nil {
			return nil, fmt.Errorf("%w: webhook: %w", ErrBadConfig, err)
		}
		s.hook = hook
	}
	s.log = s.cfg.Logger
	s.friends = newFriendSource(&s.cfg)
	s.authSem = make(chan struct{}, s.cfg.MaxAuthCalls)
	if s.cfg.Web != nil {
		s.webSem = make(chan struct{}, s.cfg.Web.MaxInFlight)
		s.hookSem = make(chan struct{}, s.cfg.Web.MaxInFlight)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cfg.Transport.Handler = s
	if s.cfg.Transport.Logger == nil {
		s.cfg.Transport.Logger = s.log
	}
	if err := s.startPush(); err != nil {
		return nil, err
	}
	return s, nil
}

// start starts the relay's own goroutine: lobby updates and stats.
func (s *Server) start() {
	s.wg.Add(1)
	go s.lobbyLoop()
}

// Addr returns the address the relay serves on.
func (s *Server) Addr() net.Addr { return s.l.Addr() }

// Fingerprint returns the SHA-256 fingerprint of the relay's certificate, which
// clients pin.
func (s *Server) Fingerprint() handshake.Fingerprint { return s.cfg.Transport.Identity.Fingerprint }

// Listener returns the transport listener, for its statistics.
func (s *Server) Listener() *transport.Listener { return s.l }

// Close stops the relay at once: connections are dropped (clients are told), rooms
// are gone, webhook calls are cancelled. It waits for the relay's goroutines and is
// safe to call more than once.
func (s *Server) Close() error {
	s.markClosed()
	err := s.l.Close()
	s.wg.Wait()
	s.forgetRooms()
	s.stopPush()
	return err
}

// forgetRooms empties the relay after it stopped, so that Rooms and Stats say so.
func (s *Server) forgetRooms() {
	s.mu.Lock()
	s.worlds, s.appRooms = map[worldKey]*world{}, map[string]int{}
	s.mu.Unlock()
	s.stats.rooms.Store(0)
}

// Shutdown stops taking connections, waits (until ctx ends) for queued reliable
// messages to be delivered, then closes every connection telling its client that the
// relay is shutting down, and finally closes the relay.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.l.Shutdown(ctx)
	s.markClosed()
	s.l.Close()
	s.wg.Wait()
	s.forgetRooms()
	s.stopPush()
	return err
}

func (s *Server) markClosed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
}

// spawn runs f on a new goroutine the server waits for at Close. It reports false,
// and does not run f, once the server is closed.
func (s *Server) spawn(f func()) bool {
	if !s.enter() {
		return false
	}
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// afterFunc runs f after d on the runtime's timer goroutine, unless the server closed.
func (s *Server) afterFunc(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() {
		if !s.enter() {
			return
		}
		defer s.wg.Done()
		f()
	})
}

func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Stats are a relay's counters and gauges.
type Stats struct {
	Sessions      int64  // open connections
	Authenticated int64  // connections that authenticated
	Rooms         int64  // rooms in memory
	Requests      uint64 // requests handled
	Events        uint64 // custom events raised
	EventsOut     uint64 // custom events delivered (one per receiver)
	Refused       uint64 // messages refused by a rate limit
	Disconnected  uint64 // clients disconnected for abuse
}

// Stats returns the relay's counters.
func (s *Server) Stats() Stats {
	st := &s.stats
	return Stats{
		Sessions: st.sessions.Load(), Authenticated: st.authed.Load(), Rooms: st.rooms.Load(),
		Requests: st.requests.Load(), Events: st.events.Load(), EventsOut: st.eventsOut.Load(),
		Refused: st.refused.Load(), Disconnected: st.disconnect.Load(),
	}
}

// Connected is the transport.Handler method that starts a session.
func (s *Server) Connected(c *transport.Conn) {
	sess := newSession(s, c)
	if sess == nil {
		return
	}
	s.sessions.Store(c, sess)
	s.stats.sessions.Add(1)
}

// Message is the transport.Handler method that handles one client message.
func (s *Server) Message(c *transport.Conn, ch int, msg []byte) {
	v, ok := s.sessions.Load(c)
	if !ok {
		return
	}
	v.(*session).message(ch, msg)
}

// Closed is the transport.Handler method that ends a session: an actor in a room
// becomes inactive (if the room keeps players) or leaves.
func (s *Server) Closed(c *transport.Conn, err error) {
	v, ok := s.sessions.LoadAndDelete(c)
	if !ok {
		return
	}
	s.stats.sessions.Add(-1)
	v.(*session).closed(err)
}

// now is the relay's clock.
func now() time.Time { return time.Now() }

var _ transport.Handler = (*Server)(nil)

// respond sends a response; a failure to queue it means the connection is gone.
func respond(c *transport.Conn, r *protocol.Response) {
	b, err := protocol.AppendResponse(nil, r)
	if err != nil {
		r = &protocol.Response{Op: r.Op, ID: r.ID, Code: protocol.CodeInternalServerError, Message: err.Error()}
		b, _ = protocol.AppendResponse(nil, r)
	}
	sendReliable(c, 0, b)
}

// sendReliable queues b on a reliable channel. A client whose queue is full is not
// keeping up: it is disconnected rather than silently missing a reliable message.
func sendReliable(c *transport.Conn, ch int, b []byte) error {
	err := c.Send(ch, b)
	if errors.Is(err, transport.ErrSendQueueFull) {
		c.CloseWithCode(CodeSlowClient, "relay: the client does not keep up: its reliable send queue is full")
	}
	return err
}

// sendSnapshot sends a periodic system event (the stats) to sessions, encoded once, on
// the unreliable-sequenced channel of the control pair: a lost snapshot is replaced by
// the next, and an idle client's reliable channel stays empty. One too large for an
// unreliable message (many lobbies) goes on the reliable channel.
func sendSnapshot(to []*session, e *protocol.Event) {
	b, err := protocol.AppendEvent(nil, e)
	if err != nil {
		return
	}
	for _, sess := range to {
		if err := sess.conn.Send(1, b); errors.Is(err, transport.ErrMessageTooLarge) {
			sendReliable(sess.conn, 0, b)
		}
	}
}

// sendEvent sends a system event on the reliable control channel.
func sendEvent(c *transport.Conn, e *protocol.Event) {
	b, err := protocol.AppendEvent(nil, e)
	if err != nil {
		return
	}
	sendReliable(c, 0, b)
}
