package relay

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// room is a game room. Its mutex guards all of its state; a room operation holds it
// while it decides and queues its messages.
type room struct {
	s       *Server
	world   *world
	name    string
	created time.Time

	mu          sync.Mutex // guards the following fields
	opts        *roomOptions
	propsSize   int
	actors      []*actor // active and inactive, by actor number
	nextActor   int32
	master      int32 // 0: no active actor
	cache       []cachedEvent
	slice       int64
	cacheClosed bool // the cache overflowed: no joins or rejoins
	closed      bool // removed from its world
	emptyTimer  *time.Timer
	emptyGen    uint64 // bumped whenever emptyTimer is armed or stopped: stale callbacks see it
	cacheBytes  int    // encoded size of cache
	rate        bucket
	lobby       *lobby // set at creation
	listVersion uint64
	status      *roomStatus // participants and status (invitations.go); nil in rooms that do not track them
	acl         *roomAccess // access control state (access.go); nil in public rooms

	listing atomic.Pointer[listing] // what its lobby sees; replaced under mu
}

// actor is a player in a room: active with a session, or inactive (left, may rejoin).
type actor struct {
	room      *room
	nr        int32
	userID    string
	nickname  string
	sess      *session // nil while inactive
	props     map[string]any
	propsSize int
	groups    [4]uint64 // interest groups 1 to 255 (bit n: group n)
	ttlTimer  *time.Timer
	ttlGen    uint64            // bumped whenever ttlTimer is armed or stopped: stale callbacks see it
	userType  protocol.UserType // user, moderator or owner (access.go)
}

func newRoom(s *Server, w *world, name string, opts *roomOptions) *room {
	t := now()
	r := &room{s: s, world: w, name: name, created: t, opts: opts, nextActor: 1}
	r.propsSize = encodedSize(opts.props)
	r.rate = newBucket(float64(s.cfg.RoomEventRate), t)
	return r
}

// maxPlayers is the room's capacity.
func (r *room) maxPlayersLocked() int {
	if r.opts.maxPlayers == 0 || r.opts.maxPlayers > r.s.cfg.MaxPlayers {
		return r.s.cfg.MaxPlayers
	}
	return r.opts.maxPlayers
}

func (r *room) actorLocked(nr int32) *actor {
	i, ok := slices.BinarySearchFunc(r.actors, nr, func(a *actor, nr int32) int { return int(a.nr - nr) })
	if !ok {
		return nil
	}
	return r.actors[i]
}

func (r *room) activeLocked() []*actor {
	var out []*actor
	for _, a := range r.actors {
		if a.sess != nil {
			out = append(out, a)
		}
	}
	return out
}

func (r *room) actorListLocked() []any {
	var out []any
	for _, a := range r.actors {
		if a.sess != nil {
			out = append(out, int64(a.nr))
		}
	}
	return out
}

func (r *room) byUserLocked(userID string) *actor {
	if userID == "" {
		return nil
	}
	for _, a := range r.actors {
		if a.userID == userID {
			return a
		}
	}
	return nil
}

// slotsTakenLocked counts actors plus expected users not among them.
func (r *room) slotsTakenLocked(extra []string) int {
	n := len(r.actors)
	for _, u := range r.opts.expectedUsers {
		if r.byUserLocked(u) == nil {
			n++
		}
	}
	for _, u := range extra {
		if r.byUserLocked(u) == nil && !slices.Contains(r.opts.expectedUsers, u) {
			n++
		}
	}
	return n
}

// info describes an actor to room members.
func (r *room) infoLocked(a *actor) map[string]any {
	m := map[string]any{"nr": int64(a.nr), "name": a.nickname, "props": a.props, "inactive": a.sess == nil, "type": int64(a.userType)}
	if r.opts.publishUserID {
		m["userId"] = a.userID
	}
	return m
}

// broadcastLocked sends a system event to the active actors but skip (nil: all).
func (r *room) broadcastLocked(e *protocol.Event, skip *actor) {
	b, err := protocol.AppendEvent(nil, e)
	if err != nil {
		return
	}
	for _, a := range r.actors {
		if a.sess != nil && a != skip {
			sendReliable(a.sess.conn, 0, b)
		}
	}
}

// electMasterLocked picks the active actor with the lowest number when the master is
// gone, and tells everyone.
func (r *room) electMasterLocked() {
	if m := r.actorLocked(r.master); m != nil && m.sess != nil {
		return
	}
	prev := r.master
	r.master = 0
	for _, a := range r.actors {
		if a.sess != nil {
			r.master = a.nr
			break
		}
	}
	if r.master != prev && r.master != 0 && prev != 0 { // a first master is in the join response
		r.broadcastLocked(&protocol.Event{Code: protocol.EventMasterClientChanged, Params: protocol.Params{
			protocol.ParamMasterActor: int64(r.master), protocol.ParamPreviousMaster: int64(prev),
		}}, nil)
	}
}

// closeLocked marks the room closed and stops its timers; the caller then calls
// s.removeRoom without r.mu held.
func (r *room) closeLocked() {
	r.closed = true
	r.relistLocked()
	r.statusClosedLocked()
	r.accessClosedLocked()
	if r.nextActor > 1 { // a room nobody got into had no Create webhook
		r.hookLocked(hookClose, "Close", map[string]any{"ActorCount": len(r.actors)})
	}
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	for _, a := range r.actors {
		if a.ttlTimer != nil {
			a.ttlTimer.Stop()
		}
	}
}

// emptyCheckLocked starts the empty-room TTL when no actor is active, and reports
// whether the room must close now.
func (r *room) emptyCheckLocked() bool {
	for _, a := range r.actors {
		if a.sess != nil {
			return false
		}
	}
	if r.opts.emptyTTL <= 0 {
		r.closeLocked()
		return true
	}
	if r.emptyTimer == nil {
		r.emptyGen++
		gen := r.emptyGen
		r.emptyTimer = r.s.afterFunc(r.opts.emptyTTL, func() { r.emptyExpired(gen) })
	}
	return false
}

// stopEmptyTimerLocked cancels the empty-room TTL (someone is active again).
func (r *room) stopEmptyTimerLocked() {
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
		r.emptyTimer = nil
	}
	r.emptyGen++
}

func (r *room) emptyExpired(gen uint64) {
	r.mu.Lock()
	if gen != r.emptyGen { // stopped or re-armed after it fired
		r.mu.Unlock()
		return
	}
	r.emptyTimer = nil
	closing := !r.closed && len(r.activeLocked()) == 0
	if closing {
		r.closeLocked()
	}
	r.mu.Unlock()
	if closing {
		r.s.removeRoom(r)
	}
}

// encodedSize is the size of m's encoding (a property map's cost against the limits).
func encodedSize(m map[string]any) int {
	b, err := protocol.AppendValue(nil, m)
	if err != nil {
		return 0
	}
	return len(b)
}
