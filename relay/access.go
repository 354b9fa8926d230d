package relay

import (
	"crypto/subtle"

	"github.com/bosonrt/boson/relay/protocol"
)

// accessOp serves join approval, user types and room search (seed 004).
func (sess *session) accessOp(r *protocol.Request) *protocol.Response {
	switch r.Op {
	case protocol.OpSearchRooms:
		if resp := sess.chargeQuery(); resp != nil {
			return resp
		}
		return sess.searchRooms(r)
	case protocol.OpApproveJoin:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.approveJoin(a, r.Params) })
	case protocol.OpSetUserType:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.setUserType(a, r.Params) })
	case protocol.OpListJoinRequests:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.listJoinRequests(a) })
	}
	return fail(protocol.CodeInvalidOperation, "unknown operation "+r.Op.String())
}

// joinAccess is a join's state in the access checks: resumed after an asynchronous
// step (a friend list fetched, or an approval).
type joinAccess struct {
	resumed  bool              // the join runs again after a wait: the session may be gone
	approved bool              // an owner or moderator approved it
	fetched  bool              // the owners' friend lists were fetched: a missing list means "not a friend"
	granted  protocol.UserType // the user type the approver granted
}

// sessAccess is a session's join in progress (guarded by session.mu).
type sessAccess struct {
	waiting   *joinRequest // a join waiting for approval
	fetching  *room        // the room of a join waiting for friend lists
	withdrawn bool         // LeaveRoom withdrew the waiting join: its resumption fails
}

// busy says whether a join of the session is in progress elsewhere.
func (sa *sessAccess) busy(jp *joinParams) bool {
	return !jp.acc.resumed && (sa.waiting != nil || sa.fetching != nil)
}

// room returns the room a join of the session waits for, or nil.
func (sa *sessAccess) room() *room {
	if sa.waiting != nil {
		return sa.waiting.room
	}
	return sa.fetching
}

// access returns the room's access options (never nil).
func (r *room) access() *accessOptions {
	if r.opts.access == nil {
		return &accessOptions{}
	}
	return r.opts.access
}

// checkJoinerLocked applies the rules that hold for every join, a rejoin too: a
// connection with a join already waiting (or already in a room) joins nothing else,
// and the single-room rule.
func (r *room) checkJoinerLocked(sess *session, userID string, created bool, jp *joinParams) *protocol.Response {
	sess.mu.Lock()
	busy, gone, in, withdrawn := sess.acc.busy(jp), sess.gone, sess.actor != nil, sess.acc.withdrawn
	if !busy && !jp.acc.resumed {
		sess.acc.withdrawn = false // a new join: nothing of the session waits
	}
	sess.mu.Unlock()
	switch {
	case busy:
		return fail(protocol.CodeOperationNotAllowedInState, "a join of this connection waits for an approval or a friend list")
	case jp.acc.resumed && gone:
		return answeredLater // nobody to answer (see leaveIfGone)
	case jp.acc.resumed && withdrawn:
		return fail(protocol.CodeJoinWithdrawn, "the join was withdrawn (LeaveRoom)")
	case in:
		return fail(protocol.CodeJoinFailedPeerAlreadyJoined, "already in a room: leave it first")
	}
	return r.checkSingleLocked(sess.key, userID, created)
}

// checkAccessLocked refuses a joiner the room's access rules do not admit, or makes
// it wait (answeredLater) for a friend list or an approval. An invitation is a grant:
// an invitee joining as a plain user needs no key, friendship or approval.
func (r *room) checkAccessLocked(sess *session, userID string, created bool, jp *joinParams) *protocol.Response {
	ao := r.access()
	if created {
		if ao.metasSize+r.propsSize > r.s.cfg.MaxRoomPropertiesBytes {
			return fail(protocol.CodeTooLarge, "room properties and metas exceed "+itoa64(int64(r.s.cfg.MaxRoomPropertiesBytes))+" bytes")
		}
		return nil
	}
	if jp.acc.approved || r.invitedLocked(userID) && jp.userType <= protocol.UserMember {
		return nil
	}
	switch ao.access {
	case protocol.AccessPrivate:
		if subtle.ConstantTimeCompare([]byte(jp.key), []byte(ao.key)) != 1 {
			return fail(protocol.CodeWrongRoomKey, "the room "+quote(r.name)+" is private: a wrong or missing key")
		}
	case protocol.AccessFriends:
		if resp := r.checkFriendLocked(sess, userID, jp); resp != nil {
			return resp
		}
	}
	if jp.userType > protocol.UserMember || ao.approval {
		if resp := r.checkCapacityLocked(userID, created, jp); resp != nil {
			return resp
		}
		return r.askApprovalLocked(sess, userID, jp)
	}
	return nil
}

// checkSingleLocked applies the single-room rule: a user in a single room may be in
// no other room of the world, and a single room takes nobody who is in another
// room. It locks no other room: a room's access options never change, and the
// sessions' actors are read under their own locks (room.mu → session.mu).
func (r *room) checkSingleLocked(key worldKey, userID string, created bool) *protocol.Response {
	single := r.access().single
	for _, other := range r.s.userSessions(key, userID) {
		other.mu.Lock()
		a := other.actor
		other.mu.Unlock()
		if a == nil || a.room == r {
			continue
		}
		if single || a.room.access().single {
			what := "join"
			if created {
				what = "create"
			}
			return fail(protocol.CodeUserInOtherRoom, "user "+quote(userID)+" is in the room "+quote(a.room.name)+": cannot "+what+" "+quote(r.name)+" (single-room rule)")
		}
	}
	return nil
}

// userSessions returns the sessions of a user in a world.
func (s *Server) userSessions(key worldKey, userID string) []*session {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	p := s.presence[key]
	if p == nil {
		return nil
	}
	out := make([]*session, 0, len(p.users[userID]))
	for o := range p.users[userID] {
		out = append(out, o)
	}
	return out
}

// accessJoinedLocked gives a new actor its user type: the creator is an owner, a
// joiner a plain user unless an approver granted more; a rejoiner keeps its type.
// An actor joining a room with no active owner (the last one left while nobody else
// was active, so nobody inherited) becomes its owner.
func (r *room) accessJoinedLocked(a *actor, created bool, jp *joinParams) {
	defer func() {
		if a.userType != protocol.UserOwner && !r.otherOwnerLocked(a) {
			a.userType = protocol.UserOwner
		}
	}()
	switch {
	case a.userType != 0:
	case created:
		a.userType = protocol.UserOwner
	case jp.acc.approved && jp.acc.granted != 0:
		a.userType = jp.acc.granted
	default:
		a.userType = protocol.UserMember
	}
}

// accessLeftLocked hands ownership on when the last active owner leaves (for good or
// inactive): to the longest-present (lowest actor number) active moderator, else
// the longest-present active member.
func (r *room) accessLeftLocked(left *actor) {
	if left.userType != protocol.UserOwner {
		return
	}
	var heir *actor
	for _, a := range r.actors {
		if a.sess == nil {
			continue
		}
		if a.userType == protocol.UserOwner {
			return
		}
		if heir == nil || a.userType > heir.userType {
			heir = a
		}
	}
	if heir != nil {
		was := heir.userType
		heir.userType = protocol.UserOwner
		r.typeChangedLocked(heir)
		r.requestsToLocked(heir, was)
	}
}

// accessParamsLocked adds the room's access options (as a may see them) to its join response.
func (r *room) accessParamsLocked(p protocol.Params, a *actor) {
	ao := r.access()
	p[protocol.ParamUserType] = int64(a.userType)
	p[protocol.ParamDescription] = ao.description
	p[protocol.ParamAccessType] = int64(ao.access)
	p[protocol.ParamTags] = stringsAny(ao.tags)
	p[protocol.ParamMetas] = ao.metasFor(a.userType)
	p[protocol.ParamJoinApproval] = ao.approval
	p[protocol.ParamSingleRoom] = ao.single
	if ao.access == protocol.AccessPrivate && a.userType >= protocol.UserModerator {
		p[protocol.ParamRoomKey] = ao.key
	}
}

// typeChangedLocked tells everyone an actor's new user type; the actor's own copy
// carries the metas (and a private room's key) its type now sees.
func (r *room) typeChangedLocked(a *actor) {
	p := protocol.Params{protocol.ParamActorNr: int64(a.nr), protocol.ParamUserType: int64(a.userType)}
	r.broadcastLocked(&protocol.Event{Code: protocol.EventUserTypeChanged, Params: p}, a)
	if a.sess == nil {
		return
	}
	own := protocol.Params{protocol.ParamActorNr: int64(a.nr), protocol.ParamUserType: int64(a.userType)}
	ao := r.access()
	own[protocol.ParamMetas] = ao.metasFor(a.userType)
	if ao.access == protocol.AccessPrivate && a.userType >= protocol.UserModerator {
		own[protocol.ParamRoomKey] = ao.key
	}
	sendEvent(a.sess.conn, &protocol.Event{Code: protocol.EventUserTypeChanged, Params: own})
}

// setUserType changes an actor's user type (owners only). With ParamTransfer the
// target becomes owner and the caller moderator, at once.
func (r *room) setUserType(caller *actor, p protocol.Params) *protocol.Response {
	nr, err1 := p.IntIn(protocol.ParamActorNr, 0, 1, 1<<31-1)
	t, err2 := p.IntIn(protocol.ParamUserType, int64(protocol.UserOwner), int64(protocol.UserMember), int64(protocol.UserOwner))
	transfer, err3 := p.Bool(protocol.ParamTransfer, false)
	if err := firstErr(err1, err2, err3); err != nil {
		return badParam(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if caller.sess == nil || r.closed {
		return fail(protocol.CodeNotInRoom, "not in the room")
	}
	if caller.userType != protocol.UserOwner {
		return fail(protocol.CodeNotPermitted, "only owners change user types")
	}
	target := r.actorLocked(int32(nr))
	if target == nil {
		return fail(protocol.CodeInvalidRequest, "no actor "+itoa64(nr)+" in the room")
	}
	if transfer {
		return r.transferLocked(caller, target)
	}
	want := protocol.UserType(t)
	if target == caller && (want == protocol.UserOwner || !r.otherOwnerLocked(caller)) {
		return fail(protocol.CodeNotPermitted, "an owner may step down only while another owner remains")
	}
	if was := target.userType; was != want {
		target.userType = want
		r.typeChangedLocked(target)
		r.requestsToLocked(target, was)
	}
	return &protocol.Response{}
}

func (r *room) transferLocked(caller, target *actor) *protocol.Response {
	if target == caller {
		return fail(protocol.CodeNotPermitted, "transfer ownership to another actor")
	}
	if target.sess == nil { // the room would have no active owner
		return fail(protocol.CodeInvalidRequest, "actor "+itoa64(int64(target.nr))+" is inactive: transfer ownership to an active actor")
	}
	if was := target.userType; was != protocol.UserOwner {
		target.userType = protocol.UserOwner
		r.typeChangedLocked(target)
		r.requestsToLocked(target, was)
	}
	caller.userType = protocol.UserModerator
	r.typeChangedLocked(caller)
	return &protocol.Response{}
}

// otherOwnerLocked says whether an active owner other than a is in the room.
func (r *room) otherOwnerLocked(a *actor) bool {
	for _, x := range r.actors {
		if x != a && x.sess != nil && x.userType == protocol.UserOwner {
			return true
		}
	}
	return false
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// invitedLocked reports whether userID has a pending invitation to the room.
func (r *room) invitedLocked(userID string) bool {
	return r.status != nil && userID != "" && r.status.byUser(userID, protocol.ParticipantInvited) != nil
}
