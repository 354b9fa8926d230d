package relay_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

var sqlLobby = client.Lobby{Name: "ranked", Type: protocol.LobbySQL}

// sqlRooms creates rooms in the SQL lobby with columns C0 (skill, int) and C1 (map).
func sqlRooms(t *testing.T, p func(string) *player) {
	for _, r := range []struct {
		name  string
		skill int64
		m     string
	}{{"bronze-docks", 100, "docks"}, {"silver-docks", 400, "docks"}, {"silver-moon", 450, "moon"}, {"gold-moon", 900, "moon"}} {
		mustRoom(t)(p(r.name).CreateRoom(testContext(t), r.name, &client.RoomOptions{MaxPlayers: 4,
			LobbyName: sqlLobby.Name, LobbyType: int(sqlLobby.Type),
			Properties: map[string]any{"C0": r.skill, "C1": r.m}}, nil))
	}
}

func TestSQLLobbyFiltersRooms(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	sqlRooms(t, func(n string) *player { return connect(t, s, n) })
	asker := connect(t, s, "asker")
	tests := []struct {
		filter string
		want   []string // rooms GetRoomList returns, in lobby order
	}{
		{"C0 BETWEEN 345 AND 475 AND C1 = 'docks'", []string{"silver-docks"}},
		{"C1 IN ('moon', 'mars')", []string{"silver-moon", "gold-moon"}},
		{"c0 > 800 OR c1 = 'docks'", []string{"bronze-docks", "silver-docks", "gold-moon"}},
		{"NOT (C0 < 500)", []string{"gold-moon"}},
		{"C1 LIKE 'MO%'", []string{"silver-moon", "gold-moon"}},
		{"C2 = 1", nil}, // a column no room sets is NULL
		{"C0 > 10000; C0 < 200", []string{"bronze-docks"}}, // the first filter that matches wins
		{"C0 < 500; C1 = 'moon'", []string{"bronze-docks", "silver-docks", "silver-moon"}},
		{"C1 = 'select'", nil}, // a forbidden word inside a string is just a string
	}
	for _, tt := range tests {
		got, err := asker.GetRoomList(testContext(t), sqlLobby, tt.filter)
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if names(got) == nil && tt.want == nil {
			continue
		}
		if !slices.Equal(names(got), tt.want) {
			t.Errorf("%q: got %v, want %v", tt.filter, names(got), tt.want)
		}
	}
	// Join random with a filter picks the oldest matching room.
	r := mustRoom(t)(connect(t, s, "joiner").JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: sqlLobby,
		SQLFilter: "C1 = 'mars'; C0 >= 400"}, nil))
	if r.Name != "silver-docks" {
		t.Errorf("join random with a chain: %s, want silver-docks", r.Name)
	}
	_, err := connect(t, s, "picky").JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: sqlLobby, SQLFilter: "C0 > 5000"}, nil)
	wantCode(t, err, protocol.CodeNoRandomMatchFound)
}

func TestSQLFiltersThatAreNotWhereClausesAreRefused(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	p := connect(t, s, "p")
	bad := []string{
		"", "C0 = 1; DROP TABLE rooms", "1=1 UNION SELECT * FROM rooms", "C0 = 1 -- comment", "C0 = 1 /* c */",
		"C11 = 1", "name = 'x'", "C0 = ", "C0 = 1;;", "C0=1;C0=2;C0=3;C0=4", "(C0 = 1", "C1 = 'unterminated",
		"C0 = 99999999999999999999",
	}
	for _, w := range []string{"ALTER", "CREATE", "DELETE", "DROP", "EXEC", "EXECUTE", "INSERT", "MERGE", "SELECT", "UPDATE", "UNION"} {
		bad = append(bad, "C0 = 1 AND "+w+" C1", strings.ToLower(w)+" x")
	}
	for _, f := range bad {
		_, err := p.GetRoomList(testContext(t), sqlLobby, f)
		if f == "" {
			wantCode(t, err, protocol.CodeInvalidRequest)
			continue
		}
		if err == nil || !strings.Contains(fmt.Sprint(err), "match:") {
			t.Errorf("%q: %v, want a match error", f, err)
		}
		_, err = p.JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: sqlLobby, SQLFilter: f}, nil)
		wantCode(t, err, protocol.CodeInvalidRequest)
	}
	// GetRoomList is for SQL lobbies; SQL filters too.
	_, err := p.GetRoomList(testContext(t), client.Lobby{}, "C0 = 1")
	wantCode(t, err, protocol.CodeInvalidOperation)
	_, err = p.JoinRandomRoom(testContext(t), &client.RandomOptions{SQLFilter: "C0 = 1"}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
}

func TestSQLLobbyColumnTypesAreFixedByTheFirstValue(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	opts := func(v any) *client.RoomOptions {
		return &client.RoomOptions{LobbyName: sqlLobby.Name, LobbyType: int(sqlLobby.Type), Properties: map[string]any{"C0": v}}
	}
	a := connect(t, s, "a")
	mustRoom(t)(a.CreateRoom(testContext(t), "first", opts(int64(5)), nil))
	_, err := connect(t, s, "b").CreateRoom(testContext(t), "second", opts("five"), nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	wantCode(t, a.SetRoomProperties(testContext(t), map[string]any{"C0": "six"}, nil), protocol.CodeInvalidRequest)
	must(t, a.SetRoomProperties(testContext(t), map[string]any{"C0": int64(6), "C3": "new"}, nil))
	got, err := a.GetRoomList(testContext(t), sqlLobby, "C0 = 6 AND C3 = 'new'")
	must(t, err)
	if !slices.Equal(names(got), []string{"first"}) {
		t.Errorf("rooms with the changed columns: %v, want [first]", names(got))
	}
}
