package client

import (
	"maps"
	"slices"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// Room is the client's view of the room it is in: a copy, safe to keep.
type Room struct {
	Name            string
	Created         bool // this client's join created the room
	ActorNr         int  // the client's own actor number
	Master          int  // the master client's actor number
	Properties      map[string]any
	Actors          map[int]*Actor
	MaxPlayers      int
	Open, Visible   bool
	PlayerTTL       time.Duration
	EmptyRoomTTL    time.Duration
	ExpectedUsers   []string
	DirectMode      protocol.DirectMode
	CacheSliceIndex int

	// Access control (seed 004).
	UserType     protocol.UserType // the client's own user type
	Description  string
	Access       protocol.AccessType
	Key          string // a private room's key: owners only
	Tags         []string
	Metas        []Meta // the metas visible to this client's user type
	JoinApproval bool
	SingleRoom   bool

	// Status is the room's status (rooms with invitees or auto-matching); nil otherwise.
	Status *RoomStatus

	echo       bool // the relay echoes property changes to their sender
	deleteNull bool // a property set to nil is deleted
}

// Actor is a player in the room.
type Actor struct {
	Nr         int
	Nickname   string
	UserID     string // only in rooms that publish user ids
	Properties map[string]any
	Inactive   bool
	UserType   protocol.UserType // user, moderator or owner (seed 004)
}

func (r *Room) clone() *Room {
	if r == nil {
		return nil
	}
	out := *r
	out.Properties = maps.Clone(r.Properties)
	out.ExpectedUsers = slices.Clone(r.ExpectedUsers)
	r.cloneAccess(&out)
	out.Status = r.Status.clone()
	out.Actors = make(map[int]*Actor, len(r.Actors))
	for nr, a := range r.Actors {
		c := *a
		c.Properties = maps.Clone(a.Properties)
		out.Actors[nr] = &c
	}
	return &out
}

// Room returns a copy of the client's room, or nil when it is in none.
func (c *Client) Room() *Room {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.room.clone()
}

func readActor(v any) *Actor {
	m, _ := v.(map[string]any)
	a := &Actor{}
	nr, _ := m["nr"].(int64)
	a.Nr = int(nr)
	a.Nickname, _ = m["name"].(string)
	a.UserID, _ = m["userId"].(string)
	a.Properties, _ = m["props"].(map[string]any)
	if a.Properties == nil {
		a.Properties = map[string]any{}
	}
	a.Inactive, _ = m["inactive"].(bool)
	t, _ := m["type"].(int64)
	a.UserType = protocol.UserType(t)
	return a
}

func ints(list []int64) []int {
	out := make([]int, len(list))
	for i, v := range list {
		out[i] = int(v)
	}
	return out
}

// readRoom builds the room from a successful join's response.
func readRoom(p protocol.Params) *Room {
	r := &Room{Actors: map[int]*Actor{}}
	r.Name, _ = p.Str(protocol.ParamRoomName, "")
	r.Created, _ = p.Bool(protocol.ParamCreated, false)
	nr, _ := p.Int(protocol.ParamActorNr, 0)
	master, _ := p.Int(protocol.ParamMasterActor, 0)
	r.ActorNr, r.Master = int(nr), int(master)
	r.Properties, _ = p.Map(protocol.ParamRoomProperties)
	if r.Properties == nil {
		r.Properties = map[string]any{}
	}
	if list, ok := p[protocol.ParamActors].([]any); ok {
		for _, v := range list {
			a := readActor(v)
			r.Actors[a.Nr] = a
		}
	}
	r.readOptions(p)
	ttl, _ := p.Int(protocol.ParamPlayerTTL, 0)
	empty, _ := p.Int(protocol.ParamEmptyRoomTTL, 0)
	r.PlayerTTL, r.EmptyRoomTTL = time.Duration(ttl)*time.Millisecond, time.Duration(empty)*time.Millisecond
	if ttl < 0 {
		r.PlayerTTL = -1
	}
	dm, _ := p.Int(protocol.ParamDirectMode, 0)
	slice, _ := p.Int(protocol.ParamCacheSliceIndex, 0)
	r.DirectMode, r.CacheSliceIndex = protocol.DirectMode(dm), int(slice)
	r.echo, _ = p.Bool(protocol.ParamBroadcastPropsAll, true)
	r.deleteNull, _ = p.Bool(protocol.ParamDeleteNullProps, false)
	r.readAccess(p)
	r.readStatus(p)
	return r
}

// readOptions reads the changeable options (join response or PropertiesChanged).
func (r *Room) readOptions(p protocol.Params) {
	if max, err := p.Int(protocol.ParamMaxPlayers, -1); err == nil && max >= 0 {
		r.MaxPlayers = int(max)
	}
	r.Open, _ = p.Bool(protocol.ParamIsOpen, r.Open)
	r.Visible, _ = p.Bool(protocol.ParamIsVisible, r.Visible)
	if p.Has(protocol.ParamExpectedUsers) {
		r.ExpectedUsers, _ = p.Strings(protocol.ParamExpectedUsers)
	}
}

// applyResponse updates the room on successful joins and leaves (transport round).
func (c *Client) applyResponse(r *protocol.Response) {
	switch r.Op {
	case protocol.OpCreateRoom, protocol.OpJoinRoom, protocol.OpJoinRandomRoom:
		room := readRoom(r.Params)
		c.mu.Lock()
		c.room, c.lastRoom = room, room.Name
		c.mu.Unlock()
	case protocol.OpLeaveRoom:
		c.mu.Lock()
		c.room = nil
		c.mu.Unlock()
	}
}

// systemEvent updates the room and queues the event for the handler (transport round).
func (c *Client) systemEvent(msg []byte) {
	e, err := protocol.ReadEvent(msg)
	if err != nil {
		c.log.Warn("relay sent a malformed event", "err", err)
		return
	}
	p := e.Params
	c.mu.Lock()
	ev := c.applyEventLocked(e.Code, p)
	c.mu.Unlock()
	if ev != nil {
		c.q.push(ev)
	}
}

func (c *Client) applyEventLocked(code protocol.EventCode, p protocol.Params) Event {
	r := c.room
	list, _ := p.Ints(protocol.ParamActorList)
	switch code {
	case protocol.EventJoin:
		ev := &JoinEvent{Actors: ints(list)}
		if as, ok := p[protocol.ParamActors].([]any); ok && len(as) > 0 {
			ev.Actor = *readActor(as[0])
		}
		if r != nil {
			a := ev.Actor
			r.Actors[a.Nr] = &a
		}
		return ev
	case protocol.EventLeave:
		nr, _ := p.Int(protocol.ParamActorNr, 0)
		inactive, _ := p.Bool(protocol.ParamIsInactive, false)
		if r != nil {
			if a := r.Actors[int(nr)]; a != nil && inactive {
				a.Inactive = true
			} else {
				delete(r.Actors, int(nr))
			}
		}
		return &LeaveEvent{Actor: int(nr), Inactive: inactive, Actors: ints(list)}
	case protocol.EventPropertiesChanged:
		return c.propertiesChangedLocked(p)
	case protocol.EventMasterClientChanged:
		m, _ := p.Int(protocol.ParamMasterActor, 0)
		prev, _ := p.Int(protocol.ParamPreviousMaster, 0)
		if r != nil {
			r.Master = int(m)
		}
		return &MasterClientChangedEvent{Master: int(m), Previous: int(prev)}
	case protocol.EventErrorInfo:
		code, _ := p.Int(protocol.ParamErrorCode, 0)
		msg, _ := p.Str(protocol.ParamMessage, "")
		return &ErrorInfoEvent{Code: protocol.Code(code), Message: msg}
	case protocol.EventSignal:
		from, _ := p.Int(protocol.ParamSenderActor, 0)
		data, _ := p.Map(protocol.ParamData)
		return &SignalEvent{Sender: int(from), Data: data}
	case protocol.EventCacheSliceChanged:
		i, _ := p.Int(protocol.ParamCacheSliceIndex, 0)
		if r != nil {
			r.CacheSliceIndex = int(i)
		}
		return &CacheSliceChangedEvent{Index: int(i)}
	case protocol.EventRoomList, protocol.EventRoomListUpdate:
		return readRoomListEvent(code, p)
	case protocol.EventAppStats:
		in, _ := p.Int(protocol.ParamPlayersInRooms, 0)
		out, _ := p.Int(protocol.ParamPlayersOutside, 0)
		rooms, _ := p.Int(protocol.ParamRoomCount, 0)
		return &AppStatsEvent{PlayersInRooms: int(in), PlayersOutside: int(out), Rooms: int(rooms)}
	case protocol.EventLobbyStats:
		return readLobbyStats(p)
	case protocol.EventMessage:
		return readMessageEvent(p)
	case protocol.EventInvitation, protocol.EventRoomStatus:
		return c.statusEventLocked(code, p)
	case protocol.EventJoinRequest, protocol.EventJoinDecision, protocol.EventJoinPending,
		protocol.EventUserTypeChanged:
		return c.accessEventLocked(code, p)
	}
	c.log.Debug("relay sent an unknown event", "code", code)
	return nil
}

func (c *Client) propertiesChangedLocked(p protocol.Params) Event {
	target, _ := p.Int(protocol.ParamTargetActor, 0)
	sender, _ := p.Int(protocol.ParamSenderActor, 0)
	props, _ := p.Map(protocol.ParamProperties)
	if r := c.room; r != nil {
		if target == 0 {
			r.Properties = merge(r.Properties, props, r.deleteNull)
			r.readOptions(p)
		} else if a := r.Actors[int(target)]; a != nil {
			a.Properties = merge(a.Properties, props, r.deleteNull)
		}
	}
	return &PropertiesChangedEvent{Target: int(target), Sender: int(sender), Properties: props}
}

// merge applies changed properties as the relay did: in a room with
// DeleteNullProperties a nil value deletes the key, elsewhere nil is a value.
func merge(into, changes map[string]any, deleteNull bool) map[string]any {
	if into == nil {
		into = map[string]any{}
	}
	for k, v := range changes {
		if v == nil && deleteNull {
			delete(into, k)
		} else {
			into[k] = v
		}
	}
	return into
}
