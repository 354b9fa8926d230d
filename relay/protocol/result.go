package protocol

import "fmt"

// Code is the result of an operation: [OK], or an error the client can branch on.
// The numbers follow Photon Realtime where Photon has the same condition.
type Code int32

// Result codes. Each has a name and a default message ([Code.Message]).
const (
	OK                                Code = 0
	CodeInternalServerError           Code = -1
	CodeInvalidOperation              Code = -2 // also: a compare-and-set did not match
	CodeOperationNotAllowedInState    Code = -3
	CodeInvalidRequest                Code = -4 // malformed message or parameter
	CodeInvalidAuthentication         Code = 32767
	CodeGameIDAlreadyExists           Code = 32766
	CodeGameFull                      Code = 32765
	CodeGameClosed                    Code = 32764
	CodeServerFull                    Code = 32762
	CodeNoRandomMatchFound            Code = 32760
	CodeGameDoesNotExist              Code = 32758
	CodeCustomAuthenticationFailed    Code = 32755
	CodeJoinFailedPeerAlreadyJoined   Code = 32750
	CodeJoinFailedFoundInactiveJoiner Code = 32749
	CodeJoinFailedRejoinerNotFound    Code = 32748
	CodeJoinFailedFoundActiveJoiner   Code = 32746
	CodeExternalHTTPCallFailed        Code = 32744
	CodeOperationLimitReached         Code = 32743
	CodeSlotError                     Code = 32742
	CodeUnsupportedVersion            Code = 32739
	CodeAuthServiceUnavailable        Code = 32738
	CodeTooLarge                      Code = 32737
	CodeRoomLimitReached              Code = 32736
	CodeEventCacheFull                Code = 32735
	CodeNotInRoom                     Code = 32734
	CodeHTTPLimitReached              Code = 32745
	CodeWebhookFailed                 Code = 32733 // ErrorInfo: a room webhook failed (Config.Web.ErrorInfo)
	CodeNotInGroup                    Code = 32732
	CodeUserOffline                   Code = 32731
	CodePushUnavailable               Code = 32730
	CodeNotInvited                    Code = 32729
	CodeWrongRoomKey                  Code = 32728
	CodeNotAFriend                    Code = 32727
	CodeJoinRejected                  Code = 32726
	CodeApprovalTimeout               Code = 32725
	CodeNotPermitted                  Code = 32724
	CodeUserInOtherRoom               Code = 32723
	CodeNoSuchRequest                 Code = 32722
	CodeFriendsUnavailable            Code = 32721
	CodeGroupFull                     Code = 32720
	CodeGroupLimitReached             Code = 32719
	CodeJoinWithdrawn                 Code = 32714 // the joiner withdrew its waiting join (LeaveRoom)
	CodePushNotPermitted              Code = 32718
)

type codeInfo struct{ name, message string }

var codes = map[Code]codeInfo{
	OK:                                {"Ok", "ok"},
	CodeInternalServerError:           {"InternalServerError", "the relay failed to carry out the operation"},
	CodeInvalidOperation:              {"InvalidOperation", "the operation is not valid here (or its expected values did not match)"},
	CodeOperationNotAllowedInState:    {"OperationNotAllowedInCurrentState", "the operation is not allowed in the client's current state"},
	CodeInvalidRequest:                {"InvalidRequest", "the request is malformed or a parameter is missing or of the wrong type"},
	CodeInvalidAuthentication:         {"InvalidAuthentication", "authentication failed: unknown app, or anonymous clients not allowed"},
	CodeGameIDAlreadyExists:           {"GameIdAlreadyExists", "a room with this name already exists"},
	CodeGameFull:                      {"GameFull", "the room is full"},
	CodeGameClosed:                    {"GameClosed", "the room is closed to joiners"},
	CodeServerFull:                    {"ServerFull", "the relay has no room for more clients"},
	CodeNoRandomMatchFound:            {"NoRandomMatchFound", "no room matched"},
	CodeGameDoesNotExist:              {"GameDoesNotExist", "no room with this name exists"},
	CodeCustomAuthenticationFailed:    {"CustomAuthenticationFailed", "the authentication service refused the client"},
	CodeJoinFailedPeerAlreadyJoined:   {"JoinFailedPeerAlreadyJoined", "the client is already in a room"},
	CodeJoinFailedFoundInactiveJoiner: {"JoinFailedFoundInactiveJoiner", "this user is inactive in the room: rejoin instead"},
	CodeJoinFailedRejoinerNotFound:    {"JoinFailedWithRejoinerNotFound", "no inactive actor of this user to rejoin as"},
	CodeJoinFailedFoundActiveJoiner:   {"JoinFailedFoundActiveJoiner", "this user is already active in the room"},
	CodeOperationLimitReached:         {"OperationLimitReached", "too many operations: slow down"},
	CodeExternalHTTPCallFailed:        {"ExternalHttpCallFailed", "the web service did not answer, or answered with an error"},
	CodeHTTPLimitReached:              {"HttpLimitReached", "too many web calls in flight: try again later"},
	CodeWebhookFailed:                 {"WebhookFailed", "a room webhook failed"},
	CodeSlotError:                     {"SlotError", "the expected users do not fit in the room"},
	CodeUnsupportedVersion:            {"UnsupportedProtocolVersion", "the relay does not speak this protocol version"},
	CodeAuthServiceUnavailable:        {"AuthServiceUnavailable", "the authentication service is unavailable"},
	CodeTooLarge:                      {"TooLarge", "a payload or the properties exceed the relay's size limit"},
	CodeRoomLimitReached:              {"RoomLimitReached", "the app has as many rooms as the relay allows"},
	CodeEventCacheFull:                {"EventCacheFull", "the room's event cache is full: the room is closed"},
	CodeNotInRoom:                     {"NotInRoom", "the operation needs the client to be in a room"},
	CodeNotInGroup:                    {"NotInGroup", "the sender has not joined the recipient group"},
	CodeUserOffline:                   {"UserOffline", "the user is not connected and no push notification was sent"},
	CodePushUnavailable:               {"PushUnavailable", "web push is not configured on this relay"},
	CodeNotInvited:                    {"NotInvited", "this user has no invitation to the room"},
	CodeWrongRoomKey:                  {"WrongRoomKey", "the room is private: its key is missing or wrong"},
	CodeNotAFriend:                    {"NotAFriend", "the room is for its owner's friends only"},
	CodeJoinRejected:                  {"JoinRejected", "an owner or moderator rejected the join request"},
	CodeApprovalTimeout:               {"ApprovalTimeout", "nobody approved the join request in time"},
	CodeNotPermitted:                  {"NotPermitted", "the caller's user type does not allow this"},
	CodeUserInOtherRoom:               {"UserInOtherRoom", "the user is in another room"},
	CodeNoSuchRequest:                 {"NoSuchRequest", "no such pending join request"},
	CodeFriendsUnavailable:            {"FriendsUnavailable", "the friend list could not be fetched"},
	CodeGroupFull:                     {"GroupFull", "the message group has as many members as the relay allows"},
	CodeGroupLimitReached:             {"GroupLimitReached", "the app has as many message groups as the relay allows"},
	CodeJoinWithdrawn:                 {"JoinWithdrawn", "the joiner withdrew its waiting join"},
	CodePushNotPermitted:              {"PushNotPermitted", "the caller may push only to its own user and users it shares a room or group with"},
}

// Codes returns every defined result code, for documentation and tests.
func Codes() []Code {
	out := make([]Code, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	return out
}

// String returns the code's name, such as "GameFull".
func (c Code) String() string {
	if i, ok := codes[c]; ok {
		return i.name
	}
	return fmt.Sprintf("Code(%d)", int32(c))
}

// Message returns the code's default message.
func (c Code) Message() string {
	if i, ok := codes[c]; ok {
		return i.message
	}
	return "unknown result code"
}

// An Error is a failed operation's result: its code and the relay's message.
// errors.Is(err, Code) matches the code: errors.Is(err, protocol.CodeGameFull).
type Error struct {
	Op      Op
	Code    Code
	Message string
}

// Error returns "relay: Op: Name (code): message".
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.Message()
	}
	if e.Op == 0 {
		return fmt.Sprintf("relay: %s (%d): %s", e.Code.String(), int32(e.Code), msg)
	}
	return fmt.Sprintf("relay: %s: %s (%d): %s", e.Op, e.Code.String(), int32(e.Code), msg)
}

// Is matches a [Code] or an *Error with the same code.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// Error makes a Code usable as an errors.Is target.
func (c Code) Error() string {
	return fmt.Sprintf("relay: %s (%d): %s", c.String(), int32(c), c.Message())
}
