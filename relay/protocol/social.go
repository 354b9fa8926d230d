package protocol

// GroupSearch says what [OpListGroups] searches by.
type GroupSearch uint8

// Group searches.
const (
	SearchGroupName  GroupSearch = 0 // by group name (string comparison)
	SearchGroupUsers GroupSearch = 1 // by number of users
)

// AccessType says who may see and join a room (seed 004's numbers).
type AccessType uint8

// Access types.
const (
	AccessPublic  AccessType = 0 // listed, searchable, and open to all
	AccessPrivate AccessType = 1 // not listed; joinable only with the room's key
	AccessFriends AccessType = 2 // visible to and joinable by the owner's friends only
)

// UserType is an actor's authority in a room (seed 004's numbers). A meta's level
// uses the same numbers, with 0 meaning everyone (also outside the room).
type UserType uint8

// User types.
const (
	UserEveryone  UserType = 0 // only as a meta level: visible outside the room too
	UserMember    UserType = 1 // a plain user (the default)
	UserModerator UserType = 2 // approves joins
	UserOwner     UserType = 3 // approves joins, changes user types, transfers ownership
)

// RoomStatus is a room's stage (seed 003's names).
type RoomStatus string

// Room statuses.
const (
	RoomInviting     RoomStatus = "ROOM_INVITING"      // an invitee has not answered yet
	RoomAutoMatching RoomStatus = "ROOM_AUTO_MATCHING" // auto-matched slots are still open
	RoomConnecting   RoomStatus = "ROOM_CONNECTING"    // players are connecting to each other
	RoomActive       RoomStatus = "ROOM_ACTIVE"        // everyone joined and connected
	RoomDeleted      RoomStatus = "ROOM_DELETED"       // every joined participant left
)

// ParticipantStatus is a participant's relation to a room (seed 003's names).
type ParticipantStatus string

// Participant statuses.
const (
	ParticipantInvited  ParticipantStatus = "PARTICIPANT_INVITED"
	ParticipantJoined   ParticipantStatus = "PARTICIPANT_JOINED"
	ParticipantDeclined ParticipantStatus = "PARTICIPANT_DECLINED"
	ParticipantLeft     ParticipantStatus = "PARTICIPANT_LEFT"
)

// LeaveReason is why a participant left a room (seed 003's names).
type LeaveReason string

// Leave reasons. A client may give any of them to LeaveRoom except
// [LeavePresenceFailure], which the relay sets when a connection ends without a leave.
const (
	LeavePlayerLeft            LeaveReason = "PLAYER_LEFT"
	LeaveGameLeft              LeaveReason = "GAME_LEFT"
	LeaveAbandoned             LeaveReason = "ABANDONED"
	LeavePeerConnectionFailure LeaveReason = "PEER_CONNECTION_FAILURE"
	LeaveServerError           LeaveReason = "SERVER_ERROR"
	LeaveTimeout               LeaveReason = "TIMEOUT"
	LeavePresenceFailure       LeaveReason = "PRESENCE_FAILURE"
)
