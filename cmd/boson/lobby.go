package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// lobbyFlags are the flags naming a lobby.
type lobbyFlags struct {
	name string
	typ  string
}

func (l *lobbyFlags) lobby() (client.Lobby, error) {
	switch l.typ {
	case "", "default":
		return client.Lobby{Name: l.name}, nil
	case "sql":
		return client.Lobby{Name: l.name, Type: protocol.LobbySQL}, nil
	case "async":
		return client.Lobby{Name: l.name, Type: protocol.LobbyAsyncRandom}, nil
	}
	return client.Lobby{}, fmt.Errorf("-type %q: want default, sql or async", l.typ)
}

// joinLobby: join-lobby [name] [-type default|sql|async].
func (s *session) joinLobby(ctx context.Context, words []string) error {
	var lf lobbyFlags
	fs := newFlagSet("join-lobby")
	fs.StringVar(&lf.typ, "type", "default", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errors.New("usage: join-lobby [name] [-type default|sql|async]")
	}
	if len(pos) == 1 {
		lf.name = pos[0]
	}
	l, err := lf.lobby()
	if err != nil {
		return err
	}
	return s.c.JoinLobby(ctx, l)
}

// leaveLobby: leave-lobby.
func (s *session) leaveLobby(ctx context.Context, _ []string) error { return s.c.LeaveLobby(ctx) }

// joinRandom: join-random [-lobby name] [-type t] [-expect k=v] [-max N]
// [-mode fill|serial|random] [-sql filter] [-create] (join-or-create-random with -create).
func (s *session) joinRandom(ctx context.Context, words []string) error {
	var lf lobbyFlags
	var o client.RandomOptions
	var exp propsValue
	var mode, sql string
	var create bool
	var roomMax int
	fs := newFlagSet(words[0])
	fs.StringVar(&lf.name, "lobby", "", "")
	fs.StringVar(&lf.typ, "type", "default", "")
	fs.Var(&exp, "expect", "")
	fs.IntVar(&o.MaxPlayers, "max", 0, "")
	fs.StringVar(&mode, "mode", "fill", "")
	fs.StringVar(&sql, "sql", "", "")
	fs.BoolVar(&create, "create", words[0] == "join-or-create-random", "")
	fs.IntVar(&roomMax, "room-max", 0, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("usage: %s [-lobby name] [-type t] [-expect k=v] [-max N] [-mode fill|serial|random] [-sql filter] [-room-max N]", words[0])
	}
	if o.Lobby, err = lf.lobby(); err != nil {
		return err
	}
	if o.Mode, err = parseMode(mode); err != nil {
		return err
	}
	o.ExpectedProperties, o.SQLFilter = exp, sql
	var r *client.Room
	if create {
		r, err = s.c.JoinOrCreateRandomRoom(ctx, "", &o, &client.RoomOptions{MaxPlayers: roomMax}, nil)
	} else {
		r, err = s.c.JoinRandomRoom(ctx, &o, nil)
	}
	if err != nil {
		return err
	}
	s.out.joined(r)
	s.m.Sync()
	return nil
}

func parseMode(s string) (protocol.MatchmakingMode, error) {
	switch s {
	case "fill":
		return protocol.FillRoom, nil
	case "serial":
		return protocol.SerialMatching, nil
	case "random":
		return protocol.RandomMatching, nil
	}
	return 0, fmt.Errorf("-mode %q: want fill, serial or random", s)
}

// roomList: room-list <sql filter> [-lobby name]: the matching rooms of a SQL lobby.
func (s *session) roomList(ctx context.Context, words []string) error {
	var lobby string
	fs := newFlagSet("room-list")
	fs.StringVar(&lobby, "lobby", "", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: room-list '<sql filter>' [-lobby name]")
	}
	l := client.Lobby{Name: lobby, Type: protocol.LobbySQL}
	rooms, err := s.c.GetRoomList(ctx, l, pos[0])
	if err != nil {
		return err
	}
	s.out.lobbyEvent(&client.RoomListEvent{Lobby: l, Rooms: rooms})
	return nil
}

// findFriends: find-friends id,id,...
func (s *session) findFriends(ctx context.Context, words []string) error {
	if len(words) != 2 {
		return errors.New("usage: find-friends user1,user2")
	}
	friends, err := s.c.FindFriends(ctx, strings.Split(words[1], ","))
	if err != nil {
		return err
	}
	for _, f := range friends {
		s.out.line(fmt.Sprintf("friend %s online=%t room=%s", word(f.UserID), f.Online, word(f.Room)), struct {
			Type   string `json:"type"`
			UserID string `json:"user_id"`
			Online bool   `json:"online"`
			Room   string `json:"room"`
		}{"friend", f.UserID, f.Online, f.Room})
	}
	return nil
}

// webRPC: web-rpc <path> [json] [-cookie].
func (s *session) webRPC(ctx context.Context, words []string) error {
	var cookie bool
	fs := newFlagSet("web-rpc")
	fs.BoolVar(&cookie, "cookie", false, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return errors.New("usage: web-rpc <path> [json] [-cookie]")
	}
	var params any
	if len(pos) == 2 {
		if err := json.Unmarshal([]byte(pos[1]), &params); err != nil {
			return fmt.Errorf("web-rpc parameters: %w", err)
		}
		if params, err = protocol.Normalize(params); err != nil {
			return fmt.Errorf("web-rpc parameters: %w", err)
		}
	}
	res, err := s.c.WebRPC(ctx, pos[0], params, cookie)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(res.Data)
	s.out.line(fmt.Sprintf("web-rpc result=%d message=%s data=%s", res.ResultCode, word(res.Message), data), struct {
		Type    string `json:"type"`
		Result  int    `json:"result"`
		Message string `json:"message"`
		Data    any    `json:"data"`
	}{"web-rpc", res.ResultCode, res.Message, res.Data})
	return nil
}

// lobbyEvent prints room lists and stats.
func (p *printer) lobbyEvent(e client.Event) bool {
	switch e := e.(type) {
	case *client.RoomListEvent:
		kind := "room-list"
		if e.Update {
			kind = "room-list-update"
		}
		for _, r := range e.Rooms {
			p.line(fmt.Sprintf("%s lobby=%s room=%s open=%t players=%d/%d removed=%t %s", kind, word(e.Lobby.Name),
				word(r.Name), r.Open, r.Players, r.MaxPlayers, r.Removed, jsonText(r.Properties)), struct {
				Type string `json:"type"`
				client.RoomListEntry
			}{kind, r})
		}
		if len(e.Rooms) == 0 && !e.Update {
			p.line(fmt.Sprintf("room-list lobby=%s empty", word(e.Lobby.Name)), map[string]any{"type": kind, "rooms": []any{}})
		}
	case *client.AppStatsEvent:
		p.line(fmt.Sprintf("app-stats in-rooms=%d outside=%d rooms=%d", e.PlayersInRooms, e.PlayersOutside, e.Rooms),
			struct {
				Type string `json:"type"`
				*client.AppStatsEvent
			}{"app-stats", e})
	case *client.LobbyStatsEvent:
		for _, l := range e.Lobbies {
			p.line(fmt.Sprintf("lobby-stats lobby=%s type=%d players=%d rooms=%d", word(l.Lobby.Name), l.Lobby.Type, l.Players, l.Rooms),
				struct {
					Type string `json:"type"`
					client.LobbyStats
				}{"lobby-stats", l})
		}
	default:
		return false
	}
	return true
}
