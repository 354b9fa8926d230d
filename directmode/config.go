package directmode

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/transport/v4"
	"github.com/pion/webrtc/v4"

	"github.com/bosonrt/boson/relay/protocol"
)

// Defaults of [Config].
const (
	DefaultConnectTimeout    = 5 * time.Second
	DefaultRelayEventCode    = 199
	DefaultMaxMessageSize    = 16 << 10
	DefaultMaxBufferedBytes  = 1 << 20
	DefaultDisconnectTimeout = 2 * time.Second
	DefaultFailedTimeout     = 5 * time.Second
	DefaultKeepalive         = 500 * time.Millisecond
	DefaultMaxQueuedEvents   = 8192
	DefaultReflexiveWait     = 300 * time.Millisecond
	DefaultRelayWait         = time.Second
)

// Config configures a [Mesh]. The zero value is valid: links use the relay's STUN/TURN
// servers, and events are discarded.
type Config struct {
	// Handler receives the mesh's events, one at a time, on a goroutine of the mesh's.
	// It must not block for long: messages wait behind it. If nil, events are
	// discarded.
	Handler func(Event)

	// ICEServers are STUN/TURN servers used besides (or, with NoRelayTURN, instead of)
	// the relay's.
	ICEServers []webrtc.ICEServer
	// NoRelayTURN leaves out the STUN/TURN servers the relay hands out.
	NoRelayTURN bool
	// RelayOnly forces every link through TURN (ICE transport policy "relay").
	RelayOnly bool

	// ConnectTimeout is how long a link may take to come up before a [FailedEvent]
	// reports it (ICE keeps trying). If zero, 5s.
	ConnectTimeout time.Duration
	// DisconnectTimeout, FailedTimeout and Keepalive tune ICE: a link with no traffic
	// for DisconnectTimeout is reported lost, and after FailedTimeout its offerer
	// restarts ICE. If zero, 2s, 5s and 500ms.
	DisconnectTimeout, FailedTimeout, Keepalive time.Duration

	// ReflexiveWait and RelayWait are how long ICE keeps looking for a better path
	// before it settles on a path through a NAT mapping (server or peer reflexive) or
	// through TURN; a path between host addresses is taken at once. Shorter waits set
	// links up sooner; a RelayWait too short for the direct checks to finish sends
	// through TURN a pair that could have connected directly. If zero, 300ms and 1s
	// (pion's defaults are 500ms/1s and 2s).
	ReflexiveWait, RelayWait time.Duration

	// UnreliableRetransmits is the unreliable channel's MaxRetransmits. 0 (the
	// default) never retransmits, at the cost of an SCTP acknowledgement pattern that
	// about doubles its packets (pion/sctp#505); 2 avoids it and, with pion's sctp
	// v1.11.1, retransmits once.
	UnreliableRetransmits uint16
	// RelayEventCode is the custom event code (0-199) that carries messages through
	// the relay. The mesh consumes custom events with this code. If zero, 199.
	RelayEventCode uint8
	// MaxMessageSize bounds one message. If zero, 16 KiB.
	MaxMessageSize int
	// MaxBufferedBytes bounds the bytes queued on a channel: beyond it unreliable
	// messages are dropped and reliable ones refused with [ErrSendBufferFull]. If
	// zero, 1 MiB.
	MaxBufferedBytes int
	// MaxQueuedEvents bounds the events waiting for the Handler; when it is full the
	// oldest unreliable message is dropped, else the oldest message. If zero, 8192.
	MaxQueuedEvents int

	// Net is the network pion uses (e.g. a pion vnet for tests). If nil, the host's.
	Net transport.Net
	// IncludeLoopback gathers loopback candidates, for peers on one machine.
	IncludeLoopback bool
	// MulticastDNS resolves the ".local" host candidates of browsers on the same LAN.
	MulticastDNS bool

	// Logger receives the mesh's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

func (c *Config) withDefaults() {
	c.ConnectTimeout = cmp.Or(c.ConnectTimeout, DefaultConnectTimeout)
	c.DisconnectTimeout = cmp.Or(c.DisconnectTimeout, DefaultDisconnectTimeout)
	c.FailedTimeout = cmp.Or(c.FailedTimeout, DefaultFailedTimeout)
	c.Keepalive = cmp.Or(c.Keepalive, DefaultKeepalive)
	c.ReflexiveWait = cmp.Or(c.ReflexiveWait, DefaultReflexiveWait)
	c.RelayWait = cmp.Or(c.RelayWait, DefaultRelayWait)
	c.RelayEventCode = cmp.Or(c.RelayEventCode, DefaultRelayEventCode)
	c.MaxMessageSize = cmp.Or(c.MaxMessageSize, DefaultMaxMessageSize)
	c.MaxBufferedBytes = cmp.Or(c.MaxBufferedBytes, DefaultMaxBufferedBytes)
	c.MaxQueuedEvents = cmp.Or(c.MaxQueuedEvents, DefaultMaxQueuedEvents)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	switch {
	case c.ConnectTimeout < 0 || c.DisconnectTimeout < 0 || c.FailedTimeout < 0 || c.Keepalive < 0 ||
		c.ReflexiveWait < 0 || c.RelayWait < 0:
		return fmt.Errorf("%w: negative timeout", ErrBadConfig)
	case c.Keepalive >= c.DisconnectTimeout:
		return fmt.Errorf("%w: keepalive %v must be shorter than the disconnect timeout %v", ErrBadConfig, c.Keepalive, c.DisconnectTimeout)
	case c.RelayEventCode > protocol.MaxCustomEventCode:
		return fmt.Errorf("%w: relay event code %d is not a custom code (0-%d)", ErrBadConfig, c.RelayEventCode, protocol.MaxCustomEventCode)
	case c.MaxMessageSize < 0 || c.MaxBufferedBytes < 0 || c.MaxQueuedEvents < 0:
		return fmt.Errorf("%w: negative size", ErrBadConfig)
	case c.NoRelayTURN && c.RelayOnly && len(c.ICEServers) == 0:
		return fmt.Errorf("%w: RelayOnly needs TURN servers, but NoRelayTURN is set and ICEServers is empty", ErrBadConfig)
	}
	return nil
}
