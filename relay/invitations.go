package relay

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// Bounds of what a client controls in seed 003's requests.
const (
	maxInvitees       = 64  // user ids of one CreateRoom
	maxAutoMatch      = 63  // auto-matched players of one room
	maxReportedPeers  = 256 // actor numbers of one ReportPeerStatus
	maxListedInvites  = 100 // invitations one ListInvitations returns
	maxUserIDInInvite = 128 // bytes of one invitee's user id
)

// statusOp serves invitations, room status and peer status reports (seed 003).
func (sess *session) statusOp(r *protocol.Request) *protocol.Response {
	switch r.Op {
	case protocol.OpListInvitations:
		return sess.listInvitations()
	case protocol.OpDeclineInvitation:
		return sess.answerInvitation(r.Params, true)
	case protocol.OpDismissInvitation:
		return sess.answerInvitation(r.Params, false)
	case protocol.OpGetRoomStatus:
		return sess.getRoomStatus(r.Params)
	case protocol.OpReportPeerStatus:
		return sess.reportPeerStatus(r.Params)
	}
	return fail(protocol.CodeInvalidOperation, "unknown operation "+r.Op.String())
}

// statusOptions are a room's invitees and auto-matching criteria, read at creation.
type statusOptions struct {
	invitees []string
	auto     *autoCriteria // nil: no auto-matching
}

// autoCriteria are auto-matching criteria (seed 003's autoMatchingCriteria, and the
// variant). Rooms match only with equal variant, min and max.
type autoCriteria struct {
	min, max int
	mask     int64
	variant  int64
}

// readStatusOptions reads the invitees and auto-matching criteria of a create request.
func readStatusOptions(p protocol.Params, o *roomOptions) error {
	inv, err := p.Strings(protocol.ParamInvitees)
	if err != nil {
		return err
	}
	if err := checkInvitees(inv); err != nil {
		return err
	}
	auto, err := readAutoMatch(p)
	if err != nil {
		return err
	}
	if len(inv) > 0 || auto != nil {
		o.status = &statusOptions{invitees: inv, auto: auto}
	}
	return nil
}

func checkInvitees(inv []string) error {
	if len(inv) > maxInvitees {
		return errors.New("relay: at most " + itoa64(maxInvitees) + " invitees")
	}
	for i, u := range inv {
		if u == "" || len(u) > maxUserIDInInvite {
			return errors.New("relay: invitee user ids are 1 to " + itoa64(maxUserIDInInvite) + " bytes")
		}
		if slices.Contains(inv[:i], u) {
			return errors.New("relay: invitee " + quote(u) + " is listed twice")
		}
	}
	return nil
}

// readAutoMatch reads ParamAutoMatch: {"min", "max", "mask", "variant"}, integers,
// 1 <= min <= max <= maxAutoMatch; nil if absent.
func readAutoMatch(p protocol.Params) (*autoCriteria, error) {
	m, err := p.Map(protocol.ParamAutoMatch)
	if err != nil || m == nil {
		return nil, err
	}
	var vals [4]int64
	for k, v := range m {
		i := slices.Index([]string{"min", "max", "mask", "variant"}, k)
		n, ok := v.(int64)
		if i < 0 || !ok {
			return nil, errors.New("relay: auto-match criteria are the integers min, max, mask and variant; got " + quote(k))
		}
		vals[i] = n
	}
	a := &autoCriteria{min: int(vals[0]), max: int(vals[1]), mask: vals[2], variant: vals[3]}
	if vals[0] < 1 || vals[1] < vals[0] || vals[1] > maxAutoMatch {
		return nil, errors.New("relay: auto-match criteria need 1 <= min <= max <= " + itoa64(maxAutoMatch))
	}
	return a, nil
}

// readLeaveReason reads the reason a client gives for leaving (LeavePlayerLeft if
// none). PRESENCE_FAILURE is the relay's to give.
func readLeaveReason(p protocol.Params) (protocol.LeaveReason, error) {
	s, err := p.Str(protocol.ParamLeaveReason, string(protocol.LeavePlayerLeft))
	if err != nil {
		return "", err
	}
	switch r := protocol.LeaveReason(s); r {
	case protocol.LeavePlayerLeft, protocol.LeaveGameLeft, protocol.LeaveAbandoned,
		protocol.LeavePeerConnectionFailure, protocol.LeaveServerError, protocol.LeaveTimeout:
		return r, nil
	}
	return "", errors.New("relay: unknown leave reason " + quote(s))
}

// statusJoinedLocked records that a joined (or rejoined) the room.
func (r *room) statusJoinedLocked(a *actor, created bool, jp *joinParams) {
	if r.status == nil {
		if !created || r.opts.status == nil {
			return
		}
		r.startStatusLocked(a)
		return
	}
	st := r.status
	p := st.byActor(a)
	switch {
	case p != nil: // rejoined
		p.inactive, p.reported, p.peers, p.awayReason = false, false, nil, ""
	default:
		p = st.byUser(a.userID, protocol.ParticipantInvited, protocol.ParticipantDeclined, protocol.ParticipantLeft)
		if p == nil {
			p = st.newParticipantLocked(a.userID, a.nickname, protocol.ParticipantJoined)
		} else if p.status == protocol.ParticipantInvited {
			r.s.status.uninvite(r.world.key, p.userID, r)
		}
		if p.autoMatched = p.autoMatched || jp.autoMatch; jp.autoMatch {
			p.mask = jp.autoMask // a record given back takes the match request's mask
		}
		p.status, p.actor, p.actorNr, p.nickname, p.leaveReason = protocol.ParticipantJoined, a, a.nr, a.nickname, ""
	}
	r.statusUpdateLocked(p, a)
}

// startStatusLocked sets up the status of a room its creator a just joined: a's
// participant, then the invitees', who are told of the invitation.
func (r *room) startStatusLocked(a *actor) {
	st := &roomStatus{opts: r.opts.status}
	r.status = st
	p := st.newParticipantLocked(a.userID, a.nickname, protocol.ParticipantJoined)
	p.actor, p.actorNr = a, a.nr
	if st.opts.auto != nil {
		p.mask = st.opts.auto.mask
	}
	for _, u := range st.opts.invitees {
		st.newParticipantLocked(u, "", protocol.ParticipantInvited)
	}
	if len(st.opts.invitees) > 0 {
		st.inviter = p.id
	}
	st.created = modification{participant: p.id, at: now()}
	r.statusUpdateLocked(p, a)
	for _, u := range st.opts.invitees {
		r.s.status.invite(r.world.key, u, r)
	}
	offline := r.s.tellUsers(r.world.key, st.opts.invitees, &protocol.Event{Code: protocol.EventInvitation,
		Params: protocol.Params{protocol.ParamRoomStatus: r.statusMapLocked()}})
	r.s.pushInvitation(r.world.key, offline, r.name, a.nickname)
}

// statusLeftLocked records that a left the room (or became inactive) and why. An
// inactive participant stays JOINED, marked inactive and not connected; if its player
// TTL runs out it becomes LEFT with the reason it gave when it went away.
func (r *room) statusLeftLocked(a *actor, reason protocol.LeaveReason, inactive bool) {
	if r.status == nil {
		return
	}
	p := r.status.byActor(a)
	if p == nil {
		return
	}
	p.reported, p.peers = false, nil
	if inactive {
		p.inactive, p.awayReason = true, reason
	} else {
		if p.inactive && p.awayReason != "" {
			reason = p.awayReason
		}
		p.status, p.leaveReason, p.actor, p.inactive = protocol.ParticipantLeft, reason, nil, false
	}
	r.statusUpdateLocked(p, nil)
}

// statusParamsLocked adds the room's status to a's join response.
func (r *room) statusParamsLocked(p protocol.Params, _ *actor) {
	if r.status != nil {
		p[protocol.ParamRoomStatus] = r.statusMapLocked()
	}
}

// statusClosedLocked marks the status of a closing room deleted: it leaves its
// auto-match queue and the invitation index, and invitees still online are told.
func (r *room) statusClosedLocked() {
	st := r.status
	if st == nil {
		return
	}
	st.status = protocol.RoomDeleted
	r.statusUpdateLocked(nil, nil)
	var invited []string
	for _, p := range st.parts {
		if p.status == protocol.ParticipantInvited {
			invited = append(invited, p.userID)
			r.s.status.uninvite(r.world.key, p.userID, r)
		}
	}
	r.s.tellUsers(r.world.key, invited, &protocol.Event{Code: protocol.EventRoomStatus,
		Params: protocol.Params{protocol.ParamRoomStatus: r.statusMapLocked()}})
}

// tellUsers sends e to every connection of the users in the world.
func (s *Server) tellUsers(key worldKey, users []string, e *protocol.Event) (offline []string) {
	if len(users) == 0 {
		return nil
	}
	var conns []*session
	s.presMu.Lock()
	p := s.presence[key]
	for _, u := range users {
		n := len(conns)
		if p != nil {
			for sess := range p.users[u] {
				conns = append(conns, sess)
			}
		}
		if len(conns) == n {
			offline = append(offline, u)
		}
	}
	s.presMu.Unlock()
	for _, sess := range conns {
		sendEvent(sess.conn, e)
	}
	return offline
}
