package relay

import "github.com/bosonrt/boson/relay/protocol"

// accessOp serves join approval, user types and room search (seed 004).
func (sess *session) accessOp(r *protocol.Request) *protocol.Response {
	return fail(protocol.CodeInvalidOperation, r.Op.String()+" is not implemented yet")
}

// accessOptions are a room's access type, key, tags, metas and join approval.
type accessOptions struct{}

// roomAccess is a room's access control state: pending join requests.
type roomAccess struct{}

// readAccessOptions reads the access control options of a create request.
func readAccessOptions(protocol.Params, *roomOptions) error { return nil }

// readAccessJoinParams reads the key and user type a joiner asks with.
func readAccessJoinParams(protocol.Params, *joinParams) error { return nil }

// checkAccessLocked refuses a joiner the room's access rules do not admit.
func (r *room) checkAccessLocked(sess *session, userID string, created bool, jp *joinParams) *protocol.Response {
	return nil
}

// accessJoinedLocked gives a new actor its user type.
func (r *room) accessJoinedLocked(a *actor, created bool, jp *joinParams) {}

// accessLeftLocked hands ownership on when the last owner leaves.
func (r *room) accessLeftLocked(a *actor) {}

// accessParamsLocked adds the room's access options (as a may see them) to its join response.
func (r *room) accessParamsLocked(p protocol.Params, a *actor) {}
