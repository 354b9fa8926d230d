package client

import (
	"context"
	"slices"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// AutoMatch are a room's auto-matching criteria (seed 003). A room created with them
// and with neither a name nor invitees is a match request: the relay joins the client
// to a waiting room with the same Min, Max and Variant whose players' bitmasks leave
// ExclusiveBitmask free, or creates one that waits for players.
type AutoMatch struct {
	Min, Max         int   // auto-matched players besides the creator: 1 <= Min <= Max
	ExclusiveBitmask int64 // roles: two players whose masks AND to non-zero never match
	Variant          int   // the game mode; rooms match only with equal variants
}

// maxWaitEstimate caps the wait estimate read from the relay.
const maxWaitEstimate = (1<<31 - 1) * time.Second

// RoomStatus is a room's status: its stage, participants and version (seed 003).
// Clients keep the highest Version they saw.
type RoomStatus struct {
	Room         string
	AppID        string // seed 003's applicationId
	Description  string // the room's description (CreateRoom's Description), if it has one
	Status       protocol.RoomStatus
	Version      int
	Participants []Participant
	InviterID    string // the participant id of the inviter, in rooms with invitees
	Created      Modification
	LastUpdate   Modification
	AutoMatch    *AutoMatch    // nil: no auto-matching
	WaitEstimate time.Duration // while auto-matching; 0: unknown
	Variant      int
}

// Participant is a player's relation to a room with status.
type Participant struct {
	ID          string // room-scoped, e.g. "p_1"
	UserID      string // empty for auto-matched players of rooms that do not publish user ids
	Nickname    string
	ActorNr     int // 0 if it never joined
	Status      protocol.ParticipantStatus
	AutoMatched bool
	Connected   bool // in the room's fully connected set of peers
	Inactive    bool // joined but away (left with will-come-back)
	LeaveReason protocol.LeaveReason
}

// Modification is who changed a room's status last (or created it) and when.
type Modification struct {
	ParticipantID string
	Time          time.Time
}

// An InvitationEvent says this user was invited to a room: join it by name to accept.
type InvitationEvent struct{ Status *RoomStatus }

// A RoomStatusEvent says a room's status changed (the client's room, or a room this
// user is invited to that was deleted).
type RoomStatusEvent struct{ Status *RoomStatus }

func (*InvitationEvent) isEvent() {}
func (*RoomStatusEvent) isEvent() {}

func (o *RoomOptions) statusParams(p protocol.Params) {
	if o.Invitees != nil {
		p[protocol.ParamInvitees] = o.Invitees
	}
	if a := o.AutoMatch; a != nil {
		p[protocol.ParamAutoMatch] = map[string]any{"min": int64(a.Min), "max": int64(a.Max),
			"mask": a.ExclusiveBitmask, "variant": int64(a.Variant)}
	}
}

func (r *Room) readStatus(p protocol.Params) {
	if m, _ := p.Map(protocol.ParamRoomStatus); m != nil {
		r.Status = readRoomStatus(m)
	}
}

func (c *Client) statusEventLocked(code protocol.EventCode, p protocol.Params) Event {
	m, _ := p.Map(protocol.ParamRoomStatus)
	st := readRoomStatus(m)
	if code == protocol.EventInvitation {
		return &InvitationEvent{Status: st}
	}
	if r := c.room; r != nil && r.Name == st.Room && (r.Status == nil || st.Version > r.Status.Version) {
		r.Status = st.clone()
	}
	return &RoomStatusEvent{Status: st}
}

func (s *RoomStatus) clone() *RoomStatus {
	if s == nil {
		return nil
	}
	out := *s
	out.Participants = slices.Clone(s.Participants)
	if s.AutoMatch != nil {
		a := *s.AutoMatch
		out.AutoMatch = &a
	}
	return &out
}

// readRoomStatus reads a status map (PROTOCOL.md, "Room status"); what is missing or
// of the wrong type stays zero.
func readRoomStatus(m map[string]any) *RoomStatus {
	s := &RoomStatus{}
	s.Room, _ = m["room"].(string)
	st, _ := m["status"].(string)
	s.Status = protocol.RoomStatus(st)
	s.Version = intOf(m["roomStatusVersion"])
	s.InviterID, _ = m["inviterId"].(string)
	s.AppID, _ = m["applicationId"].(string)
	s.Description, _ = m["description"].(string)
	s.Created = readModification(m["creationDetails"])
	s.LastUpdate = readModification(m["lastUpdateDetails"])
	s.Variant = intOf(m["variant"])
	if c, ok := m["autoMatchingCriteria"].(map[string]any); ok {
		s.AutoMatch = &AutoMatch{Min: intOf(c["minAutoMatchingPlayers"]), Max: intOf(c["maxAutoMatchingPlayers"]),
			Variant: s.Variant}
		s.AutoMatch.ExclusiveBitmask, _ = c["exclusiveBitmask"].(int64)
	}
	if as, ok := m["autoMatchingStatus"].(map[string]any); ok {
		secs, _ := as["waitEstimateSeconds"].(int64)
		s.WaitEstimate = time.Duration(min(max(secs, 0), int64(maxWaitEstimate/time.Second))) * time.Second
	}
	list, _ := m["participants"].([]any)
	for _, v := range list {
		pm, _ := v.(map[string]any)
		s.Participants = append(s.Participants, readParticipant(pm))
	}
	return s
}

func readParticipant(m map[string]any) Participant {
	var p Participant
	p.ID, _ = m["id"].(string)
	p.UserID, _ = m["userId"].(string)
	p.Nickname, _ = m["nickname"].(string)
	p.ActorNr = intOf(m["actorNr"])
	st, _ := m["status"].(string)
	p.Status = protocol.ParticipantStatus(st)
	p.AutoMatched, _ = m["autoMatched"].(bool)
	p.Connected, _ = m["connected"].(bool)
	p.Inactive, _ = m["inactive"].(bool)
	lr, _ := m["leaveReason"].(string)
	p.LeaveReason = protocol.LeaveReason(lr)
	return p
}

func readModification(v any) Modification {
	m, _ := v.(map[string]any)
	var out Modification
	out.ParticipantID, _ = m["participantId"].(string)
	if ms, ok := m["modifiedTimestampMillis"].(int64); ok {
		out.Time = time.UnixMilli(ms)
	}
	return out
}

func intOf(v any) int {
	n, _ := v.(int64)
	return int(n)
}

// Participant returns the participant with the actor number nr, or nil.
func (s *RoomStatus) Participant(nr int) *Participant {
	for i := range s.Participants {
		if s.Participants[i].ActorNr == nr && nr != 0 {
			return &s.Participants[i]
		}
	}
	return nil
}

// ListInvitations returns the rooms this user is invited to and has not dismissed,
// oldest first (at most 100).
func (c *Client) ListInvitations(ctx context.Context) ([]*RoomStatus, error) {
	resp, err := c.call(ctx, protocol.OpListInvitations, protocol.Params{})
	if err != nil {
		return nil, err
	}
	list, _ := resp.Params[protocol.ParamInvitations].([]any)
	out := make([]*RoomStatus, 0, len(list))
	for _, v := range list {
		m, _ := v.(map[string]any)
		out = append(out, readRoomStatus(m))
	}
	return out, nil
}

// DeclineInvitation declines this user's invitation to room: the slot kept for it is
// released. It fails with protocol.CodeNotInvited when there is no pending invitation.
func (c *Client) DeclineInvitation(ctx context.Context, room string) error {
	_, err := c.call(ctx, protocol.OpDeclineInvitation, protocol.Params{protocol.ParamRoomName: room})
	return err
}

// DismissInvitation hides this user's invitation to room from ListInvitations; the
// invitation stays pending (the room's status does not change) and can still be
// accepted by joining. It fails with protocol.CodeNotInvited when there is none.
func (c *Client) DismissInvitation(ctx context.Context, room string) error {
	_, err := c.call(ctx, protocol.OpDismissInvitation, protocol.Params{protocol.ParamRoomName: room})
	return err
}

// GetRoomStatus returns the status of room ("": the client's room). Members and
// participants (invited, declined, left) may ask; others get protocol.CodeNotInvited.
func (c *Client) GetRoomStatus(ctx context.Context, room string) (*RoomStatus, error) {
	p := protocol.Params{}
	if room != "" {
		p[protocol.ParamRoomName] = room
	}
	resp, err := c.call(ctx, protocol.OpGetRoomStatus, p)
	if err != nil {
		return nil, err
	}
	m, _ := resp.Params.Map(protocol.ParamRoomStatus)
	return readRoomStatus(m), nil
}

// ReportPeerStatus tells the relay the actors of room this client has a working peer
// connection to (at most 256); the room's participants are connected when their
// reports agree. With a room name, a report that arrives after the client left that
// room fails with protocol.CodeNotInRoom instead of applying to its next room; ""
// means whatever room the client is in when the relay gets it. Package directmode
// calls it by itself.
func (c *Client) ReportPeerStatus(ctx context.Context, room string, actors []int) error {
	p := protocol.Params{protocol.ParamConnectedActors: slices.Clone(actors)}
	if room != "" {
		p[protocol.ParamRoomName] = room
	}
	_, err := c.call(ctx, protocol.OpReportPeerStatus, p)
	return err
}

// LeaveRoomWithReason is [Client.LeaveRoom] with the reason the room's status shows
// (the default is protocol.LeavePlayerLeft; LeavePresenceFailure is the relay's).
func (c *Client) LeaveRoomWithReason(ctx context.Context, willComeBack bool, reason protocol.LeaveReason) error {
	return c.leaveRoom(ctx, protocol.Params{protocol.ParamWillComeBack: willComeBack,
		protocol.ParamLeaveReason: string(reason)}, willComeBack)
}
