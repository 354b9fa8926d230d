package client

import (
	"context"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// Meta is a piece of room information (seed 004), visible to members whose user
// type is at least Level; Level [protocol.UserEveryone] (0) is visible to everyone,
// also in [Client.SearchRooms] results.
type Meta struct {
	Key   string
	Value any
	Level protocol.UserType
}

func (o *RoomOptions) accessParams(p protocol.Params) {
	if o.Description != "" {
		p[protocol.ParamDescription] = o.Description
	}
	if o.Access != protocol.AccessPublic {
		p[protocol.ParamAccessType] = int64(o.Access)
	}
	if o.Tags != nil {
		p[protocol.ParamTags] = o.Tags
	}
	if o.Metas != nil {
		p[protocol.ParamMetas] = metasParam(o.Metas)
	}
	if o.JoinApproval {
		p[protocol.ParamJoinApproval] = true
	}
	if o.SingleRoom {
		p[protocol.ParamSingleRoom] = true
	}
}

func metasParam(ms []Meta) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"key": m.Key, "value": m.Value, "level": int64(m.Level)}
	}
	return out
}

func readMetas(v any) []Meta {
	list, _ := v.([]any)
	out := make([]Meta, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		key, _ := m["key"].(string)
		level, _ := m["level"].(int64)
		out = append(out, Meta{Key: key, Value: m["value"], Level: protocol.UserType(level)})
	}
	return out
}

func (r *Room) readAccess(p protocol.Params) {
	t, _ := p.Int(protocol.ParamUserType, 0)
	access, _ := p.Int(protocol.ParamAccessType, 0)
	r.UserType, r.Access = protocol.UserType(t), protocol.AccessType(access)
	r.Description, _ = p.Str(protocol.ParamDescription, "")
	r.Key, _ = p.Str(protocol.ParamRoomKey, "")
	r.Tags, _ = p.Strings(protocol.ParamTags)
	r.Metas = readMetas(p[protocol.ParamMetas])
	r.JoinApproval, _ = p.Bool(protocol.ParamJoinApproval, false)
	r.SingleRoom, _ = p.Bool(protocol.ParamSingleRoom, false)
}

// cloneAccess copies the slices Room.clone must not share.
func (r *Room) cloneAccess(out *Room) {
	out.Tags = slices.Clone(r.Tags)
	out.Metas = slices.Clone(r.Metas)
}

// A JoinRequestEvent tells an owner or moderator that a user asks to join the room
// (in rooms with join approval, or for a user type above a plain user). Answer it
// with [Client.ApproveJoin].
type JoinRequestEvent struct {
	ID       string // the request's id (unique in its room)
	UserID   string
	Nickname string
	UserType protocol.UserType // the type asked for
}

// A JoinDecisionEvent tells the owners and moderators who could decide a request
// what became of it: Outcome is "approved", "rejected", "withdrawn" (the joiner's
// connection ended, or its JoinRoom's context) or "timeout"; By is the deciding actor
// (0 for the last two).
type JoinDecisionEvent struct {
	ID       string
	UserID   string
	Approved bool
	By       int
	Outcome  string
}

// A JoinPendingEvent tells a joiner its JoinRoom waits for an approval; the call
// returns when someone decides. If the call's context ends first, the client
// withdraws the request (it sends LeaveRoom), so the connection may join again.
type JoinPendingEvent struct {
	Room string
	ID   string
}

// A UserTypeChangedEvent says an actor's user type changed. When it is the client's
// own, Room.UserType, Room.Metas and Room.Key have been updated.
type UserTypeChangedEvent struct {
	Actor    int
	UserType protocol.UserType
}

func (*JoinRequestEvent) isEvent()     {}
func (*JoinDecisionEvent) isEvent()    {}
func (*JoinPendingEvent) isEvent()     {}
func (*UserTypeChangedEvent) isEvent() {}

func (c *Client) accessEventLocked(code protocol.EventCode, p protocol.Params) Event {
	id, _ := p.Str(protocol.ParamRequestID, "")
	user, _ := p.Str(protocol.ParamUserID, "")
	switch code {
	case protocol.EventJoinRequest:
		nick, _ := p.Str(protocol.ParamNickname, "")
		t, _ := p.Int(protocol.ParamUserType, 0)
		return &JoinRequestEvent{ID: id, UserID: user, Nickname: nick, UserType: protocol.UserType(t)}
	case protocol.EventJoinDecision:
		ok, _ := p.Bool(protocol.ParamApprove, false)
		by, _ := p.Int(protocol.ParamActorNr, 0)
		outcome, _ := p.Str(protocol.ParamMessage, "")
		return &JoinDecisionEvent{ID: id, UserID: user, Approved: ok, By: int(by), Outcome: outcome}
	case protocol.EventJoinPending:
		room, _ := p.Str(protocol.ParamRoomName, "")
		return &JoinPendingEvent{Room: room, ID: id}
	case protocol.EventUserTypeChanged:
		return c.userTypeChangedLocked(p)
	}
	return nil
}

func (c *Client) userTypeChangedLocked(p protocol.Params) Event {
	nr, _ := p.Int(protocol.ParamActorNr, 0)
	t, _ := p.Int(protocol.ParamUserType, 0)
	ev := &UserTypeChangedEvent{Actor: int(nr), UserType: protocol.UserType(t)}
	r := c.room
	if r == nil {
		return ev
	}
	if a := r.Actors[ev.Actor]; a != nil {
		a.UserType = ev.UserType
	}
	if ev.Actor == r.ActorNr {
		r.UserType = ev.UserType
		if p.Has(protocol.ParamMetas) {
			r.Metas = readMetas(p[protocol.ParamMetas])
		}
		r.Key, _ = p.Str(protocol.ParamRoomKey, "")
	}
	return ev
}

// withdrawJoin tells the relay that a JoinRoom (or CreateRoom, JoinRandomRoom) whose
// ctx ended is given up: a LeaveRoom, which withdraws a join still waiting for an
// approval or friend lists, and leaves the room if the join completed meanwhile. It
// does not wait for the response (whose arrival updates the room as any LeaveRoom's).
func (c *Client) withdrawJoin() {
	c.mu.Lock()
	c.nextID++
	if c.nextID == 0 {
		c.nextID++
	}
	id := c.nextID
	c.mu.Unlock()
	b, err := protocol.AppendRequest(nil, &protocol.Request{Op: protocol.OpLeaveRoom, ID: id, Params: protocol.Params{}})
	if err == nil {
		c.conn.Send(0, b) // best effort: a closed connection withdraws by itself
	}
}

// ApproveJoin approves (or rejects) the pending join request of userID (its oldest,
// should the user have several); grant is the user type granted, at most the one
// asked for (0: as asked). Owners decide every request, moderators those of plain
// users. Errors include protocol.CodeNoSuchRequest and CodeNotPermitted.
func (c *Client) ApproveJoin(ctx context.Context, userID string, approve bool, grant protocol.UserType) error {
	return c.decide(ctx, protocol.ParamUserID, userID, approve, grant)
}

// ApproveRequest is ApproveJoin by request id ([JoinRequestEvent.ID]).
func (c *Client) ApproveRequest(ctx context.Context, id string, approve bool, grant protocol.UserType) error {
	return c.decide(ctx, protocol.ParamRequestID, id, approve, grant)
}

// decide sends ApproveJoin for the request named by key (a user id or a request id).
func (c *Client) decide(ctx context.Context, key protocol.Param, name string, approve bool, grant protocol.UserType) error {
	p := protocol.Params{key: name, protocol.ParamApprove: approve}
	if grant != 0 {
		p[protocol.ParamUserType] = int64(grant)
	}
	_, err := c.call(ctx, protocol.OpApproveJoin, p)
	return err
}

// SetUserType sets an actor's user type (owners only). An owner may step down (set
// itself to moderator or user) only while another active owner remains.
func (c *Client) SetUserType(ctx context.Context, actor int, t protocol.UserType) error {
	_, err := c.call(ctx, protocol.OpSetUserType, protocol.Params{
		protocol.ParamActorNr: int64(actor), protocol.ParamUserType: int64(t)})
	return err
}

// TransferOwnership makes actor an owner and the caller (an owner) a moderator, at once.
func (c *Client) TransferOwnership(ctx context.Context, actor int) error {
	_, err := c.call(ctx, protocol.OpSetUserType, protocol.Params{
		protocol.ParamActorNr: int64(actor), protocol.ParamUserType: int64(protocol.UserOwner), protocol.ParamTransfer: true})
	return err
}

// JoinRequest is a pending join request, as [Client.ListJoinRequests] returns it.
type JoinRequest struct {
	ID       string
	UserID   string
	Nickname string
	UserType protocol.UserType // asked for
}

// ListJoinRequests returns the room's pending join requests the caller (an owner or
// moderator) may decide, oldest first.
func (c *Client) ListJoinRequests(ctx context.Context) ([]JoinRequest, error) {
	resp, err := c.call(ctx, protocol.OpListJoinRequests, protocol.Params{})
	if err != nil {
		return nil, err
	}
	list, _ := resp.Params[protocol.ParamRequests].([]any)
	out := make([]JoinRequest, 0, len(list))
	for _, v := range list {
		m, _ := v.(map[string]any)
		var jr JoinRequest
		jr.ID, _ = m["id"].(string)
		jr.UserID, _ = m["userId"].(string)
		jr.Nickname, _ = m["name"].(string)
		t, _ := m["type"].(int64)
		jr.UserType = protocol.UserType(t)
		out = append(out, jr)
	}
	return out, nil
}

// RoomSearch is what [Client.SearchRooms] looks for. The zero value finds every
// room the caller may see.
type RoomSearch struct {
	Tags       []string // rooms with any of these tags (all of them with MatchAll); none: any room
	MatchAll   bool
	NamePrefix string
	Limit      int    // page size, 1 to 100; 0: 20
	Cursor     string // RoomSearchPage.Next of the previous page; "": the first page
}

// RoomSearchPage is one page of search results, newest room first.
type RoomSearchPage struct {
	Rooms []FoundRoom
	Next  string // the cursor of the next page; "" on the last page
}

// FoundRoom is a room as a search shows it: its metas of level 0 only.
type FoundRoom struct {
	Name        string
	Description string
	Tags        []string
	Players     int
	MaxPlayers  int // 0: the relay's limit
	Access      protocol.AccessType
	Metas       []Meta
	Open        bool
}

// SearchRooms finds public visible rooms, and friends rooms of owners who count the
// caller as a friend, by tags and name prefix (never private rooms).
func (c *Client) SearchRooms(ctx context.Context, s *RoomSearch) (*RoomSearchPage, error) {
	p := protocol.Params{protocol.ParamMatchAllTags: s.MatchAll}
	if s.Tags != nil {
		p[protocol.ParamTags] = s.Tags
	}
	if s.NamePrefix != "" {
		p[protocol.ParamRoomName] = s.NamePrefix
	}
	if s.Limit != 0 {
		p[protocol.ParamLimit] = int64(s.Limit)
	}
	if s.Cursor != "" {
		p[protocol.ParamCursor] = s.Cursor
	}
	resp, err := c.call(ctx, protocol.OpSearchRooms, p)
	if err != nil {
		return nil, err
	}
	page := &RoomSearchPage{}
	page.Next, _ = resp.Params.Str(protocol.ParamCursor, "")
	list, _ := resp.Params[protocol.ParamRoomList].([]any)
	for _, v := range list {
		page.Rooms = append(page.Rooms, readFoundRoom(v))
	}
	return page, nil
}

func readFoundRoom(v any) FoundRoom {
	m, _ := v.(map[string]any)
	var f FoundRoom
	f.Name, _ = m["name"].(string)
	f.Description, _ = m["description"].(string)
	for _, t := range asList(m["tags"]) {
		if s, ok := t.(string); ok {
			f.Tags = append(f.Tags, s)
		}
	}
	players, _ := m["players"].(int64)
	max, _ := m["maxPlayers"].(int64)
	access, _ := m["access"].(int64)
	f.Players, f.MaxPlayers, f.Access = int(players), int(max), protocol.AccessType(access)
	f.Metas = readMetas(m["metas"])
	f.Open, _ = m["open"].(bool)
	return f
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
