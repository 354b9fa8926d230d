package relay

import (
	"bytes"
	"slices"
	"strconv"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// maxParticipants bounds the participant records of a room: past it, the oldest
// records of participants who left or declined are dropped.
const maxParticipants = 128

// participant is one player's relation to a room that tracks its status (seed 003).
type participant struct {
	id          string // room-scoped: "p_1", "p_2"… in order of appearance
	userID      string
	nickname    string
	actor       *actor // the joined actor (active or inactive); nil otherwise
	actorNr     int32  // the last actor number it had; 0 if it never joined
	status      protocol.ParticipantStatus
	autoMatched bool
	inactive    bool // left with will-come-back: JOINED but away
	connected   bool
	reported    bool    // reported its peers since it (re)joined
	peers       []int32 // the actors it last reported connected to
	mask        int64   // its exclusive bitmask (auto-matching)
	leaveReason protocol.LeaveReason
	awayReason  protocol.LeaveReason // the reason it gave when it became inactive
	dismissed   bool                 // an invitee hid the invitation
}

// modification is who changed a room's status and when.
type modification struct {
	participant string
	at          time.Time
}

func (m modification) value() map[string]any {
	v := map[string]any{"modifiedTimestampMillis": m.at.UnixMilli()}
	if m.participant != "" {
		v["participantId"] = m.participant
	}
	return v
}

// roomStatus is a room's participants and status. The room's mutex guards it.
type roomStatus struct {
	opts     *statusOptions
	status   protocol.RoomStatus
	version  int64
	parts    []*participant
	nextID   int
	inviter  string // the creator's participant id in rooms with invitees
	created  modification
	updated  modification
	last     []byte        // the encoded map, without version and last update: what a change is
	queued   bool          // in its auto-match queue
	queuedAt time.Time     // when it entered the queue
	wait     time.Duration // the queue's estimate when it entered; 0: unknown
}

// newParticipantLocked adds a participant record.
func (st *roomStatus) newParticipantLocked(userID, nickname string, status protocol.ParticipantStatus) *participant {
	st.nextID++
	p := &participant{id: "p_" + strconv.Itoa(st.nextID), userID: userID, nickname: nickname, status: status}
	st.parts = append(st.parts, p)
	if len(st.parts) > maxParticipants {
		if i := slices.IndexFunc(st.parts, func(p *participant) bool {
			return p.status == protocol.ParticipantLeft || p.status == protocol.ParticipantDeclined
		}); i >= 0 {
			st.parts = slices.Delete(st.parts, i, i+1)
		}
	}
	return p
}

// byActor returns a's participant, or nil.
func (st *roomStatus) byActor(a *actor) *participant {
	for _, p := range st.parts {
		if p.actor == a {
			return p
		}
	}
	return nil
}

// byUser returns the participant of userID with one of the statuses, or nil.
func (st *roomStatus) byUser(userID string, statuses ...protocol.ParticipantStatus) *participant {
	if userID == "" {
		return nil
	}
	for _, p := range st.parts {
		if p.userID == userID && slices.Contains(statuses, p.status) {
			return p
		}
	}
	return nil
}

// present lists the joined participants with an active actor.
func (st *roomStatus) present() []*participant {
	var out []*participant
	for _, p := range st.parts {
		if p.status == protocol.ParticipantJoined && !p.inactive {
			out = append(out, p)
		}
	}
	return out
}

// autoJoined counts the auto-matched participants that are joined (active or not).
func (st *roomStatus) autoJoined() int {
	n := 0
	for _, p := range st.parts {
		if p.autoMatched && p.status == protocol.ParticipantJoined {
			n++
		}
	}
	return n
}

// joinedMask is the OR of the joined participants' exclusive bitmasks.
func (st *roomStatus) joinedMask() int64 {
	var m int64
	for _, p := range st.parts {
		if p.status == protocol.ParticipantJoined {
			m |= p.mask
		}
	}
	return m
}

// connectLocked recomputes the connected flags: a present participant is connected
// when it and every other present participant report each other.
func (st *roomStatus) connect() {
	present := st.present()
	for _, p := range st.parts {
		p.connected = false
	}
	for _, p := range present {
		p.connected = p.reported
		for _, q := range present {
			if q != p && (!slices.Contains(p.peers, q.actorNr) || !slices.Contains(q.peers, p.actorNr)) {
				p.connected = false
				break
			}
		}
	}
}

// compute derives the room's status from its participants.
func (st *roomStatus) compute() protocol.RoomStatus {
	for _, p := range st.parts {
		if p.status == protocol.ParticipantInvited {
			return protocol.RoomInviting
		}
	}
	if a := st.opts.auto; a != nil && st.autoJoined() < a.min {
		return protocol.RoomAutoMatching
	}
	present := st.present()
	for _, p := range present {
		if !p.connected {
			return protocol.RoomConnecting
		}
	}
	if len(present) == 0 {
		return protocol.RoomConnecting
	}
	return protocol.RoomActive
}

// statusUpdateLocked recomputes the status after a change by participant by (nil: the
// relay); if the status map changed, its version rises and the room's active actors
// but skip get an EventRoomStatus.
func (r *room) statusUpdateLocked(by *participant, skip *actor) {
	st := r.status
	st.connect()
	if !r.closed {
		st.status = st.compute()
	}
	r.requeueLocked()
	core := r.statusCoreLocked()
	b, _ := protocol.AppendValue(nil, core)
	if bytes.Equal(b, st.last) {
		return
	}
	st.last = b
	st.version++
	st.updated = modification{at: now()}
	if by != nil {
		st.updated.participant = by.id
	}
	r.broadcastLocked(&protocol.Event{Code: protocol.EventRoomStatus,
		Params: protocol.Params{protocol.ParamRoomStatus: r.statusMapLocked()}}, skip)
}

// statusOptionsLocked updates the status after a SetProperties by a changed the
// room's options (open, max players, expected users): the room may leave or re-enter
// its auto-match queue.
func (r *room) statusOptionsLocked(a *actor) {
	if r.status != nil {
		r.statusUpdateLocked(r.status.byActor(a), nil)
	}
}

// statusMapLocked is the room's status as clients get it (PROTOCOL.md, "Room status").
func (r *room) statusMapLocked() map[string]any {
	st := r.status
	m := r.statusCoreLocked()
	m["roomStatusVersion"] = st.version
	m["lastUpdateDetails"] = st.updated.value()
	return m
}

// statusCoreLocked is the status map without its version and last update.
func (r *room) statusCoreLocked() map[string]any {
	st := r.status
	parts := make([]any, len(st.parts))
	for i, p := range st.parts {
		parts[i] = r.participantValueLocked(p)
	}
	m := map[string]any{"room": r.name, "status": string(st.status), "participants": parts,
		"creationDetails": st.created.value(), "applicationId": r.world.key.app}
	if ao := r.opts.access; ao != nil && ao.description != "" {
		m["description"] = ao.description
	}
	if st.inviter != "" {
		m["inviterId"] = st.inviter
	}
	if a := st.opts.auto; a != nil {
		m["variant"] = a.variant
		m["autoMatchingCriteria"] = map[string]any{"minAutoMatchingPlayers": int64(a.min),
			"maxAutoMatchingPlayers": int64(a.max), "exclusiveBitmask": a.mask}
		if st.queued { // seed 003: not set while the room is not in its queue
			as := map[string]any{}
			if st.wait > 0 {
				as["waitEstimateSeconds"] = int64((st.wait + time.Second - 1) / time.Second)
			}
			m["autoMatchingStatus"] = as
		}
	}
	return m
}

// participantValueLocked describes a participant; an auto-matched player's user id
// only in rooms that publish user ids.
func (r *room) participantValueLocked(p *participant) map[string]any {
	v := map[string]any{"id": p.id, "nickname": p.nickname, "status": string(p.status),
		"autoMatched": p.autoMatched, "connected": p.connected}
	if p.userID != "" && (!p.autoMatched || r.opts.publishUserID) {
		v["userId"] = p.userID
	}
	if p.actorNr != 0 {
		v["actorNr"] = int64(p.actorNr)
	}
	if p.inactive {
		v["inactive"] = true
	}
	if p.status == protocol.ParticipantLeft {
		v["leaveReason"] = string(p.leaveReason)
	}
	return v
}
