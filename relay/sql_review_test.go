package relay_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// SQL lobby columns hold at most 256 bytes of text, which bounds the cost of LIKE.
func TestLongSQLColumnTextIsRefused(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	_, err := connect(t, s, "h").CreateRoom(testContext(t), "r", &client.RoomOptions{LobbyName: sqlLobby.Name,
		LobbyType: int(sqlLobby.Type), Properties: map[string]any{"C1": strings.Repeat("a", 257)}}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
}

// One SQL request may spend a bounded number of evaluation steps over the whole lobby
// (LIKE costs the product of its operands' lengths); a costlier filter is refused
// rather than stalling the relay.
func TestACostlySQLFilterIsRefused(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	value := strings.Repeat("a", 256)
	for i := range 60 {
		mustRoom(t)(connect(t, s, fmt.Sprint("h", i)).CreateRoom(testContext(t), fmt.Sprint("r", i), &client.RoomOptions{
			LobbyName: sqlLobby.Name, LobbyType: int(sqlLobby.Type), Properties: map[string]any{"C1": value}}, nil))
	}
	costly := "C1 LIKE '%" + strings.Repeat("a", 2000) + "b'" // 512 000 steps a room
	p := connect(t, s, "attacker")
	_, err := p.GetRoomList(testContext(t), sqlLobby, costly)
	wantCode(t, err, protocol.CodeInvalidRequest)
	if !strings.Contains(err.Error(), "too costly") {
		t.Errorf("GetRoomList: %v, want the filter refused as too costly", err)
	}
	_, err = p.JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: sqlLobby, SQLFilter: costly}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	// A cheap filter over the same rooms is fine.
	got, err := p.GetRoomList(testContext(t), sqlLobby, "C1 LIKE 'a%'")
	must(t, err)
	if len(got) != 60 {
		t.Errorf("cheap filter: %d rooms, want 60", len(got))
	}
}

// Requests that scan a whole lobby are limited to 10 a second per client (a burst of
// 10): the 11th in a row is refused, and other clients are not affected.
func TestLobbyQueriesAreRateLimited(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	p := connect(t, s, "p")
	var err error
	for i := 0; i < 11 && err == nil; i++ {
		_, err = p.GetRoomList(testContext(t), sqlLobby, "C0 = 1")
	}
	wantCode(t, err, protocol.CodeOperationLimitReached)
	_, err = connect(t, s, "q").GetRoomList(testContext(t), sqlLobby, "C0 = 1")
	must(t, err)
}
