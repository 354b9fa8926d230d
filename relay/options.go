package relay

import (
	"errors"
	"math"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// roomOptions are set when a room is created; open, visible, max players and the
// expected users can change later (SetProperties on the room).
type roomOptions struct {
	maxPlayers     int           // 0: the relay's limit
	visible, open  bool          // listed in lobbies; joinable
	playerTTL      time.Duration // how long a left actor may rejoin; <0 forever, 0 never
	emptyTTL       time.Duration // how long a room with no active actor lives
	suppressEvents bool          // no Join and Leave events
	publishUserID  bool          // actors' user ids are visible to others
	cleanupCache   bool          // an actor that leaves for good takes its cached events along
	checkUser      bool          // a user id may be in the room once
	deleteNull     bool          // a property set to nil (with broadcast) is deleted
	broadcastAll   bool          // property changes are echoed to the sender too
	propsInLobby   []string      // room properties listed in lobbies
	lobbyName      string
	lobbyType      int64
	directMode     protocol.DirectMode
	props          map[string]any
	expectedUsers  []string
	status         *statusOptions // invitees and auto-matching (invitations.go); nil: none
	access         *accessOptions // access control (access.go); nil: a public room
}

// readRoomOptions reads the options of a create (or join-or-create) request.
func readRoomOptions(p protocol.Params, cfg *Config) (*roomOptions, error) {
	o := &roomOptions{}
	var errs [17]error
	var maxPlayers, playerTTL, emptyTTL, direct int64
	maxPlayers, errs[0] = p.IntIn(protocol.ParamMaxPlayers, 0, 0, int64(cfg.MaxPlayers))
	o.visible, errs[1] = p.Bool(protocol.ParamIsVisible, true)
	o.open, errs[2] = p.Bool(protocol.ParamIsOpen, true)
	playerTTL, errs[3] = p.IntIn(protocol.ParamPlayerTTL, 0, -1, math.MaxInt32)
	emptyTTL, errs[4] = p.IntIn(protocol.ParamEmptyRoomTTL, 0, 0, cfg.MaxEmptyRoomTTL.Milliseconds())
	o.suppressEvents, errs[5] = p.Bool(protocol.ParamSuppressEvents, false)
	o.publishUserID, errs[6] = p.Bool(protocol.ParamPublishUserID, false)
	o.cleanupCache, errs[7] = p.Bool(protocol.ParamCleanupCache, true)
	o.checkUser, errs[8] = p.Bool(protocol.ParamCheckUserOnJoin, false)
	o.deleteNull, errs[9] = p.Bool(protocol.ParamDeleteNullProps, false)
	o.broadcastAll, errs[10] = p.Bool(protocol.ParamBroadcastPropsAll, true)
	o.propsInLobby, errs[11] = p.Strings(protocol.ParamPropsInLobby)
	o.lobbyName, errs[12] = p.Str(protocol.ParamLobbyName, "")
	o.lobbyType, errs[13] = p.IntIn(protocol.ParamLobbyType, 0, 0, 255)
	direct, errs[14] = p.IntIn(protocol.ParamDirectMode, 0, 0, int64(protocol.DirectMasterToAll))
	o.props, errs[15] = p.Map(protocol.ParamRoomProperties)
	o.expectedUsers, errs[16] = p.Strings(protocol.ParamExpectedUsers)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if err := checkLobby(o.lobbyName, o.lobbyType); err != nil {
		return nil, err
	}
	if err := readStatusOptions(p, o); err != nil {
		return nil, err
	}
	if err := readAccessOptions(p, o); err != nil {
		return nil, err
	}
	o.maxPlayers, o.directMode = int(maxPlayers), protocol.DirectMode(direct)
	o.emptyTTL = time.Duration(emptyTTL) * time.Millisecond
	if o.playerTTL = time.Duration(playerTTL) * time.Millisecond; playerTTL < 0 || playerTTL == math.MaxInt32 {
		o.playerTTL = -1
	}
	if o.props == nil {
		o.props = map[string]any{}
	}
	return o, nil
}

// params returns the options as response parameters.
func (o *roomOptions) params(p protocol.Params) {
	p[protocol.ParamMaxPlayers] = int64(o.maxPlayers)
	p[protocol.ParamIsVisible] = o.visible
	p[protocol.ParamIsOpen] = o.open
	p[protocol.ParamPlayerTTL] = ttlMillis(o.playerTTL)
	p[protocol.ParamEmptyRoomTTL] = o.emptyTTL.Milliseconds()
	p[protocol.ParamSuppressEvents] = o.suppressEvents
	p[protocol.ParamPublishUserID] = o.publishUserID
	p[protocol.ParamCleanupCache] = o.cleanupCache
	p[protocol.ParamCheckUserOnJoin] = o.checkUser
	p[protocol.ParamDeleteNullProps] = o.deleteNull
	p[protocol.ParamBroadcastPropsAll] = o.broadcastAll
	p[protocol.ParamPropsInLobby] = stringsAny(o.propsInLobby)
	p[protocol.ParamLobbyName] = o.lobbyName
	p[protocol.ParamLobbyType] = o.lobbyType
	p[protocol.ParamDirectMode] = int64(o.directMode)
	p[protocol.ParamExpectedUsers] = stringsAny(o.expectedUsers)
}

func ttlMillis(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Milliseconds()
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// joinParams are what a joiner brings along.
type joinParams struct {
	name          string
	op            protocol.Op
	id            uint32
	mode          protocol.JoinMode
	props         map[string]any
	expectedUsers []string
	slice         int64
	key           string            // a private room's key
	userType      protocol.UserType // the user type asked for (0: a plain user)
	acc           joinAccess        // a join resumed after an approval or a friend list (access.go)
	autoMatch     bool              // a match request joining a queued room (automatch.go)
	autoMask      int64             // the match request's exclusive bitmask
}

func readJoinParams(p protocol.Params) (*joinParams, error) {
	jp := &joinParams{}
	var errs [5]error
	var mode int64
	jp.name, errs[4] = p.Str(protocol.ParamRoomName, "")
	mode, errs[0] = p.IntIn(protocol.ParamJoinMode, 0, 0, int64(protocol.RejoinOnly))
	jp.props, errs[1] = p.Map(protocol.ParamPlayerProperties)
	jp.expectedUsers, errs[2] = p.Strings(protocol.ParamExpectedUsers)
	jp.slice, errs[3] = p.IntIn(protocol.ParamCacheSliceIndex, 0, 0, math.MaxInt32)
	jp.mode = protocol.JoinMode(mode)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return jp, readAccessJoinParams(p, jp)
}

// webArgs are the room's options as the Create webhook gets them (Photon's names).
func (o *roomOptions) webArgs() map[string]any {
	args := map[string]any{
		"MaxPlayers": o.maxPlayers, "IsVisible": o.visible, "IsOpen": o.open,
		"PlayerTtl": ttlMillis(o.playerTTL), "EmptyRoomTtl": o.emptyTTL.Milliseconds(),
		"CheckUserOnJoin": o.checkUser, "SuppressRoomEvents": o.suppressEvents,
		"DeleteCacheOnLeave": o.cleanupCache, "PublishUserId": o.publishUserID,
		"LobbyId": o.lobbyName, "LobbyType": o.lobbyType, "CustomProperties": o.props,
	}
	if ao := o.access; ao != nil {
		args["AccessType"], args["Description"], args["Tags"] = int64(ao.access), ao.description, stringsAny(ao.tags)
		args["JoinApproval"], args["SingleRoom"] = ao.approval, ao.single
	}
	if so := o.status; so != nil {
		args["Invitees"] = stringsAny(so.invitees)
	}
	return args
}

// checkLobby refuses lobby names over 128 bytes and unknown lobby types.
func checkLobby(name string, typ int64) error {
	if len(name) > 128 {
		return errors.New("relay: lobby names are at most 128 bytes")
	}
	switch protocol.LobbyType(typ) {
	case protocol.LobbyDefault, protocol.LobbySQL, protocol.LobbyAsyncRandom:
		return nil
	}
	return errors.New("relay: lobby type " + itoa64(typ) + " is not 0 (default), 2 (SQL) or 3 (async random)")
}
