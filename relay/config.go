package relay

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/push"
	"github.com/bosonrt/boson/transport"
)

// Config configures a [Server]. Transport.Identity is required; every other field has
// a default, given with the field.
type Config struct {
	// Transport configures the listener. The relay sets its Handler.
	Transport transport.ListenConfig
	// AppIDs lists the app ids this relay serves; others are refused with
	// InvalidAuthentication. If empty, any app id is served.
	AppIDs []string
	// RequireAuth refuses anonymous clients (auth type None). By default they are let in.
	RequireAuth bool
	// Webhook configures custom authentication. If nil, clients asking for custom or
	// platform authentication are refused with InvalidAuthentication.
	Webhook *auth.Config
	// MaxAuthCalls bounds the webhook calls in flight; more clients wait their turn.
	// If zero, 256.
	MaxAuthCalls int
	// AuthTimeout closes a connection that has not authenticated this long after it
	// connected. If zero, 30s.
	AuthTimeout time.Duration
	// MessageRate bounds the messages per second one client may send (burst: one
	// second's worth). Excess messages are refused with OperationLimitReached. If zero, 5000.
	MessageRate int
	// AbuseGrace is how long a client may stay over MessageRate before it is
	// disconnected with [CodeOperationLimit]. If zero, 2s.
	AbuseGrace time.Duration
	// RoomEventRate bounds the events per second raised in one room, property changes
	// and master hand-overs included (burst: one second's worth); excess ones are refused
	// with OperationLimitReached. If zero, 20000.
	RoomEventRate int
	// MaxRoomsPerApp bounds the rooms of one app id; further creates fail with
	// RoomLimitReached. If zero, 10000.
	MaxRoomsPerApp int
	// MaxPlayers bounds the actors (active and inactive) of a room, and is the limit of a
	// room created with max players 0 (unlimited). If zero, 64.
	MaxPlayers int
	// MaxRoomPropertiesBytes bounds the encoded room properties. If zero, 16384.
	MaxRoomPropertiesBytes int
	// MaxActorPropertiesBytes bounds the encoded properties of one actor. If zero, 512.
	//
	// A join response carries the room's properties and every actor's, in one reliable
	// message: MaxRoomPropertiesBytes + MaxPlayers × MaxActorPropertiesBytes + 4 KiB
	// must fit in the transport's MaxMessageSize (64 KiB by default), or Listen fails.
	MaxActorPropertiesBytes int
	// MaxCachedEvents bounds a room's event cache. The event that would exceed it closes
	// the room (no joins, no rejoins) and its members get an ErrorInfo event. If zero, 10000.
	MaxCachedEvents int
	// MaxCachedBytes bounds the encoded size of a room's event cache, like
	// MaxCachedEvents: a joiner gets the whole cache at once, so it must fit in half the
	// transport's SendQueueBytes (512 KiB by default), or Listen fails. If zero, 256 KiB.
	MaxCachedBytes int
	// TURN, if set, lets room members get credentials for these TURN servers (direct
	// mode). If nil, TURNCredentials is refused.
	TURN *TURNConfig
	// MaxEmptyRoomTTL caps the empty-room TTL a client may ask for. If zero, 5m.
	MaxEmptyRoomTTL time.Duration
	// RoomListInterval is how often lobby members get the rooms that changed. If
	// zero, 1s.
	RoomListInterval time.Duration
	// StatsInterval is how often clients get app stats (those outside rooms) and
	// lobby stats (those that asked). If zero, 5s.
	StatsInterval time.Duration
	// MaxRoomListEntries caps a room list and the changed rooms of one update. If
	// zero, 500.
	MaxRoomListEntries int
	// MaxRoomListQuery caps the rooms GetRoomList returns. If zero, 100.
	MaxRoomListQuery int
	// Friends is where the relay learns room owners' friends (friends rooms). If nil,
	// only the lists set with [Server.SetFriends] count.
	Friends *FriendsConfig
	// JoinApprovalTimeout answers a join that waits for an owner's or moderator's
	// approval with ApprovalTimeout when nobody decides in time. If zero, 2m.
	JoinApprovalTimeout time.Duration
	// Web is the app's web service, for WebRPC and room webhooks. If nil, neither.
	Web *WebConfig
	// Groups bounds message groups and posts (JoinGroup, Post); see [GroupConfig].
	Groups GroupConfig
	// Push configures Web Push (PushKey, PushSubscribe, PushNotify and notifications
	// sent with posts). If nil, the relay has no Web Push: those operations fail with
	// PushUnavailable.
	Push *push.Config
	// Logger receives the relay's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

func (c *Config) withDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxAuthCalls, 256)
	def(&c.MessageRate, 5000)
	def(&c.RoomEventRate, 20000)
	def(&c.MaxRoomsPerApp, 10000)
	def(&c.MaxPlayers, 64)
	def(&c.MaxRoomPropertiesBytes, 16384)
	def(&c.MaxActorPropertiesBytes, 512)
	def(&c.MaxCachedEvents, 10000)
	def(&c.MaxCachedBytes, 256<<10)
	def(&c.MaxRoomListEntries, 500)
	def(&c.MaxRoomListQuery, 100)
	c.RoomListInterval = cmp.Or(c.RoomListInterval, time.Second)
	c.StatsInterval = cmp.Or(c.StatsInterval, 5*time.Second)
	if c.AuthTimeout == 0 {
		c.AuthTimeout = 30 * time.Second
	}
	if c.AbuseGrace == 0 {
		c.AbuseGrace = 2 * time.Second
	}
	if c.MaxEmptyRoomTTL == 0 {
		c.MaxEmptyRoomTTL = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.AppIDs = slices.Clone(c.AppIDs)
	c.Groups.withDefaults()
	if c.Push != nil {
		pc := *c.Push
		c.Push = &pc
	}
	if c.TURN != nil {
		t := *c.TURN
		t.URLs, t.Secret = slices.Clone(t.URLs), slices.Clone(t.Secret)
		if t.TTL == 0 {
			t.TTL = 10 * time.Minute
		}
		c.TURN = &t
	}
	c.JoinApprovalTimeout = cmp.Or(c.JoinApprovalTimeout, 2*time.Minute)
	if c.Friends != nil {
		f := *c.Friends
		f.withDefaults()
		c.Friends = &f
	}
	if c.Web != nil {
		w := *c.Web
		w.Headers = maps.Clone(w.Headers)
		w.withDefaults()
		c.Web = &w
	}
}

func (c *Config) validate() error {
	if c.Transport.Identity == nil {
		return ErrNoIdentity
	}
	for name, v := range map[string]int{
		"MaxAuthCalls": c.MaxAuthCalls, "MessageRate": c.MessageRate, "RoomEventRate": c.RoomEventRate,
		"MaxRoomsPerApp": c.MaxRoomsPerApp, "MaxPlayers": c.MaxPlayers,
		"MaxRoomPropertiesBytes": c.MaxRoomPropertiesBytes, "MaxActorPropertiesBytes": c.MaxActorPropertiesBytes,
		"MaxCachedEvents": c.MaxCachedEvents,
	} {
		if v < 0 {
			return fmt.Errorf("%w: %s is %d", ErrBadConfig, name, v)
		}
	}
	if c.AuthTimeout < 0 || c.AbuseGrace < 0 || c.MaxEmptyRoomTTL < 0 || c.RoomListInterval < 0 || c.StatsInterval < 0 {
		return fmt.Errorf("%w: negative duration", ErrBadConfig)
	}
	if c.Friends != nil {
		if err := c.Friends.validate(); err != nil {
			return err
		}
	}
	if err := c.Groups.validate(); err != nil {
		return err
	}
	if c.Web != nil {
		if err := c.Web.validate(); err != nil {
			return err
		}
	}
	if c.TURN != nil && (len(c.TURN.Secret) < 16 || c.TURN.TTL < 0) {
		return fmt.Errorf("%w: TURN needs a secret of at least 16 bytes and a positive TTL", ErrBadConfig)
	}
	maxMsg := cmp.Or(c.Transport.MaxMessageSize, 64<<10)
	if need := c.MaxRoomPropertiesBytes + c.MaxPlayers*c.MaxActorPropertiesBytes + 4096; need > maxMsg {
		return fmt.Errorf("%w: a join response may need %d bytes (room properties + players × actor properties + 4 KiB), over the transport's MaxMessageSize of %d", ErrBadConfig, need, maxMsg)
	}
	if queue := cmp.Or(c.Transport.SendQueueBytes, 512<<10); c.MaxCachedBytes > queue/2 {
		return fmt.Errorf("%w: MaxCachedBytes %d is over half the transport's SendQueueBytes (%d)", ErrBadConfig, c.MaxCachedBytes, queue)
	}
	return nil
}
