package relay

import (
	"github.com/bosonrt/boson/relay/protocol"
)

// leaveRoom leaves the session's room; with will-come-back the actor stays inactive
// for the room's player TTL.
func (sess *session) leaveRoom(p protocol.Params) *protocol.Response {
	back, err := p.Bool(protocol.ParamWillComeBack, false)
	if err != nil {
		return badParam(err)
	}
	reason, err := readLeaveReason(p)
	if err != nil {
		return badParam(err)
	}
	sess.mu.Lock()
	a := sess.actor
	sess.mu.Unlock()
	if a == nil { // maybe a join waits: LeaveRoom withdraws it (access.go)
		waited, joined := sess.withdrawJoin(true)
		if !waited {
			return fail(protocol.CodeNotInRoom, "not in a room")
		}
		if a = joined; a == nil {
			return &protocol.Response{}
		}
	}
	a.room.leave(sess, a, back, reason)
	return &protocol.Response{}
}

// leave takes the session's actor out of the room: inactive if it may come back and
// the room keeps players, else gone.
func (r *room) leave(sess *session, a *actor, mayComeBack bool, reason protocol.LeaveReason) {
	r.mu.Lock()
	if a.sess != sess || r.closed {
		r.mu.Unlock()
		return
	}
	sess.mu.Lock()
	sess.actor = nil
	why := "LeaveRequest"
	if sess.gone {
		why = "ClientDisconnect"
	}
	sess.mu.Unlock()
	a.sess = nil
	inactive := mayComeBack && r.opts.playerTTL != 0 && !r.cacheClosed
	if inactive && r.opts.playerTTL > 0 {
		a.ttlGen++
		gen := a.ttlGen
		a.ttlTimer = r.s.afterFunc(r.opts.playerTTL, func() { r.expire(a, gen) })
	}
	if !inactive {
		r.removeLocked(a)
	}
	r.announceLeaveLocked(a, inactive)
	r.accessLeftLocked(a)
	r.statusLeftLocked(a, reason, inactive)
	args := actorArgs(a)
	args["IsInactive"] = inactive
	r.hookLocked(hookLeave, why, args)
	r.electMasterLocked()
	closing := r.emptyCheckLocked()
	r.relistLocked()
	r.mu.Unlock()
	if closing {
		r.s.removeRoom(r)
	}
}

// expire removes an inactive actor whose player TTL ran out.
func (r *room) expire(a *actor, gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || a.sess != nil || a.ttlGen != gen || r.actorLocked(a.nr) != a {
		return // rejoined (and maybe left again) since this timer was armed
	}
	a.ttlTimer = nil
	r.removeLocked(a)
	r.announceLeaveLocked(a, false)
	r.statusLeftLocked(a, protocol.LeavePresenceFailure, false)
	args := actorArgs(a)
	args["IsInactive"] = false
	r.hookLocked(hookLeave, "PlayerTtlTimedOut", args)
	r.relistLocked()
}

// announceLeaveLocked tells the active actors that a left (or became inactive).
func (r *room) announceLeaveLocked(a *actor, inactive bool) {
	if r.opts.suppressEvents {
		return
	}
	r.broadcastLocked(&protocol.Event{Code: protocol.EventLeave, Params: protocol.Params{
		protocol.ParamActorNr: int64(a.nr), protocol.ParamIsInactive: inactive,
		protocol.ParamActorList: r.actorListLocked(),
	}}, nil)
}

// removeLocked forgets an actor for good, with its cached events if the room cleans
// up after leavers.
func (r *room) removeLocked(a *actor) {
	if i := indexOf(r.actors, a); i >= 0 {
		r.actors = append(r.actors[:i], r.actors[i+1:]...)
	}
	a.stopTTLLocked()
	if r.opts.cleanupCache {
		r.removeCachedLocked(func(ev *cachedEvent) bool { return ev.sender == a.nr })
	}
}

// stopTTLLocked cancels the actor's player TTL (it rejoined or is removed).
func (a *actor) stopTTLLocked() {
	if a.ttlTimer != nil {
		a.ttlTimer.Stop()
		a.ttlTimer = nil
	}
	a.ttlGen++
}

func indexOf(list []*actor, a *actor) int {
	for i, x := range list {
		if x == a {
			return i
		}
	}
	return -1
}
