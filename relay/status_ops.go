package relay

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// listInvitations answers the status maps of the rooms where the caller's user is
// invited and has not dismissed the invitation, oldest room first.
func (sess *session) listInvitations() *protocol.Response {
	sess.mu.Lock()
	key, user := sess.key, sess.userID
	sess.mu.Unlock()
	rooms := sess.s.status.invitedRooms(key, user)
	slices.SortFunc(rooms, func(a, b *room) int { return a.created.Compare(b.created) })
	list := []any{}
	for _, r := range rooms {
		if len(list) == maxListedInvites {
			break
		}
		r.mu.Lock()
		if st := r.status; st != nil && !r.closed {
			if p := st.byUser(user, protocol.ParticipantInvited); p != nil && !p.dismissed {
				list = append(list, r.statusMapLocked())
			}
		}
		r.mu.Unlock()
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamInvitations: list}}
}

// lookupRoom returns the room called name in the session's world, or nil.
func (sess *session) lookupRoom(p protocol.Params) (*room, *protocol.Response) {
	name, err := p.Str(protocol.ParamRoomName, "")
	if err != nil {
		return nil, badParam(err)
	}
	sess.mu.Lock()
	key, a := sess.key, sess.actor
	sess.mu.Unlock()
	if name == "" {
		if a == nil {
			return nil, fail(protocol.CodeNotInRoom, "name a room or join one")
		}
		return a.room, nil
	}
	w := sess.s.world(key, false)
	if w == nil {
		return nil, fail(protocol.CodeGameDoesNotExist, "no room called "+quote(name))
	}
	w.mu.Lock()
	r := w.rooms[name]
	w.mu.Unlock()
	if r == nil {
		return nil, fail(protocol.CodeGameDoesNotExist, "no room called "+quote(name))
	}
	return r, nil
}

// answerInvitation declines (the slot kept for the user is released) or dismisses
// (hidden from ListInvitations, the status unchanged) the caller's invitation to the
// room named by ParamRoomName.
func (sess *session) answerInvitation(params protocol.Params, decline bool) *protocol.Response {
	if !params.Has(protocol.ParamRoomName) {
		return fail(protocol.CodeInvalidRequest, "a room name is required")
	}
	r, resp := sess.lookupRoom(params)
	if resp != nil {
		return resp
	}
	user := sess.user()
	r.mu.Lock()
	defer r.mu.Unlock()
	var p *participant
	if r.status != nil && !r.closed {
		p = r.status.byUser(user, protocol.ParticipantInvited)
	}
	if p == nil || (!decline && p.dismissed) {
		return fail(protocol.CodeNotInvited, "user "+quote(user)+" has no pending invitation to "+quote(r.name))
	}
	r.s.status.uninvite(r.world.key, user, r)
	if !decline {
		p.dismissed = true
		return &protocol.Response{}
	}
	p.status = protocol.ParticipantDeclined
	r.opts.expectedUsers = slices.DeleteFunc(r.opts.expectedUsers, func(u string) bool { return u == user })
	r.statusUpdateLocked(p, nil)
	r.relistLocked()
	r.announceExpectedLocked()
	return &protocol.Response{}
}

// announceExpectedLocked tells the room's members its expected users changed, as a
// SetProperties of ExpectedUsers would (sender 0: the relay).
func (r *room) announceExpectedLocked() {
	r.broadcastLocked(&protocol.Event{Code: protocol.EventPropertiesChanged, Params: protocol.Params{
		protocol.ParamTargetActor: int64(0), protocol.ParamSenderActor: int64(0),
		protocol.ParamProperties: map[string]any{}, protocol.ParamExpectedUsers: slices.Clone(r.opts.expectedUsers),
	}}, nil)
}

// getRoomStatus answers a room's status map, to its members and its participants.
func (sess *session) getRoomStatus(params protocol.Params) *protocol.Response {
	r, resp := sess.lookupRoom(params)
	if resp != nil {
		return resp
	}
	sess.mu.Lock()
	user, a := sess.userID, sess.actor
	sess.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == nil {
		return fail(protocol.CodeInvalidOperation, "the room "+quote(r.name)+" has no status: it has no invitees and no auto-matching")
	}
	member := a != nil && a.room == r
	if !member && r.status.byUser(user, protocol.ParticipantInvited, protocol.ParticipantJoined,
		protocol.ParticipantDeclined, protocol.ParticipantLeft) == nil {
		return fail(protocol.CodeNotInvited, "user "+quote(user)+" is no participant of "+quote(r.name))
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamRoomStatus: r.statusMapLocked()}}
}

// reportPeerStatus records the actors the caller has a working peer connection to.
// In rooms without status it is accepted and ignored. A report naming another room
// than the caller's (sent before it left that room) is refused.
func (sess *session) reportPeerStatus(params protocol.Params) *protocol.Response {
	name, list, err := readPeerReport(params)
	if err != nil {
		return badParam(err)
	}
	return sess.inRoom(func(r *room, a *actor) *protocol.Response {
		if name != "" && name != r.name {
			return fail(protocol.CodeNotInRoom, "not in the room "+quote(name))
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.status == nil || a.sess != sess || r.closed {
			return &protocol.Response{}
		}
		p := r.status.byActor(a)
		if p == nil {
			return &protocol.Response{}
		}
		peers := reportedPeers(list, a.nr, r.nextActor)
		changed := !p.reported || !slices.Equal(peers, p.peers)
		if changed && !sess.reports.take(now(), 1) {
			return fail(protocol.CodeOperationLimitReached, "at most "+itoa64(peerReportRate)+" changing peer reports a second")
		}
		p.peers, p.reported = peers, true
		r.statusUpdateLocked(p, nil)
		return &protocol.Response{}
	})
}

// readPeerReport reads a ReportPeerStatus: the room it is about ("": the caller's)
// and at most maxReportedPeers actor numbers.
func readPeerReport(params protocol.Params) (string, []int64, error) {
	room, err := params.Str(protocol.ParamRoomName, "")
	if err != nil {
		return "", nil, err
	}
	list, err := params.Ints(protocol.ParamConnectedActors)
	if err != nil {
		return "", nil, err
	}
	if len(list) > maxReportedPeers {
		return "", nil, errors.New("relay: at most " + itoa64(maxReportedPeers) + " actors per report")
	}
	return room, list, nil
}

// reportedPeers keeps the reported actor numbers given in the room (below next), not
// self's, without duplicates.
func reportedPeers(list []int64, self, next int32) []int32 {
	peers := make([]int32, 0, len(list))
	for _, nr := range list {
		if nr != int64(self) && nr > 0 && nr < int64(next) && !slices.Contains(peers, int32(nr)) {
			peers = append(peers, int32(nr))
		}
	}
	return peers
}
