package relay

import "github.com/bosonrt/boson/relay/protocol"

// statusOp serves invitations, room status and peer status reports (seed 003).
func (sess *session) statusOp(r *protocol.Request) *protocol.Response {
	return fail(protocol.CodeInvalidOperation, r.Op.String()+" is not implemented yet")
}

// statusOptions are a room's invitees and auto-matching criteria, read at creation.
type statusOptions struct{}

// roomStatus is a room's participants and status.
type roomStatus struct{}

// readStatusOptions reads the invitees and auto-matching criteria of a create request.
func readStatusOptions(protocol.Params, *roomOptions) error { return nil }

// readLeaveReason reads the reason a client gives for leaving (LeavePlayerLeft if none).
func readLeaveReason(protocol.Params) (protocol.LeaveReason, error) {
	return protocol.LeavePlayerLeft, nil
}

// statusJoinedLocked records that a joined (or rejoined) the room.
func (r *room) statusJoinedLocked(a *actor, created bool) {}

// statusLeftLocked records that a left the room (or became inactive) and why.
func (r *room) statusLeftLocked(a *actor, reason protocol.LeaveReason, inactive bool) {}

// statusParamsLocked adds the room's status to a's join response.
func (r *room) statusParamsLocked(p protocol.Params, a *actor) {}

// statusClosedLocked marks the status of a closing room deleted.
func (r *room) statusClosedLocked() {}
