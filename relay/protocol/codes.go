package protocol

import "fmt"

// Version is the protocol version this package speaks. A client sends it in
// [OpAuthenticate]; the relay refuses versions outside [MinVersion, Version] with
// [CodeUnsupportedVersion].
const Version = 1

// MinVersion is the oldest protocol version this package still speaks.
const MinVersion = 1

// Op is an operation code.
type Op uint8

// Operations (see PROTOCOL.md for their parameters).
const (
	OpAuthenticate    Op = 1
	OpCreateRoom      Op = 2
	OpJoinRoom        Op = 3
	OpLeaveRoom       Op = 4
	OpRaiseEvent      Op = 5 // answers a [Raise] that asked for a response
	OpSetProperties   Op = 6
	OpChangeGroups    Op = 7
	OpSetMasterClient Op = 8
	OpSignal          Op = 9  // relay WebRTC signalling to another actor of the room
	OpTURNCredentials Op = 10 // get short-lived TURN credentials (room members only)
	OpJoinLobby       Op = 11 // enter a lobby: its room list follows (default lobbies)
	OpLeaveLobby      Op = 12
	OpJoinRandomRoom  Op = 13 // join a room the lobby's matchmaking picks; with JoinOrCreate, create one if none fits
	OpGetRoomList     Op = 14 // the rooms of a SQL lobby that match a filter
	OpFindFriends     Op = 15 // online state and room of users
	OpWebRPC          Op = 16 // have the relay POST to the app's web service and return the answer

	// Groups and user messaging.
	OpJoinGroup       Op = 17 // join a message group (one at a time); no group leaves it
	OpPost            Op = 18 // send a message to a user (all its connections) or to the caller's group
	OpListGroups      Op = 19 // the app's message groups by name or number of users, paginated
	OpListGroupUsers  Op = 20 // the users of a group (user id, connection id), paginated
	OpPushKey         Op = 21 // the relay's VAPID public key
	OpPushSubscribe   Op = 22 // register a Web Push subscription for the caller's user id
	OpPushUnsubscribe Op = 23 // remove one
	OpPushNotify      Op = 24 // send a Web Push notification to users

	// Invitations, room status and auto-matching.
	OpListInvitations   Op = 25 // the rooms the caller's user is invited to
	OpDeclineInvitation Op = 26 // decline an invitation
	OpDismissInvitation Op = 27 // hide an invitation from the list without declining it
	OpGetRoomStatus     Op = 28 // a room's status: participants, version, details
	OpReportPeerStatus  Op = 29 // the actors the caller has a working peer connection to

	// Room access control.
	OpApproveJoin      Op = 30 // approve or reject a pending join request (owners and moderators)
	OpSetUserType      Op = 31 // promote, demote, or transfer ownership (owners)
	OpSearchRooms      Op = 32 // public rooms (and friends' rooms) by tags or name
	OpListJoinRequests Op = 33 // the room's pending join requests (owners and moderators)
)

var opNames = map[Op]string{
	OpAuthenticate: "Authenticate", OpCreateRoom: "CreateRoom", OpJoinRoom: "JoinRoom",
	OpLeaveRoom: "LeaveRoom", OpRaiseEvent: "RaiseEvent", OpSetProperties: "SetProperties",
	OpChangeGroups: "ChangeGroups", OpSetMasterClient: "SetMasterClient",
	OpSignal: "Signal", OpTURNCredentials: "TURNCredentials", OpJoinLobby: "JoinLobby",
	OpLeaveLobby: "LeaveLobby", OpJoinRandomRoom: "JoinRandomRoom", OpGetRoomList: "GetRoomList",
	OpFindFriends: "FindFriends", OpWebRPC: "WebRPC",
	OpJoinGroup: "JoinGroup", OpPost: "Post", OpListGroups: "ListGroups", OpListGroupUsers: "ListGroupUsers",
	OpPushKey: "PushKey", OpPushSubscribe: "PushSubscribe", OpPushUnsubscribe: "PushUnsubscribe",
	OpPushNotify: "PushNotify", OpListInvitations: "ListInvitations", OpDeclineInvitation: "DeclineInvitation",
	OpDismissInvitation: "DismissInvitation", OpGetRoomStatus: "GetRoomStatus",
	OpReportPeerStatus: "ReportPeerStatus", OpApproveJoin: "ApproveJoin", OpSetUserType: "SetUserType",
	OpSearchRooms: "SearchRooms", OpListJoinRequests: "ListJoinRequests",
}

// String returns the operation's name, such as "JoinRoom".
func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// EventCode is the code of a system event (200 to 255).
type EventCode uint8

// System events (see PROTOCOL.md for their parameters).
const (
	EventJoin                EventCode = 255 // an actor joined (or rejoined) the room
	EventLeave               EventCode = 254 // an actor left or became inactive
	EventPropertiesChanged   EventCode = 253 // room or actor properties changed
	EventErrorInfo           EventCode = 251 // an error not tied to a request
	EventCacheSliceChanged   EventCode = 250 // the room's event cache slice changed
	EventMasterClientChanged EventCode = 249 // the master client changed
	EventSignal              EventCode = 248 // WebRTC signalling from another actor
	EventRoomList            EventCode = 230 // a lobby's room list, after JoinLobby
	EventRoomListUpdate      EventCode = 229 // the rooms of the lobby that changed
	EventAppStats            EventCode = 226 // players in and out of rooms, rooms (clients outside rooms)
	EventLobbyStats          EventCode = 224 // players and rooms per lobby (clients that asked)
	EventMessage             EventCode = 223 // a message posted to this user or its group
	EventInvitation          EventCode = 222 // this user was invited to a room
	EventRoomStatus          EventCode = 221 // the room's status changed (rooms that track status)
	EventJoinRequest         EventCode = 220 // to owners and moderators: a user asks to join
	EventJoinDecision        EventCode = 219 // a join request was approved, rejected or withdrawn
	EventJoinPending         EventCode = 218 // to the joiner: the join waits for approval
	EventUserTypeChanged     EventCode = 217 // an actor's user type (user, moderator, owner) changed
)

var eventNames = map[EventCode]string{
	EventJoin: "Join", EventLeave: "Leave", EventPropertiesChanged: "PropertiesChanged",
	EventErrorInfo: "ErrorInfo", EventCacheSliceChanged: "CacheSliceChanged",
	EventMasterClientChanged: "MasterClientChanged", EventSignal: "Signal",
	EventRoomList: "RoomList", EventRoomListUpdate: "RoomListUpdate", EventAppStats: "AppStats",
	EventLobbyStats: "LobbyStats", EventMessage: "Message", EventInvitation: "Invitation",
	EventRoomStatus: "RoomStatus", EventJoinRequest: "JoinRequest", EventJoinDecision: "JoinDecision",
	EventJoinPending: "JoinPending", EventUserTypeChanged: "UserTypeChanged",
}

// String returns the event's name, such as "Join".
func (e EventCode) String() string {
	if s, ok := eventNames[e]; ok {
		return s
	}
	return fmt.Sprintf("EventCode(%d)", uint8(e))
}

// Param is a parameter key. One key space serves every operation and event.
type Param uint8

// Parameter keys, with the type of their value (see PROTOCOL.md).
const (
	ParamProtocolVersion    Param = 1   // int
	ParamAppID              Param = 2   // string
	ParamAppVersion         Param = 3   // string
	ParamUserID             Param = 4   // string
	ParamNickname           Param = 5   // string
	ParamAuthType           Param = 6   // int
	ParamAuthParams         Param = 7   // string (URL query)
	ParamAuthData           Param = 8   // bytes
	ParamData               Param = 9   // map
	ParamAuthContinue       Param = 10  // bool
	ParamMinVersion         Param = 11  // int
	ParamMaxVersion         Param = 12  // int
	ParamRoomName           Param = 20  // string
	ParamMaxPlayers         Param = 21  // int
	ParamIsVisible          Param = 22  // bool
	ParamIsOpen             Param = 23  // bool
	ParamPlayerTTL          Param = 24  // int, milliseconds (-1: forever)
	ParamEmptyRoomTTL       Param = 25  // int, milliseconds
	ParamSuppressEvents     Param = 26  // bool
	ParamPublishUserID      Param = 27  // bool
	ParamCleanupCache       Param = 28  // bool
	ParamCheckUserOnJoin    Param = 29  // bool
	ParamDeleteNullProps    Param = 30  // bool
	ParamBroadcastPropsAll  Param = 31  // bool
	ParamRoomProperties     Param = 32  // map
	ParamPropsInLobby       Param = 33  // array of strings
	ParamExpectedUsers      Param = 34  // array of strings
	ParamDirectMode         Param = 35  // int
	ParamLobbyName          Param = 36  // string
	ParamLobbyType          Param = 37  // int
	ParamPlayerProperties   Param = 38  // map
	ParamJoinMode           Param = 39  // int
	ParamCacheSliceIndex    Param = 40  // int
	ParamActorNr            Param = 41  // int
	ParamActors             Param = 42  // array of actor maps
	ParamActorList          Param = 43  // array of ints
	ParamMasterActor        Param = 44  // int
	ParamWillComeBack       Param = 45  // bool
	ParamProperties         Param = 46  // map
	ParamExpectedValues     Param = 47  // map
	ParamBroadcast          Param = 48  // bool
	ParamTargetActor        Param = 49  // int
	ParamReceivers          Param = 50  // int
	ParamTargetActors       Param = 51  // array of ints
	ParamInterestGroup      Param = 52  // int
	ParamCache              Param = 53  // int
	ParamGroupsAdd          Param = 54  // array of ints
	ParamGroupsRemove       Param = 55  // array of ints
	ParamIsInactive         Param = 56  // bool
	ParamErrorCode          Param = 57  // int
	ParamMessage            Param = 58  // string
	ParamSenderActor        Param = 59  // int
	ParamPreviousMaster     Param = 60  // int
	ParamCreated            Param = 61  // bool
	ParamExpectedMaster     Param = 62  // int
	ParamTURNUsername       Param = 63  // string
	ParamTURNPassword       Param = 64  // string
	ParamTURNTTL            Param = 65  // int, seconds
	ParamTURNURLs           Param = 66  // array of strings
	ParamExpectedProps      Param = 67  // map: room properties (listed in the lobby) a random room must have
	ParamMatchmakingMode    Param = 68  // int: a [MatchmakingMode]
	ParamSQLFilter          Param = 69  // string: up to three WHERE clauses separated by ';'
	ParamRoomList           Param = 70  // array of room maps (see PROTOCOL.md)
	ParamLobbyStats         Param = 71  // bool in Authenticate (send me lobby stats); array of lobby maps in the event
	ParamPlayersInRooms     Param = 72  // int
	ParamPlayersOutside     Param = 73  // int: connected players in no room
	ParamRoomCount          Param = 74  // int
	ParamUserIDs            Param = 75  // array of strings
	ParamOnline             Param = 76  // array of bools
	ParamRoomNames          Param = 77  // array of strings ("" for none)
	ParamExpectedMaxPlayers Param = 78  // int: a random room's max players must be this (0: any)
	ParamURIPath            Param = 79  // string: the WebRPC path under the web base URL
	ParamRPCParams          Param = 80  // any value: the WebRPC arguments
	ParamSendAuthCookie     Param = 81  // bool: add the auth cookie to the WebRPC call
	ParamResultCode         Param = 82  // int: the web service's ResultCode
	ParamWebForward         Param = 83  // bool: send this event or property change to the Event/GameProperties webhook
	ParamGroup              Param = 84  // string: a message group's name
	ParamNotification       Param = 85  // map: {"title", "body", "always"}: a Web Push to send along with a post
	ParamSearchFor          Param = 86  // int: a [GroupSearch]
	ParamValue              Param = 87  // string or int: the value searched for
	ParamCondition          Param = 88  // string: >, >=, =, <, <=, != (or gt, gte, eq, lt, lte, ne)
	ParamRange              Param = 89  // string or int: the upper end of a range search (value <= x <= range)
	ParamLimit              Param = 90  // int: page size
	ParamCursor             Param = 91  // string: where the next page starts ("" on the last page)
	ParamGroups             Param = 92  // array of group maps
	ParamUsers              Param = 93  // array of user maps
	ParamConnID             Param = 94  // string: a connection's id
	ParamVAPIDKey           Param = 95  // string: base64url VAPID public key
	ParamEndpoint           Param = 96  // string: a push subscription's endpoint URL
	ParamPushP256dh         Param = 97  // string: a push subscription's p256dh key (base64url)
	ParamPushAuth           Param = 98  // string: a push subscription's auth secret (base64url)
	ParamTitle              Param = 99  // string
	ParamBody               Param = 100 // string
	ParamPushed             Param = 101 // int: push messages queued
	ParamInvitees           Param = 102 // array of strings: user ids invited to a room
	ParamAutoMatch          Param = 103 // map: auto-matching criteria {"min", "max", "mask", "variant"}
	ParamRoomStatus         Param = 104 // map: a room's status
	ParamInvitations        Param = 105 // array of room status maps
	ParamConnectedActors    Param = 106 // array of ints: actors the reporter has a peer connection to
	ParamLeaveReason        Param = 107 // string: a [LeaveReason]
	ParamDescription        Param = 108 // string: a room's description
	ParamAccessType         Param = 109 // int: an [AccessType]
	ParamRoomKey            Param = 110 // string: a private room's key
	ParamTags               Param = 111 // array of strings
	ParamMetas              Param = 112 // array of meta maps {"key", "value", "level"}
	ParamJoinApproval       Param = 113 // bool: joins wait for an owner's or moderator's approval
	ParamUserType           Param = 114 // int: a [UserType]
	ParamApprove            Param = 115 // bool: approve (true) or reject (false)
	ParamTransfer           Param = 116 // bool: SetUserType hands the caller's ownership over
	ParamSingleRoom         Param = 117 // bool: a user in this room may be in no other room of the app
	ParamRequests           Param = 118 // array of join request maps
	ParamMatchAllTags       Param = 119 // bool: SearchRooms wants every tag, not any
	ParamRequestID          Param = 140 // string: a pending join request's id
)

// String returns "param N".
func (p Param) String() string { return fmt.Sprintf("param %d", uint8(p)) }

// JoinMode says what [OpJoinRoom] does when the room or the actor is (not) there.
type JoinMode uint8

// Join modes.
const (
	JoinOnly     JoinMode = 0 // join an existing room
	JoinOrCreate JoinMode = 1 // create the room if it does not exist
	JoinOrRejoin JoinMode = 2 // rejoin as the inactive actor of this user, else join
	RejoinOnly   JoinMode = 3 // rejoin as the inactive actor of this user, or fail
)

// MatchmakingMode is how [OpJoinRandomRoom] picks among the rooms that fit.
type MatchmakingMode uint8

// Matchmaking modes (Photon's numbers).
const (
	FillRoom       MatchmakingMode = 0 // the oldest room first
	SerialMatching MatchmakingMode = 1 // the rooms in turn, spreading players evenly
	RandomMatching MatchmakingMode = 2 // any room that fits
)

// LobbyType is the kind of a lobby (Photon's numbers).
type LobbyType uint8

// Lobby types.
const (
	LobbyDefault     LobbyType = 0 // room lists and their updates; matching on listed properties
	LobbySQL         LobbyType = 2 // no lists; SQL filters over the columns C0 to C9
	LobbyAsyncRandom LobbyType = 3 // no lists; rooms with only inactive players stay matchable
)

// Receivers selects who gets a raised event when it names no target actors.
type Receivers uint8

// Receiver groups.
const (
	ReceiversOthers Receivers = 0 // every other active actor (the default)
	ReceiversAll    Receivers = 1 // every active actor, the sender included
	ReceiversMaster Receivers = 2 // the master client only
)

// Caching is what a raised event does to the room's event cache (Photon's numbers).
type Caching uint8

// Caching options.
const (
	DoNotCache                 Caching = 0
	AddToRoomCache             Caching = 4  // cached for the sender, replayed to joiners
	AddToRoomCacheGlobal       Caching = 5  // cached for the room (sender 0), kept when the sender leaves
	RemoveFromRoomCache        Caching = 6  // remove matching events; the event is not sent
	RemoveFromRoomCacheForGone Caching = 7  // remove events of actors no longer in the room
	SliceIncreaseIndex         Caching = 10 // move to the next cache slice
	SliceSetIndex              Caching = 11 // move to the slice given by [ParamCacheSliceIndex]
	SlicePurgeIndex            Caching = 12 // drop the slice given by [ParamCacheSliceIndex]
	SlicePurgeUpToIndex        Caching = 13 // drop the slices below [ParamCacheSliceIndex]
)

// DirectMode is a room's peer-to-peer topology (used by the direct-mode layer).
type DirectMode uint8

// Direct modes.
const (
	DirectNone           DirectMode = 0
	DirectAllToOthers    DirectMode = 1
	DirectMasterToOthers DirectMode = 2
	DirectAllToAll       DirectMode = 3
	DirectMasterToAll    DirectMode = 4
)
