package relay

import (
	"slices"
	"sync"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// Auto-matching bounds.
const (
	maxAutoCandidates = 64   // rooms one match request tries before it creates one
	maxEstimates      = 4096 // queue keys whose wait estimate the relay remembers
	estimateWeight    = 0.3  // weight of the newest time-to-fill in a wait estimate
)

// queueKey names an auto-match queue: rooms of one world with equal variant, min and max.
type queueKey struct {
	world    worldKey
	variant  int64
	min, max int
}

// autoQueue is the rooms of one key waiting for auto-matched players, oldest first.
// matchMu makes a match request's lookup and creation atomic against the others of
// its key.
type autoQueue struct {
	matchMu sync.Mutex // held by one match request from its lookup to its join or creation

	refs  int       // match requests using the queue (statusIndex.mu)
	rooms []*queued // (statusIndex.mu)
}

// queued is a room in its queue with the OR of its joined participants' masks.
type queued struct {
	r    *room
	mask int64
}

// statusIndex is the server's index of auto-match queues, their wait estimates and
// the pending invitations per world and user. Its mutex is a leaf lock.
type statusIndex struct {
	mu        sync.Mutex // guards the following fields
	queues    map[queueKey]*autoQueue
	estimates map[queueKey]time.Duration      // EWMA of the time-to-fill of the key's rooms
	invites   map[worldKey]map[string][]*room // user → rooms inviting it (pending, not dismissed)
}

// acquire returns key's queue, counting the caller as its user until release.
func (x *statusIndex) acquire(key queueKey) *autoQueue {
	x.mu.Lock()
	defer x.mu.Unlock()
	q := x.queueLocked(key)
	q.refs++
	return q
}

func (x *statusIndex) queueLocked(key queueKey) *autoQueue {
	if x.queues == nil {
		x.queues = map[queueKey]*autoQueue{}
	}
	q := x.queues[key]
	if q == nil {
		q = &autoQueue{}
		x.queues[key] = q
	}
	return q
}

func (x *statusIndex) release(key queueKey, q *autoQueue) {
	x.mu.Lock()
	defer x.mu.Unlock()
	q.refs--
	x.dropIdleLocked(key, q)
}

func (x *statusIndex) dropIdleLocked(key queueKey, q *autoQueue) {
	if q.refs == 0 && len(q.rooms) == 0 && x.queues[key] == q {
		delete(x.queues, key)
	}
}

// candidates lists the queued rooms whose joined masks leave mask free, oldest first.
func (x *statusIndex) candidates(q *autoQueue, mask int64) []*room {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []*room
	for _, e := range q.rooms {
		if e.mask&mask == 0 && len(out) < maxAutoCandidates {
			out = append(out, e.r)
		}
	}
	return out
}

// enqueue adds (or updates the mask of) a room in key's queue and returns the wait
// estimate of the key (0: unknown).
func (x *statusIndex) enqueue(key queueKey, r *room, mask int64) time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	q := x.queueLocked(key)
	if i := slices.IndexFunc(q.rooms, func(e *queued) bool { return e.r == r }); i >= 0 {
		q.rooms[i].mask = mask
	} else {
		q.rooms = append(q.rooms, &queued{r: r, mask: mask})
	}
	return x.estimates[key]
}

// dequeue takes a room out of key's queue; a room that filled (filled > 0: how long
// it waited) feeds the key's wait estimate.
func (x *statusIndex) dequeue(key queueKey, r *room, filled time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if q := x.queues[key]; q != nil {
		q.rooms = slices.DeleteFunc(q.rooms, func(e *queued) bool { return e.r == r })
		x.dropIdleLocked(key, q)
	}
	if filled <= 0 {
		return
	}
	if x.estimates == nil {
		x.estimates = map[queueKey]time.Duration{}
	}
	old, ok := x.estimates[key]
	if !ok && len(x.estimates) >= maxEstimates {
		for k := range x.estimates { // forget one at random
			delete(x.estimates, k)
			break
		}
	}
	if ok {
		filled = time.Duration(float64(old)*(1-estimateWeight) + float64(filled)*estimateWeight)
	}
	x.estimates[key] = filled
}

// queueKeyLocked is the room's auto-match queue key.
func (r *room) queueKeyLocked() queueKey {
	a := r.status.opts.auto
	return queueKey{world: r.world.key, variant: a.variant, min: a.min, max: a.max}
}

// requeueLocked keeps the room in its auto-match queue exactly while its status is
// ROOM_AUTO_MATCHING and it can take a match request: not closed, open, and with a
// free slot.
func (r *room) requeueLocked() {
	st := r.status
	if st.opts.auto == nil {
		return
	}
	want := st.status == protocol.RoomAutoMatching && !r.closed && r.opts.open && !r.cacheClosed &&
		r.slotsTakenLocked(nil) < r.maxPlayersLocked()
	switch {
	case want:
		wait := r.s.status.enqueue(r.queueKeyLocked(), r, st.joinedMask())
		if !st.queued {
			st.queued, st.queuedAt, st.wait = true, now(), wait
		}
	case st.queued:
		st.queued = false
		var filled time.Duration
		if !r.closed && st.status != protocol.RoomAutoMatching {
			filled = max(now().Sub(st.queuedAt), time.Nanosecond)
		}
		r.s.status.dequeue(r.queueKeyLocked(), r, filled)
	}
}

// createWithStatus creates a room with invitees or auto-matching; a match request
// (auto-matching, no invitees, no name) first looks for a room to join.
func (sess *session) createWithStatus(opts *roomOptions, jp *joinParams) *protocol.Response {
	sess.mu.Lock()
	key, user, busy := sess.key, sess.userID, sess.actor != nil
	sess.mu.Unlock()
	if busy {
		return fail(protocol.CodeJoinFailedPeerAlreadyJoined, "already in a room: leave it first")
	}
	so := opts.status
	if slices.Contains(so.invitees, user) {
		return fail(protocol.CodeInvalidRequest, "a player cannot invite itself")
	}
	if resp := sizeStatusRoom(opts, sess.s.cfg.MaxPlayers); resp != nil {
		return resp
	}
	if ao := opts.access; so.auto != nil && ao != nil && (ao.approval || ao.access != protocol.AccessPublic) {
		return fail(protocol.CodeInvalidRequest, "auto-matching rooms are public and need no join approval")
	}
	if n := len(so.invitees); n > 0 && !sess.invites.take(now(), float64(n)) {
		return fail(protocol.CodeOperationLimitReached, "at most "+itoa64(inviteRate)+" invitees a second")
	}
	opts.expectedUsers = appendNew(opts.expectedUsers, so.invitees)
	if jp.name != "" || len(so.invitees) > 0 || so.auto == nil {
		if jp.name == "" {
			jp.name = randomID()
		}
		return sess.enter(opts, true, jp)
	}
	return sess.matchRequest(key, opts, jp)
}

// sizeStatusRoom sets a status room's capacity: the creator, the invitees and max
// auto-matched players, unless MaxPlayers is set; it must hold at least the creator,
// the invitees and min auto-matched players.
func sizeStatusRoom(opts *roomOptions, relayMax int) *protocol.Response {
	so := opts.status
	need, want := 1+len(so.invitees), 1+len(so.invitees)
	if so.auto != nil {
		need += so.auto.min
		want += so.auto.max
	}
	if opts.maxPlayers == 0 {
		opts.maxPlayers = want
	}
	if opts.maxPlayers < need || opts.maxPlayers > relayMax {
		return fail(protocol.CodeSlotError, "the room needs "+itoa64(int64(need))+" to "+itoa64(int64(relayMax))+
			" slots (creator, invitees, auto-matched players); it has "+itoa64(int64(opts.maxPlayers)))
	}
	return nil
}

// matchRequest joins the oldest queued room of the same criteria whose players' masks
// leave the joiner's free, or creates a room (a random name) that waits in the queue.
// The queue's matchMu serializes the match requests of one key.
func (sess *session) matchRequest(key worldKey, opts *roomOptions, jp *joinParams) *protocol.Response {
	a := opts.status.auto
	qk := queueKey{world: key, variant: a.variant, min: a.min, max: a.max}
	x := &sess.s.status
	q := x.acquire(qk)
	q.matchMu.Lock()
	defer func() {
		q.matchMu.Unlock()
		x.release(qk, q)
	}()
	mode, asked := jp.mode, jp.userType
	// A matched room takes its players as plain users, without approval: the user
	// type asked for counts only in a room the request creates (its owner anyway).
	jp.autoMatch, jp.autoMask, jp.mode, jp.userType = true, a.mask, protocol.JoinOnly, 0
	for _, r := range x.candidates(q, a.mask) {
		jp.name = r.name
		// Any refusal is the room's (full, closed, its masks, its access rules, the user
		// already or still in it): the request tries the next room.
		if resp, retry := r.join(sess, false, jp); !retry && resp == nil {
			return nil // joined (or waits for the room's approval)
		}
	}
	jp.autoMatch, jp.autoMask, jp.mode, jp.name, jp.userType = false, 0, mode, randomID(), asked
	return sess.enter(opts, true, jp)
}

// checkStatusJoinLocked refuses a match request's join into a room that no longer
// fits it (the caller tries the next room): not auto-matching with its criteria, or
// a joined player's mask overlaps the joiner's.
func (r *room) checkStatusJoinLocked(jp *joinParams) *protocol.Response {
	if !jp.autoMatch {
		return nil
	}
	st := r.status
	if st == nil || st.opts.auto == nil || st.status != protocol.RoomAutoMatching || st.joinedMask()&jp.autoMask != 0 {
		return fail(protocol.CodeGameClosed, "the room "+quote(r.name)+" no longer auto-matches this request")
	}
	return nil
}

// invite indexes a pending invitation of user to r.
func (x *statusIndex) invite(key worldKey, user string, r *room) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.invites == nil {
		x.invites = map[worldKey]map[string][]*room{}
	}
	users := x.invites[key]
	if users == nil {
		users = map[string][]*room{}
		x.invites[key] = users
	}
	if !slices.Contains(users[user], r) {
		users[user] = append(users[user], r)
	}
}

// uninvite forgets user's invitation to r (answered, dismissed or the room closed).
func (x *statusIndex) uninvite(key worldKey, user string, r *room) {
	x.mu.Lock()
	defer x.mu.Unlock()
	users := x.invites[key]
	if users == nil {
		return
	}
	if users[user] = slices.DeleteFunc(users[user], func(v *room) bool { return v == r }); len(users[user]) == 0 {
		delete(users, user)
	}
	if len(users) == 0 {
		delete(x.invites, key)
	}
}

// invitedRooms returns the rooms with a pending invitation of user.
func (x *statusIndex) invitedRooms(key worldKey, user string) []*room {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.invites[key][user])
}
