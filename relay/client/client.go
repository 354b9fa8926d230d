package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// Client is a connection to a relay. Its methods are safe for concurrent use.
type Client struct {
	opts     Options
	conn     *transport.Conn
	log      *slog.Logger
	userID   string
	nickname string
	connID   string
	authData map[string]any

	mu       sync.Mutex // guards the following fields
	nextID   uint32
	pending  map[uint32]chan *protocol.Response
	room     *Room
	lastRoom string // the room to rejoin after a reconnect; "" after a leave for good
	group    string // the message group joined, or ""

	q eventQueue

	done        chan struct{} // closed when the dispatch goroutine ends (non-poll mode)
	dispatching atomic.Bool   // the dispatch goroutine is inside the Handler
}

// An AuthStepError reports an intermediate step of custom authentication that Dial
// could not answer (Options.AuthStep is nil).
type AuthStepError struct{ Data map[string]any }

// Error says that authentication needs another step.
func (e *AuthStepError) Error() string {
	return "client: custom authentication needs another step (set Options.AuthStep)"
}

// Dial connects to the relay at address, authenticates, and returns the client.
// Failures of the relay's checks are *protocol.Error values: errors.Is(err,
// protocol.CodeCustomAuthenticationFailed) and so on.
func Dial(ctx context.Context, address string, opts *Options) (*Client, error) {
	c := &Client{opts: *opts, pending: map[uint32]chan *protocol.Response{}}
	if err := c.setup(); err != nil {
		return nil, err
	}
	dc := c.opts.Transport
	dc.Channels = channels(c.opts.EventChannels)
	dc.Handler = (*handler)(c)
	if dc.Fingerprints == nil {
		dc.Fingerprints = c.opts.Fingerprints
	}
	if dc.Logger == nil {
		dc.Logger = c.log
	}
	conn, err := dialTransport(ctx, address, c.opts.PacketConn, &dc)
	if err != nil {
		return nil, err
	}
	c.conn = conn
	if !c.opts.Poll {
		c.done = make(chan struct{})
		go c.dispatchLoop()
	}
	if err := c.authenticate(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if c.opts.AutoJoinLobby {
		if err := c.JoinLobby(ctx, Lobby{}); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func dialTransport(ctx context.Context, address string, pc net.PacketConn, dc *transport.DialConfig) (*transport.Conn, error) {
	if pc == nil {
		return transport.Dial(ctx, address, dc)
	}
	raddr, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("client: with a PacketConn the address must be an IP:port: %w", err)
	}
	return transport.DialPacketConn(ctx, pc, net.UDPAddrFromAddrPort(raddr), dc)
}

func (c *Client) setup() error {
	o := &c.opts
	if o.AppID == "" {
		return errors.New("client: an AppID is required")
	}
	if o.EventChannels == 0 {
		o.EventChannels = 2
	}
	if o.EventChannels < 1 || o.EventChannels > 16 {
		return fmt.Errorf("client: EventChannels is %d, want 1 to 16", o.EventChannels)
	}
	if o.MaxQueuedEvents == 0 {
		o.MaxQueuedEvents = 65536
	}
	c.log = o.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.q.init(o.MaxQueuedEvents)
	return nil
}

func channels(pairs int) []transport.Mode {
	out := make([]transport.Mode, 2*pairs)
	for i := range out {
		out[i] = transport.ReliableOrdered
		if i%2 == 1 {
			out[i] = transport.UnreliableSequenced
		}
	}
	return out
}

// authenticate sends Authenticate, answering intermediate steps with AuthStep.
func (c *Client) authenticate(ctx context.Context) error {
	a := c.opts.Auth
	for {
		p := protocol.Params{
			protocol.ParamProtocolVersion: int64(protocol.Version), protocol.ParamAppID: c.opts.AppID,
			protocol.ParamAppVersion: c.opts.AppVersion, protocol.ParamUserID: c.opts.UserID,
			protocol.ParamNickname: c.opts.Nickname, protocol.ParamAuthType: int64(a.Type),
			protocol.ParamAuthParams: a.Params, protocol.ParamLobbyStats: c.opts.LobbyStats,
		}
		if a.Data != nil {
			p[protocol.ParamAuthData] = a.Data
		}
		resp, err := c.call(ctx, protocol.OpAuthenticate, p)
		if err != nil {
			return err
		}
		data, _ := resp.Params.Map(protocol.ParamData)
		if more, _ := resp.Params.Bool(protocol.ParamAuthContinue, false); !more {
			c.userID, _ = resp.Params.Str(protocol.ParamUserID, "")
			c.nickname, _ = resp.Params.Str(protocol.ParamNickname, "")
			c.connID, _ = resp.Params.Str(protocol.ParamConnID, "")
			c.authData = data
			return nil
		}
		if c.opts.AuthStep == nil {
			return &AuthStepError{Data: data}
		}
		if a, err = c.opts.AuthStep(ctx, data); err != nil {
			return fmt.Errorf("client: auth step: %w", err)
		}
	}
}

// UserID returns the user id the relay gave the client.
func (c *Client) UserID() string { return c.userID }

// Nickname returns the client's nickname as the relay knows it.
func (c *Client) Nickname() string { return c.nickname }

// AuthData returns the data the auth webhook sent the client, if any.
func (c *Client) AuthData() map[string]any { return c.authData }

// Conn returns the transport connection, for its statistics.
func (c *Client) Conn() *transport.Conn { return c.conn }

// Close disconnects at once. The handler gets a DisconnectedEvent. It waits for the
// handler to return, unless it is called from the handler itself. It is safe to call
// more than once.
func (c *Client) Close() error {
	err := c.conn.Close()
	if c.done != nil && !c.dispatching.Load() {
		<-c.done
	}
	return err
}

// call sends a request and waits for its response; an error response becomes a
// *protocol.Error.
func (c *Client) call(ctx context.Context, op protocol.Op, p protocol.Params) (*protocol.Response, error) {
	ch := make(chan *protocol.Response, 1)
	c.mu.Lock()
	c.nextID++
	if c.nextID == 0 {
		c.nextID++
	}
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	b, err := protocol.AppendRequest(nil, &protocol.Request{Op: op, ID: id, Params: p})
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	if err := c.conn.Send(0, b); err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	select {
	case resp := <-ch:
		if resp.Code != protocol.OK {
			return resp, &protocol.Error{Op: op, Code: resp.Code, Message: resp.Message}
		}
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("client: %s: %w", op, ctx.Err())
	case <-c.conn.Context().Done():
		return nil, fmt.Errorf("client: %s: %w", op, c.conn.Err())
	}
}

// handler receives the transport's messages; its methods run in the connection's
// worker rounds and must not block.
type handler Client

func (h *handler) Connected(*transport.Conn) {}

func (h *handler) Message(_ *transport.Conn, ch int, msg []byte) {
	c := (*Client)(h)
	kind, err := protocol.KindOf(msg)
	if err != nil {
		c.log.Warn("relay sent a malformed message", "err", err)
		return
	}
	switch kind {
	case protocol.KindResponse:
		c.response(msg)
	case protocol.KindEvent:
		c.systemEvent(msg)
	case protocol.KindCustomEvent:
		e, err := protocol.ReadCustomEvent(msg)
		if err != nil {
			c.log.Warn("relay sent a malformed event", "err", err)
			return
		}
		c.q.push(&CustomEvent{Code: e.Code, Sender: int(e.Sender), Payload: append([]byte(nil), e.Payload...),
			Channel: ch / 2, Reliable: ch%2 == 0})
	default:
		c.log.Warn("relay sent a message of an unexpected kind", "kind", kind)
	}
}

func (h *handler) Closed(_ *transport.Conn, err error) {
	c := (*Client)(h)
	c.q.push(&DisconnectedEvent{Err: err})
	c.q.close()
}

func (c *Client) response(msg []byte) {
	r, err := protocol.ReadResponse(msg)
	if err != nil {
		c.log.Warn("relay sent a malformed response", "err", err)
		return
	}
	if r.Code == protocol.OK {
		c.applyResponse(r)
	}
	c.mu.Lock()
	ch := c.pending[r.ID]
	c.mu.Unlock()
	if ch != nil {
		ch <- r
	}
}

// dispatchLoop calls the handler for each event, in the default (non-poll) mode.
func (c *Client) dispatchLoop() {
	defer close(c.done)
	for {
		e, ok := c.q.wait()
		if !ok {
			return
		}
		if c.opts.Handler != nil {
			c.dispatching.Store(true)
			c.opts.Handler(e)
			c.dispatching.Store(false)
		}
	}
}

// Service dispatches the queued events to the handler on the caller's goroutine and
// returns how many it dispatched. It is for Poll mode (call it from the game loop);
// in the default mode it returns 0.
func (c *Client) Service() int {
	if !c.opts.Poll {
		return 0
	}
	n := 0
	for {
		e, ok := c.q.pop()
		if !ok {
			return n
		}
		n++
		if c.opts.Handler != nil {
			c.opts.Handler(e)
		}
	}
}
