package client

import (
	"context"

	"github.com/bosonrt/boson/relay/protocol"
)

// Lobby names a lobby: the default lobby has an empty name and type LobbyDefault.
type Lobby struct {
	Name string
	Type protocol.LobbyType
}

// RoomListEntry is a room as a lobby lists it.
type RoomListEntry struct {
	Name       string
	Open       bool
	Visible    bool // always true: hidden rooms are not listed
	Players    int
	MaxPlayers int            // 0: the relay's limit
	Properties map[string]any // the room properties listed in the lobby
	Removed    bool           // in an update: the room is no longer listed
}

// A RoomListEvent is a lobby's room list, sent after [Client.JoinLobby] for default
// lobbies; a RoomListUpdateEvent (Update set) carries only the rooms that changed.
type RoomListEvent struct {
	Lobby  Lobby
	Update bool
	Rooms  []RoomListEntry
}

// An AppStatsEvent is sent periodically to clients outside rooms.
type AppStatsEvent struct{ PlayersInRooms, PlayersOutside, Rooms int }

// A LobbyStatsEvent is sent periodically to clients that set Options.LobbyStats.
type LobbyStatsEvent struct{ Lobbies []LobbyStats }

// LobbyStats counts the players (in the lobby and in its rooms) and rooms of a lobby.
type LobbyStats struct {
	Lobby          Lobby
	Players, Rooms int
}

func (*RoomListEvent) isEvent()   {}
func (*AppStatsEvent) isEvent()   {}
func (*LobbyStatsEvent) isEvent() {}

// JoinLobby enters a lobby (leaving any other). In a default lobby a [RoomListEvent]
// follows, then updates. A client in a room cannot join a lobby.
func (c *Client) JoinLobby(ctx context.Context, l Lobby) error {
	_, err := c.call(ctx, protocol.OpJoinLobby, protocol.Params{
		protocol.ParamLobbyName: l.Name, protocol.ParamLobbyType: int64(l.Type),
	})
	return err
}

// LeaveLobby leaves the lobby the client is in, if any.
func (c *Client) LeaveLobby(ctx context.Context) error {
	_, err := c.call(ctx, protocol.OpLeaveLobby, nil)
	return err
}

// RandomOptions say which rooms a random join may pick, and how.
type RandomOptions struct {
	Lobby Lobby
	// ExpectedProperties must all be among the room's properties listed in the lobby,
	// with equal values.
	ExpectedProperties map[string]any
	MaxPlayers         int // the room's max players must be this; 0: any
	Mode               protocol.MatchmakingMode
	// SQLFilter is, in SQL lobbies, up to three WHERE clauses over the room
	// properties C0 to C9, separated by ';' and tried in order.
	SQLFilter string
}

func (o *RandomOptions) params(p protocol.Params) {
	if o == nil {
		return
	}
	p[protocol.ParamLobbyName], p[protocol.ParamLobbyType] = o.Lobby.Name, int64(o.Lobby.Type)
	if o.ExpectedProperties != nil {
		p[protocol.ParamExpectedProps] = o.ExpectedProperties
	}
	p[protocol.ParamExpectedMaxPlayers] = int64(o.MaxPlayers)
	p[protocol.ParamMatchmakingMode] = int64(o.Mode)
	if o.SQLFilter != "" {
		p[protocol.ParamSQLFilter] = o.SQLFilter
	}
}

// JoinRandomRoom joins a room of the lobby that fits o. It fails with
// protocol.CodeNoRandomMatchFound when none does, and CodeSlotError when the
// expected users of jo fit nowhere.
func (c *Client) JoinRandomRoom(ctx context.Context, o *RandomOptions, jo *JoinOptions) (*Room, error) {
	p := protocol.Params{protocol.ParamJoinMode: int64(protocol.JoinOnly)}
	jo.params(p)
	o.params(p)
	return c.join(ctx, protocol.OpJoinRandomRoom, p)
}

// JoinOrCreateRandomRoom joins a room of the lobby that fits o or, when none does,
// creates one called name (the relay picks a name if it is empty) with ro, in o's
// lobby. Concurrent callers in one lobby fill the room one of them creates.
func (c *Client) JoinOrCreateRandomRoom(ctx context.Context, name string, o *RandomOptions, ro *RoomOptions, jo *JoinOptions) (*Room, error) {
	p := protocol.Params{protocol.ParamJoinMode: int64(protocol.JoinOrCreate), protocol.ParamRoomName: name}
	if ro == nil {
		ro = &RoomOptions{}
	}
	ro.params(p)
	jo.params(p)
	mergeExpected(p, ro, jo)
	o.params(p) // after ro: the room is created in the request's lobby
	return c.join(ctx, protocol.OpJoinRandomRoom, p)
}

// Friend is where a user is.
type Friend struct {
	UserID string
	Online bool
	Room   string // "" unless the user is in a room that publishes user ids
}

// FindFriends says whether the users are connected (to this app and version) and
// which room each is in.
func (c *Client) FindFriends(ctx context.Context, userIDs []string) ([]Friend, error) {
	resp, err := c.call(ctx, protocol.OpFindFriends, protocol.Params{protocol.ParamUserIDs: userIDs})
	if err != nil {
		return nil, err
	}
	online, _ := resp.Params[protocol.ParamOnline].([]any)
	rooms, _ := resp.Params[protocol.ParamRoomNames].([]any)
	out := make([]Friend, len(userIDs))
	for i, id := range userIDs {
		out[i].UserID = id
		if i < len(online) {
			out[i].Online, _ = online[i].(bool)
		}
		if i < len(rooms) {
			out[i].Room, _ = rooms[i].(string)
		}
	}
	return out, nil
}

func readRoomListEvent(code protocol.EventCode, p protocol.Params) *RoomListEvent {
	name, _ := p.Str(protocol.ParamLobbyName, "")
	typ, _ := p.Int(protocol.ParamLobbyType, 0)
	e := &RoomListEvent{Lobby: Lobby{Name: name, Type: protocol.LobbyType(typ)}, Update: code == protocol.EventRoomListUpdate}
	e.Rooms = readRoomEntries(p)
	return e
}

func readRoomEntries(p protocol.Params) []RoomListEntry {
	list, _ := p[protocol.ParamRoomList].([]any)
	out := make([]RoomListEntry, 0, len(list))
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var e RoomListEntry
		e.Name, _ = m["name"].(string)
		e.Open, _ = m["open"].(bool)
		e.Visible, _ = m["visible"].(bool)
		players, _ := m["players"].(int64)
		max, _ := m["maxPlayers"].(int64)
		e.Players, e.MaxPlayers = int(players), int(max)
		e.Properties, _ = m["props"].(map[string]any)
		e.Removed, _ = m["removed"].(bool)
		out = append(out, e)
	}
	return out
}

func readLobbyStats(p protocol.Params) *LobbyStatsEvent {
	list, _ := p[protocol.ParamLobbyStats].([]any)
	e := &LobbyStatsEvent{}
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		var ls LobbyStats
		ls.Lobby.Name, _ = m["name"].(string)
		typ, _ := m["type"].(int64)
		players, _ := m["players"].(int64)
		rooms, _ := m["rooms"].(int64)
		ls.Lobby.Type, ls.Players, ls.Rooms = protocol.LobbyType(typ), int(players), int(rooms)
		e.Lobbies = append(e.Lobbies, ls)
	}
	return e
}

// WebRPCResult is the web service's answer to a WebRPC.
type WebRPCResult struct {
	ResultCode int
	Message    string
	Data       any
}

// WebRPC has the relay POST params (any protocol value) to the app's web service at
// path, with the auth cookie from custom authentication if sendAuthCookie is set, and
// returns the answer. It fails with protocol.CodeExternalHTTPCallFailed when the
// service does not answer well, and CodeHTTPLimitReached when the relay has too many
// calls in flight.
func (c *Client) WebRPC(ctx context.Context, path string, params any, sendAuthCookie bool) (*WebRPCResult, error) {
	p := protocol.Params{protocol.ParamURIPath: path, protocol.ParamSendAuthCookie: sendAuthCookie}
	if params != nil {
		p[protocol.ParamRPCParams] = params
	}
	resp, err := c.call(ctx, protocol.OpWebRPC, p)
	if err != nil {
		return nil, err
	}
	code, _ := resp.Params.Int(protocol.ParamResultCode, 0)
	msg, _ := resp.Params.Str(protocol.ParamMessage, "")
	return &WebRPCResult{ResultCode: int(code), Message: msg, Data: resp.Params[protocol.ParamData]}, nil
}

// GetRoomList returns the joinable rooms of a SQL lobby that match filter (up to three
// WHERE clauses over C0 to C9, separated by ';': the first that matches any room
// decides), at most 100 by default.
func (c *Client) GetRoomList(ctx context.Context, l Lobby, filter string) ([]RoomListEntry, error) {
	resp, err := c.call(ctx, protocol.OpGetRoomList, protocol.Params{
		protocol.ParamLobbyName: l.Name, protocol.ParamLobbyType: int64(l.Type), protocol.ParamSQLFilter: filter,
	})
	if err != nil {
		return nil, err
	}
	return readRoomEntries(resp.Params), nil
}
