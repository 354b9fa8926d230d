package relay

import (
	"slices"
	"strconv"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// maxJoinRequests bounds the pending join requests of one room.
const maxJoinRequests = 64

// answeredLater is the response of a join that waits (for an approval or a friend
// list): the client gets its answer later. room.join turns it into nil.
var answeredLater = &protocol.Response{Code: protocol.CodeInternalServerError, Message: "answered later"}

// roomAccess is a room's access control state: pending join requests.
type roomAccess struct {
	requests []*joinRequest // oldest first
	nextID   uint64
}

// joinRequest is a join waiting for an owner's or moderator's approval.
type joinRequest struct {
	id       string
	room     *room
	sess     *session
	userID   string
	nickname string
	asked    protocol.UserType
	jp       *joinParams
	timer    *time.Timer
}

// askApprovalLocked files a join request: the joiner gets JoinPending, the actors who
// may decide get JoinRequest, and the join is answered when someone decides, the
// request times out, or the room closes.
func (r *room) askApprovalLocked(sess *session, userID string, jp *joinParams) *protocol.Response {
	if r.acl == nil {
		r.acl = &roomAccess{}
	}
	if len(r.acl.requests) >= maxJoinRequests {
		return fail(protocol.CodeOperationLimitReached, "the room "+quote(r.name)+" has "+itoa64(maxJoinRequests)+" pending join requests")
	}
	sess.mu.Lock()
	switch {
	case sess.gone: // ended since checkJoinerLocked (a join resumed after friend lists)
		sess.mu.Unlock()
		return answeredLater
	case sess.acc.waiting != nil:
		sess.mu.Unlock()
		return fail(protocol.CodeOperationNotAllowedInState, "a join request of this connection is pending")
	}
	r.acl.nextID++
	req := &joinRequest{id: strconv.FormatUint(r.acl.nextID, 10), room: r, sess: sess, userID: userID,
		nickname: sess.nickname, asked: jp.userType, jp: jp}
	sess.acc.waiting = req
	sess.mu.Unlock()
	r.acl.requests = append(r.acl.requests, req)
	req.timer = r.s.afterFunc(r.s.cfg.JoinApprovalTimeout, func() { r.requestExpired(req) })
	sendEvent(sess.conn, &protocol.Event{Code: protocol.EventJoinPending, Params: protocol.Params{
		protocol.ParamRoomName: r.name, protocol.ParamRequestID: req.id,
	}})
	r.toDecidersLocked(req, &protocol.Event{Code: protocol.EventJoinRequest, Params: req.params()})
	return answeredLater
}

// params describe a request to its deciders.
func (req *joinRequest) params() protocol.Params {
	return protocol.Params{protocol.ParamUserID: req.userID, protocol.ParamNickname: req.nickname,
		protocol.ParamUserType: int64(req.asked), protocol.ParamRequestID: req.id}
}

// mayDecide says whether actor a may decide the request: owners decide all,
// moderators plain users' requests.
func (req *joinRequest) mayDecide(a *actor) bool {
	return a.userType == protocol.UserOwner || a.userType == protocol.UserModerator && req.asked == protocol.UserMember
}

// requestsToLocked sends an active actor whose user type was before (0: it just
// joined or rejoined) a JoinRequest for each pending request it may decide now and
// could not decide then: an heir, a promoted actor or a returning decider learns of
// the requests filed without it.
func (r *room) requestsToLocked(a *actor, before protocol.UserType) {
	if r.acl == nil || a.sess == nil {
		return
	}
	was := &actor{userType: before}
	for _, req := range r.acl.requests {
		if req.mayDecide(a) && (before == 0 || !req.mayDecide(was)) {
			sendEvent(a.sess.conn, &protocol.Event{Code: protocol.EventJoinRequest, Params: req.params()})
		}
	}
}

func (r *room) toDecidersLocked(req *joinRequest, e *protocol.Event) {
	b, err := protocol.AppendEvent(nil, e)
	if err != nil {
		return
	}
	for _, a := range r.actors {
		if a.sess != nil && req.mayDecide(a) {
			sendReliable(a.sess.conn, 0, b)
		}
	}
}

// removeRequestLocked takes a request out of the pending list; it reports whether it
// was there (a request is decided, withdrawn or expired once).
func (r *room) removeRequestLocked(req *joinRequest) bool {
	if r.acl == nil {
		return false
	}
	i := slices.Index(r.acl.requests, req)
	if i < 0 {
		return false
	}
	r.acl.requests = slices.Delete(r.acl.requests, i, i+1)
	req.timer.Stop()
	return true
}

// decidedLocked tells the deciders what became of a request: outcome is approved,
// rejected, withdrawn, timeout or closed; by is the deciding actor (0: none).
func (r *room) decidedLocked(req *joinRequest, approve bool, by int32, outcome string) {
	p := protocol.Params{protocol.ParamUserID: req.userID, protocol.ParamApprove: approve,
		protocol.ParamActorNr: int64(by), protocol.ParamRequestID: req.id, protocol.ParamMessage: outcome}
	r.toDecidersLocked(req, &protocol.Event{Code: protocol.EventJoinDecision, Params: p})
}

// answer answers the joiner's JoinRoom and ends its wait.
func (req *joinRequest) answer(resp *protocol.Response) {
	req.sess.mu.Lock()
	if req.sess.acc.waiting == req {
		req.sess.acc.waiting = nil
	}
	req.sess.mu.Unlock()
	if resp != nil {
		resp.Op, resp.ID = req.jp.op, req.jp.id
		respond(req.sess.conn, resp)
	}
}

// requestExpired answers a request nobody decided in time.
func (r *room) requestExpired(req *joinRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.removeRequestLocked(req) {
		return
	}
	r.decidedLocked(req, false, 0, "timeout")
	req.answer(fail(protocol.CodeApprovalTimeout, "nobody approved the join in "+r.s.cfg.JoinApprovalTimeout.String()))
}

// withdrawJoin withdraws the session's waiting join (for an approval or friend
// lists): when its connection ends, or when it sends LeaveRoom (byClient: the JoinRoom
// is answered JoinWithdrawn). A join that resumes later (approved, or its lists
// fetched) then fails. It reports whether a join was waiting, and returns the actor of
// one that completed before the withdrawal (for LeaveRoom to leave; on disconnect
// closed or leaveIfGone takes it out).
func (sess *session) withdrawJoin(byClient bool) (waited bool, joined *actor) {
	sess.mu.Lock()
	r := sess.acc.room()
	sess.mu.Unlock()
	if r == nil {
		return false, nil
	}
	r.mu.Lock() // orders this with the resumed join, which runs under r.mu
	sess.mu.Lock()
	req, a := sess.acc.waiting, sess.actor
	if a == nil {
		sess.acc.withdrawn = true
	}
	sess.mu.Unlock()
	removed := req != nil && req.room == r && r.removeRequestLocked(req)
	if removed {
		r.decidedLocked(req, false, 0, "withdrawn")
	}
	r.mu.Unlock()
	if removed {
		var resp *protocol.Response
		if byClient {
			resp = fail(protocol.CodeJoinWithdrawn, "the join was withdrawn (LeaveRoom)")
		}
		req.answer(resp)
	}
	return true, a
}

// accessClosedLocked answers the pending requests of a closing room.
func (r *room) accessClosedLocked() {
	if r.acl == nil {
		return
	}
	for _, req := range slices.Clone(r.acl.requests) {
		r.removeRequestLocked(req)
		req.answer(fail(protocol.CodeGameDoesNotExist, "the room "+quote(r.name)+" closed"))
	}
}

// findRequestLocked finds a pending request by id (ParamRequestID) or, failing that,
// the oldest of a user (ParamUserID).
func (r *room) findRequestLocked(id, userID string) *joinRequest {
	if r.acl == nil {
		return nil
	}
	for _, req := range r.acl.requests {
		if id != "" && req.id == id || id == "" && req.userID == userID {
			return req
		}
	}
	return nil
}

// approveJoin decides a pending request. An approved join then runs with all the
// usual checks (capacity, closed room); its JoinRoom response tells the joiner.
func (r *room) approveJoin(a *actor, p protocol.Params) *protocol.Response {
	id, err1 := p.Str(protocol.ParamRequestID, "")
	userID, err2 := p.Str(protocol.ParamUserID, "")
	approve, err3 := p.Bool(protocol.ParamApprove, true)
	grant, err4 := p.IntIn(protocol.ParamUserType, 0, 0, int64(protocol.UserOwner))
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return badParam(err)
	}
	r.mu.Lock()
	if a.sess == nil || r.closed {
		r.mu.Unlock()
		return fail(protocol.CodeNotInRoom, "not in the room")
	}
	req := r.findRequestLocked(id, userID)
	if req == nil {
		r.mu.Unlock()
		return fail(protocol.CodeNoSuchRequest, "no pending join request "+quote(id+userID))
	}
	granted := protocol.UserType(grant)
	if granted == 0 {
		granted = req.asked
	}
	if resp := checkDecision(a, req, approve, granted); resp != nil {
		r.mu.Unlock()
		return resp
	}
	r.removeRequestLocked(req)
	outcome := "rejected"
	if approve {
		outcome = "approved"
	}
	r.decidedLocked(req, approve, a.nr, outcome)
	r.mu.Unlock()
	if !approve {
		req.answer(fail(protocol.CodeJoinRejected, "the join was rejected"))
		return &protocol.Response{}
	}
	req.jp.acc = joinAccess{resumed: true, approved: true, granted: granted}
	resp, retry := r.join(req.sess, false, req.jp)
	if retry {
		resp = fail(protocol.CodeGameDoesNotExist, "the room "+quote(r.name)+" closed")
	}
	req.sess.leaveIfGone()
	req.answer(resp)
	return &protocol.Response{}
}

func checkDecision(a *actor, req *joinRequest, approve bool, granted protocol.UserType) *protocol.Response {
	if !req.mayDecide(a) {
		return fail(protocol.CodeNotPermitted, "only owners decide requests for moderator or owner")
	}
	if approve && (granted > req.asked || granted < protocol.UserMember) {
		return fail(protocol.CodeInvalidRequest, "grant a user type from 1 (user) up to the type asked for")
	}
	if approve && granted > protocol.UserMember && a.userType != protocol.UserOwner {
		return fail(protocol.CodeNotPermitted, "only owners grant moderator or owner")
	}
	return nil
}

// leaveIfGone takes out the actor a resumed join gave a session whose connection
// ended meanwhile (closed sets gone before it reads the actor, so one of the two
// sees the other).
func (sess *session) leaveIfGone() {
	sess.mu.Lock()
	a, gone := sess.actor, sess.gone
	sess.mu.Unlock()
	if gone && a != nil {
		a.room.leave(sess, a, true, protocol.LeavePresenceFailure)
	}
}

// listJoinRequests returns the pending requests the caller may decide.
func (r *room) listJoinRequests(a *actor) *protocol.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.userType < protocol.UserModerator {
		return fail(protocol.CodeNotPermitted, "only owners and moderators see join requests")
	}
	list := []any{}
	if r.acl != nil {
		for _, req := range r.acl.requests {
			if req.mayDecide(a) {
				m := map[string]any{"id": req.id, "userId": req.userID, "name": req.nickname, "type": int64(req.asked)}
				list = append(list, m)
			}
		}
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamRequests: list}}
}
