package relay

import (
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// createRoom creates a room (a random name if none is given) and joins it.
func (sess *session) createRoom(id uint32, p protocol.Params) *protocol.Response {
	opts, err := readRoomOptions(p, &sess.s.cfg)
	if err != nil {
		return badParam(err)
	}
	jp, err := readJoinParams(p)
	if err != nil {
		return badParam(err)
	}
	jp.op, jp.id, jp.mode = protocol.OpCreateRoom, id, protocol.JoinOrCreate
	if opts.status != nil { // invitees or auto-matching (automatch.go)
		return sess.createWithStatus(opts, jp)
	}
	if jp.name == "" {
		jp.name = randomID()
	}
	return sess.enter(opts, true, jp)
}

// joinRoom joins a room by name; with JoinOrCreate it creates the room if needed.
func (sess *session) joinRoom(id uint32, p protocol.Params) *protocol.Response {
	jp, err := readJoinParams(p)
	if err != nil {
		return badParam(err)
	}
	if jp.name == "" {
		return fail(protocol.CodeInvalidRequest, "a room name is required")
	}
	var opts *roomOptions
	if jp.mode == protocol.JoinOrCreate {
		if opts, err = readRoomOptions(p, &sess.s.cfg); err != nil {
			return badParam(err)
		}
		if opts.status != nil {
			return fail(protocol.CodeInvalidRequest, "invitees and auto-matching are for CreateRoom")
		}
	}
	jp.op, jp.id = protocol.OpJoinRoom, id
	return sess.enter(opts, false, jp)
}

// enter finds (or creates) the room and joins it. A nil response means the join
// answered the client itself (so that the response precedes the cached events).
func (sess *session) enter(opts *roomOptions, mustCreate bool, jp *joinParams) *protocol.Response {
	name := jp.name
	if len(name) > 128 {
		return fail(protocol.CodeInvalidRequest, "room names are at most 128 bytes")
	}
	if opts != nil && encodedSize(opts.props) > sess.s.cfg.MaxRoomPropertiesBytes {
		return fail(protocol.CodeTooLarge, "room properties exceed "+itoa64(int64(sess.s.cfg.MaxRoomPropertiesBytes))+" bytes")
	}
	sess.mu.Lock()
	key, busy := sess.key, sess.actor != nil
	sess.mu.Unlock()
	if busy {
		return fail(protocol.CodeJoinFailedPeerAlreadyJoined, "already in a room: leave it first")
	}
	for range 3 { // a room that closes between lookup and join is looked up again
		r, created, resp := sess.s.findOrCreate(key, name, opts != nil, opts)
		switch {
		case resp != nil:
			return resp
		case r == nil:
			return fail(protocol.CodeGameDoesNotExist, "no room called "+quote(name))
		case mustCreate && !created:
			return fail(protocol.CodeGameIDAlreadyExists, "a room called "+quote(name)+" exists")
		}
		if resp, retry := r.join(sess, created, jp); !retry {
			return resp
		}
	}
	return fail(protocol.CodeGameDoesNotExist, "the room "+quote(name)+" closed")
}

// join adds (or reactivates) the session's actor. It reports retry if the room closed.
// A room the caller just created comes with r.mu held.
func (r *room) join(sess *session, created bool, jp *joinParams) (resp *protocol.Response, retry bool) {
	if !created {
		r.mu.Lock()
	}
	if r.closed {
		r.mu.Unlock()
		return nil, true
	}
	numbered := r.nextActor
	a, resp := r.admitLocked(sess, created, jp)
	if resp != nil {
		// A room whose creation was refused goes at once, whatever its EmptyRoomTTL:
		// nobody was ever in it, and its name is free again.
		closing := created && len(r.actors) == 0
		if closing {
			r.closeLocked()
		}
		r.mu.Unlock()
		if closing {
			r.s.removeRoom(r)
		}
		if resp == answeredLater { // waits for an approval or a friend list (access.go)
			resp = nil
		}
		return resp, false
	}
	rejoin := r.nextActor == numbered // no new actor number: an inactive actor came back
	sess.mu.Lock()
	sess.actor = a
	sess.mu.Unlock()
	r.stopEmptyTimerLocked()
	r.electMasterLocked()
	r.accessJoinedLocked(a, created, jp)
	r.statusJoinedLocked(a, created, jp)
	if err := r.welcomeLocked(a, created, jp); err != nil {
		closing := r.undoJoinLocked(sess, a, rejoin)
		r.mu.Unlock()
		if closing {
			r.s.removeRoom(r)
		}
		return fail(protocol.CodeTooLarge, "the room's state does not fit in one message of this client's size ("+err.Error()+")"), false
	}
	defer r.mu.Unlock()
	r.requestsToLocked(a, 0) // after its welcome: the pending join requests it may decide
	sess.leaveLobby()        // a player in a room is in no lobby
	if created {
		r.lockColumnsLocked(r.opts.props)
	}
	r.relistLocked()
	if created {
		args := actorArgs(a)
		args["CreateOptions"] = r.opts.webArgs()
		r.hookLocked(hookCreate, "Create", args)
	} else {
		r.hookLocked(hookJoin, "Join", actorArgs(a))
	}
	if !r.opts.suppressEvents {
		r.broadcastLocked(&protocol.Event{Code: protocol.EventJoin, Params: protocol.Params{
			protocol.ParamActorNr: int64(a.nr), protocol.ParamActors: []any{r.infoLocked(a)},
			protocol.ParamActorList: r.actorListLocked(), protocol.ParamIsInactive: false,
		}}, a)
	}
	return nil, false
}

// admitLocked applies the join rules and returns the actor the session becomes
// (its sess field set), or the refusal.
func (r *room) admitLocked(sess *session, created bool, jp *joinParams) (*actor, *protocol.Response) {
	sess.mu.Lock()
	userID, nickname := sess.userID, sess.nickname
	sess.mu.Unlock()
	if resp := r.checkJoinerLocked(sess, userID, created, jp); resp != nil { // also for rejoins (access.go)
		return nil, resp
	}
	prev := r.byUserLocked(userID)
	if jp.mode == protocol.JoinOrRejoin || jp.mode == protocol.RejoinOnly {
		if prev != nil && prev.sess == nil {
			return r.reactivateLocked(prev, sess)
		}
		if jp.mode == protocol.RejoinOnly {
			return nil, fail(protocol.CodeJoinFailedRejoinerNotFound, "no inactive actor of user "+quote(userID)+" in the room")
		}
	}
	if prev != nil && prev.sess != nil && r.opts.checkUser {
		return nil, fail(protocol.CodeJoinFailedFoundActiveJoiner, "user "+quote(userID)+" is already in the room")
	}
	if prev != nil && prev.sess == nil && r.opts.checkUser {
		return nil, fail(protocol.CodeJoinFailedFoundInactiveJoiner, "user "+quote(userID)+" is inactive in the room: rejoin")
	}
	if resp := r.checkStatusJoinLocked(jp); resp != nil {
		return nil, resp
	}
	if resp := r.checkAccessLocked(sess, userID, created, jp); resp != nil {
		return nil, resp
	}
	if resp := r.checkCapacityLocked(userID, created, jp); resp != nil {
		return nil, resp
	}
	size := encodedSize(jp.props)
	if size > r.s.cfg.MaxActorPropertiesBytes {
		return nil, fail(protocol.CodeTooLarge, "player properties exceed "+itoa64(int64(r.s.cfg.MaxActorPropertiesBytes))+" bytes")
	}
	props := jp.props
	if props == nil {
		props = map[string]any{}
	}
	if len(jp.expectedUsers) > 0 {
		r.opts.expectedUsers = appendNew(r.opts.expectedUsers, jp.expectedUsers)
	}
	a := &actor{room: r, nr: r.nextActor, userID: userID, nickname: nickname, sess: sess, props: props, propsSize: size}
	r.nextActor++
	r.actors = append(r.actors, a) // numbers only grow: the slice stays sorted
	return a, nil
}

// checkCapacityLocked refuses a closed (unless the joiner just created it) or full
// room, and expected users that do not fit. A user the room expects takes the slot
// kept for them.
func (r *room) checkCapacityLocked(userID string, created bool, jp *joinParams) *protocol.Response {
	if (!r.opts.open && !created) || r.cacheClosed {
		return fail(protocol.CodeGameClosed, "the room "+quote(r.name)+" is closed")
	}
	max := r.maxPlayersLocked()
	taken := r.slotsTakenLocked(nil)
	// The joiner needs a slot of their own, unless one is kept for them (and not
	// already taken by another connection of the same user).
	ownSlot := !slices.Contains(r.opts.expectedUsers, userID) || r.byUserLocked(userID) != nil
	if ownSlot {
		taken++
	}
	if taken > max && created { // only the creator and the users it expects are there
		return fail(protocol.CodeSlotError, "the expected users do not fit in the room's "+itoa64(int64(max))+" slots")
	}
	if taken > max {
		return fail(protocol.CodeGameFull, "the room "+quote(r.name)+" is full ("+itoa64(int64(max))+" players)")
	}
	if len(jp.expectedUsers) > 0 {
		others := slices.DeleteFunc(appendNew(nil, jp.expectedUsers), func(u string) bool { return u == userID })
		if r.slotsTakenLocked(others)+boolInt(ownSlot) > max {
			return fail(protocol.CodeSlotError, "the expected users do not fit in the room's "+itoa64(int64(max))+" slots")
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func appendNew(list, add []string) []string {
	for _, u := range add {
		if !slices.Contains(list, u) {
			list = append(list, u)
		}
	}
	return list
}

// reactivateLocked makes an inactive actor the session's again (rejoin).
func (r *room) reactivateLocked(a *actor, sess *session) (*actor, *protocol.Response) {
	if r.cacheClosed {
		return nil, fail(protocol.CodeGameClosed, "the room "+quote(r.name)+" is closed")
	}
	a.stopTTLLocked()
	a.sess = sess
	return a, nil
}

// undoJoinLocked takes back a join whose response could not be sent: nobody has been
// told of it. It reports whether the room must close.
func (r *room) undoJoinLocked(sess *session, a *actor, rejoin bool) bool {
	sess.mu.Lock()
	sess.actor = nil
	sess.mu.Unlock()
	a.sess = nil
	if rejoin && r.opts.playerTTL > 0 {
		a.ttlGen++
		gen := a.ttlGen
		a.ttlTimer = r.s.afterFunc(r.opts.playerTTL, func() { r.expire(a, gen) })
	} else if !rejoin {
		r.removeLocked(a)
	}
	r.statusLeftLocked(a, protocol.LeaveServerError, rejoin) // the status already counted the join
	r.electMasterLocked()
	return r.emptyCheckLocked()
}

// welcomeLocked answers the joiner: the room's state, then the cached events. It
// fails if the response is too large for the joiner's connection.
func (r *room) welcomeLocked(a *actor, created bool, jp *joinParams) error {
	actors := make([]any, len(r.actors))
	for i, x := range r.actors {
		actors[i] = r.infoLocked(x)
	}
	p := protocol.Params{
		protocol.ParamRoomName: r.name, protocol.ParamActorNr: int64(a.nr), protocol.ParamActors: actors,
		protocol.ParamRoomProperties: r.opts.props, protocol.ParamMasterActor: int64(r.master),
		protocol.ParamCreated: created, protocol.ParamCacheSliceIndex: r.slice,
	}
	r.opts.params(p)
	r.accessParamsLocked(p, a)
	r.statusParamsLocked(p, a)
	b, err := protocol.AppendResponse(nil, &protocol.Response{Op: jp.op, ID: jp.id, Params: p})
	if err != nil {
		return err
	}
	if err := sendReliable(a.sess.conn, 0, b); err != nil {
		return err
	}
	for i := range r.cache {
		ev := &r.cache[i]
		if ev.slice >= jp.slice && (ev.sender == 0 || ev.sender != a.nr) {
			sendReliable(a.sess.conn, 0, ev.msg)
		}
	}
	return nil
}
