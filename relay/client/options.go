package client

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// Options configure [Dial]. AppID and a way to verify the relay (Fingerprints, or
// Transport's RootCAs) are required.
type Options struct {
	// AppID and AppVersion choose the world: clients of other apps or versions never meet.
	AppID, AppVersion string
	// UserID is the user id to ask for; the relay (or its auth webhook) may assign
	// another. If empty, the relay assigns one.
	UserID string
	// Nickname is the name shown to other players.
	Nickname string
	// Auth is the credentials: auth type None (the zero value of Auth.Type is Custom,
	// so set it) or a custom or platform type checked by the relay's webhook.
	Auth Auth
	// AuthStep answers an intermediate step of custom authentication (the webhook
	// returned ResultCode 0 with data) with the next credentials. If nil, an
	// intermediate step fails Dial with an [*AuthStepError].
	AuthStep func(ctx context.Context, data map[string]any) (Auth, error)
	// Fingerprints pin the relay's certificate (see handshake.ParseFingerprint).
	Fingerprints []handshake.Fingerprint
	// LobbyStats asks the relay for periodic [LobbyStatsEvent]s.
	LobbyStats bool
	// AutoJoinLobby joins the default lobby after connecting and after leaving a room,
	// so that room lists keep coming.
	AutoJoinLobby bool
	// EventChannels is the number of event channels, each reliable and unreliable.
	// If zero, 2. At most 16.
	EventChannels int
	// Handler receives events. In the default mode it is called on a goroutine of the
	// client's, one event at a time; with Poll set, only from [Client.Service].
	// If nil, events are discarded.
	Handler func(Event)
	// Poll queues events until [Client.Service] dispatches them on the caller's
	// goroutine (a game loop's update). The queue holds at most MaxQueuedEvents.
	Poll bool
	// MaxQueuedEvents bounds the events waiting for the Handler; when it is full the
	// oldest unreliable custom event is dropped, else the oldest event. If zero, 65536.
	MaxQueuedEvents int
	// PacketConn, if set, carries the connection instead of a new UDP socket (e.g. a
	// pion vnet socket in tests). The caller keeps owning it; Close does not close it.
	// The address given to Dial must then be an IP:port.
	PacketConn net.PacketConn
	// Transport tunes the connection (MTU, timeouts, verification by CA). Its Channels
	// and Handler are set by the client.
	Transport transport.DialConfig
	// Logger receives the client's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

// Auth are credentials sent to the relay.
type Auth struct {
	Type   auth.Type // None for anonymous
	Params string    // URL query string for the webhook, e.g. "token=abc"
	Data   []byte    // body for the webhook (nil: the webhook gets a GET)
}

// RoomOptions are the options of a room the client creates. The zero value is an
// open, visible room without player limit, TTLs or extra flags.
type RoomOptions struct {
	MaxPlayers           int           // 0: no limit but the relay's
	Hidden               bool          // not listed in lobbies nor found by random matching
	Closed               bool          // nobody can join
	PlayerTTL            time.Duration // how long a player who left may rejoin; -1: forever
	EmptyRoomTTL         time.Duration // how long the room outlives its last active player
	SuppressRoomEvents   bool          // no join and leave events
	PublishUserID        bool          // players see each other's user ids
	KeepCacheOnLeave     bool          // cached events of a player who left stay
	CheckUserOnJoin      bool          // a user id may be in the room only once
	DeleteNullProperties bool          // setting a property to nil deletes it
	NoPropertyEcho       bool          // the setter gets no PropertiesChanged of its own change
	Properties           map[string]any
	PropsListedInLobby   []string
	ExpectedUsers        []string // user ids to keep slots for
	DirectMode           protocol.DirectMode
	LobbyName            string
	LobbyType            int

	// Invitations and auto-matching (rooms with either track their status).
	Invitees  []string   // user ids invited to the room
	AutoMatch *AutoMatch // auto-matching criteria; nil: none

	// Access control.
	Description  string
	Access       protocol.AccessType // public (the default), private (key) or friends
	Tags         []string
	Metas        []Meta // room information, each visible from a user type up
	JoinApproval bool   // joins wait for an owner's or moderator's approval
	SingleRoom   bool   // a user in this room may be in no other room of the app
}

// JoinOptions are what a joiner brings.
type JoinOptions struct {
	Properties      map[string]any    // the player's properties
	ExpectedUsers   []string          // user ids to keep slots for (friends following)
	CacheSliceIndex int               // replay cached events of this slice and later
	Key             string            // a private room's key
	UserType        protocol.UserType // the user type asked for; 0: a plain user
}

// EventOptions say how a custom event travels. The zero value sends reliably on
// channel 0 to the other players, uncached.
type EventOptions struct {
	Unreliable    bool
	Channel       int                // event channel, 0 to EventChannels-1
	Receivers     protocol.Receivers // ignored when TargetActors is set
	TargetActors  []int
	InterestGroup uint8
	Caching       protocol.Caching
	// CacheSliceIndex is the slice for SliceSetIndex, SlicePurgeIndex, SlicePurgeUpToIndex.
	CacheSliceIndex int
	// WebForward sends the event to the app's Event webhook too.
	WebForward bool
}

func (o *RoomOptions) params(p protocol.Params) {
	p[protocol.ParamMaxPlayers] = int64(o.MaxPlayers)
	p[protocol.ParamIsVisible] = !o.Hidden
	p[protocol.ParamIsOpen] = !o.Closed
	p[protocol.ParamPlayerTTL] = ttlParam(o.PlayerTTL)
	p[protocol.ParamEmptyRoomTTL] = o.EmptyRoomTTL.Milliseconds()
	p[protocol.ParamSuppressEvents] = o.SuppressRoomEvents
	p[protocol.ParamPublishUserID] = o.PublishUserID
	p[protocol.ParamCleanupCache] = !o.KeepCacheOnLeave
	p[protocol.ParamCheckUserOnJoin] = o.CheckUserOnJoin
	p[protocol.ParamDeleteNullProps] = o.DeleteNullProperties
	p[protocol.ParamBroadcastPropsAll] = !o.NoPropertyEcho
	p[protocol.ParamDirectMode] = int64(o.DirectMode)
	p[protocol.ParamLobbyName] = o.LobbyName
	p[protocol.ParamLobbyType] = int64(o.LobbyType)
	if o.Properties != nil {
		p[protocol.ParamRoomProperties] = o.Properties
	}
	if o.PropsListedInLobby != nil {
		p[protocol.ParamPropsInLobby] = o.PropsListedInLobby
	}
	if o.ExpectedUsers != nil {
		p[protocol.ParamExpectedUsers] = o.ExpectedUsers
	}
	o.statusParams(p)
	o.accessParams(p)
}

func ttlParam(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Milliseconds()
}

func (o *JoinOptions) params(p protocol.Params) {
	if o == nil {
		return
	}
	if o.Properties != nil {
		p[protocol.ParamPlayerProperties] = o.Properties
	}
	if o.ExpectedUsers != nil {
		p[protocol.ParamExpectedUsers] = o.ExpectedUsers
	}
	if o.CacheSliceIndex != 0 {
		p[protocol.ParamCacheSliceIndex] = int64(o.CacheSliceIndex)
	}
	if o.Key != "" {
		p[protocol.ParamRoomKey] = o.Key
	}
	if o.UserType != 0 {
		p[protocol.ParamUserType] = int64(o.UserType)
	}
}

func (o *EventOptions) params() protocol.Params {
	if o == nil {
		return nil
	}
	p := protocol.Params{}
	if o.Receivers != protocol.ReceiversOthers {
		p[protocol.ParamReceivers] = int64(o.Receivers)
	}
	if o.TargetActors != nil {
		p[protocol.ParamTargetActors] = o.TargetActors
	}
	if o.InterestGroup != 0 {
		p[protocol.ParamInterestGroup] = int64(o.InterestGroup)
	}
	if o.Caching != protocol.DoNotCache {
		p[protocol.ParamCache] = int64(o.Caching)
	}
	if o.CacheSliceIndex != 0 {
		p[protocol.ParamCacheSliceIndex] = int64(o.CacheSliceIndex)
	}
	if o.WebForward {
		p[protocol.ParamWebForward] = true
	}
	return p
}
