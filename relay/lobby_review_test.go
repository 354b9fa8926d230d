package relay_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// waitFor returns the next event of type T within d, or nil.
func waitFor[T client.Event](p *player, d time.Duration, ok func(T) bool) (T, bool) {
	timeout := time.After(d)
	for {
		select {
		case e := <-p.events:
			if v, is := e.(T); is && (ok == nil || ok(v)) {
				return v, true
			}
		case <-timeout:
			var zero T
			return zero, false
		}
	}
}

// Rooms whose slots are taken by inactive players are full, but the matchmaker's
// listing.fits ignores inactive actors: join random tries them (GameFull each time),
// gives up after maxMatchAttempts and reports NoRandomMatchFound although a room with
// a free slot exists.
func TestJoinRandomSkipsRoomsFullOfInactivePlayers(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	for i := range 8 {
		host, away := connect(t, s, fmt.Sprint("host", i)), connect(t, s, fmt.Sprint("away", i))
		name := fmt.Sprint("full", i)
		mustRoom(t)(host.CreateRoom(testContext(t), name, &client.RoomOptions{MaxPlayers: 2, PlayerTTL: -1}, nil))
		mustRoom(t)(away.JoinRoom(testContext(t), name, nil))
		must(t, away.LeaveRoom(testContext(t), true)) // inactive: keeps its slot
	}
	mustRoom(t)(connect(t, s, "lonely").CreateRoom(testContext(t), "free", &client.RoomOptions{MaxPlayers: 2}, nil))
	r, err := connect(t, s, "joiner").JoinRandomRoom(testContext(t), nil, nil)
	if err != nil || r.Name != "free" {
		t.Fatalf("join random: %v, %v; want room free (the 8 older rooms are full of inactive players)", r, err)
	}
}

// The room list ranks a room full of inactive players as joinable.
func TestRoomListRanksRoomsFullOfInactivePlayersAsFull(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	host, away := connect(t, s, "host"), connect(t, s, "away")
	mustRoom(t)(host.CreateRoom(testContext(t), "full", &client.RoomOptions{MaxPlayers: 2, PlayerTTL: -1}, nil))
	mustRoom(t)(away.JoinRoom(testContext(t), "full", nil))
	must(t, away.LeaveRoom(testContext(t), true))
	mustRoom(t)(connect(t, s, "other").CreateRoom(testContext(t), "open", &client.RoomOptions{MaxPlayers: 2}, nil))
	w := connect(t, s, "w")
	must(t, w.JoinLobby(testContext(t), client.Lobby{}))
	got := names(next[*client.RoomListEvent](w).Rooms)
	if fmt.Sprint(got) != "[open full]" {
		t.Fatalf("room list %v, want [open full] (full rooms after joinable ones)", got)
	}
}

// A room list is one message: rooms listing large properties make it larger than the
// transport's MaxMessageSize, and then lobby members get no room list at all (the send
// error is ignored, and l.sent is updated as if it had been sent).
func TestLargeListedPropertiesDoNotSilenceTheRoomList(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	big := strings.Repeat("x", 15000)
	for i := range 5 {
		mustRoom(t)(connect(t, s, fmt.Sprint("h", i)).CreateRoom(testContext(t), fmt.Sprint("r", i),
			&client.RoomOptions{Properties: map[string]any{"desc": big}, PropsListedInLobby: []string{"desc"}}, nil))
	}
	w := connect(t, s, "w")
	must(t, w.JoinLobby(testContext(t), client.Lobby{}))
	if _, ok := waitFor(w, 2*time.Second, func(e *client.RoomListEvent) bool { return !e.Update }); !ok {
		t.Fatal("no RoomList within 2s: 5 rooms listing 15 KB each make it too large to send, and it is dropped")
	}
}

// Updates carry at most MaxRoomListEntries changed rooms, always the oldest first: a
// room that changes every interval keeps a later room's change from ever being sent.
func TestBusyRoomsDoNotStarveRoomListUpdates(t *testing.T) {
	cfg := lobbyConfig()
	cfg.MaxRoomListEntries = 1
	s := startRelay(t, cfg)
	busy, late := connect(t, s, "busy"), connect(t, s, "late")
	mustRoom(t)(busy.CreateRoom(testContext(t), "busy", &client.RoomOptions{PropsListedInLobby: []string{"n"}}, nil))
	mustRoom(t)(late.CreateRoom(testContext(t), "late", &client.RoomOptions{PropsListedInLobby: []string{"n"}}, nil))
	w := connect(t, s, "w")
	must(t, w.JoinLobby(testContext(t), client.Lobby{}))
	next[*client.RoomListEvent](w)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if busy.SetRoomProperties(testContext(t), map[string]any{"n": int64(i)}, nil) != nil {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	defer func() { close(stop); wg.Wait() }()
	must(t, late.SetRoomProperties(testContext(t), map[string]any{"n": int64(42)}, nil))
	_, ok := waitFor(w, 2*time.Second, func(e *client.RoomListEvent) bool {
		for _, r := range e.Rooms {
			if r.Name == "late" && r.Properties["n"] == int64(42) {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatal("the change of room late never reached the lobby in 2s (100 updates): room busy takes the only slot every time")
	}
}

// A lobby member that joins a room stays a lobby member: it keeps getting room list
// updates while playing, and lobby stats count it twice (member and player).
func TestJoiningARoomLeavesTheLobby(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	p := connect(t, s, "p")
	must(t, p.JoinLobby(testContext(t), client.Lobby{}))
	next[*client.RoomListEvent](p)
	mustRoom(t)(p.CreateRoom(testContext(t), "mine", nil, nil))
	mustRoom(t)(connect(t, s, "q").CreateRoom(testContext(t), "other", nil, nil))
	if e, ok := waitFor[*client.RoomListEvent](p, time.Second, nil); ok {
		t.Fatalf("in a room, got room list update %+v: joining a room should leave the lobby", e)
	}
}

func TestLobbyStatsCountAPlayerOnce(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	p, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: "p", Nickname: "p",
		Auth: client.Auth{Type: auth.None}, LobbyStats: true})
	must(t, err)
	must(t, p.JoinLobby(testContext(t), client.Lobby{}))
	mustRoom(t)(p.CreateRoom(testContext(t), "mine", nil, nil))
	for range 3 { // skip stats sent before the create
		next[*client.LobbyStatsEvent](p)
	}
	ls := next[*client.LobbyStatsEvent](p)
	if len(ls.Lobbies) != 1 || ls.Lobbies[0].Players != 1 {
		t.Fatalf("lobby stats %+v, want one lobby with 1 player (one client)", ls.Lobbies)
	}
}

// Lobby names are at most 128 bytes wherever they are given (LobbyStats list them
// all in one message), and lobby types are 0, 2 or 3.
func TestLongLobbyNamesAndUnknownLobbyTypesAreRefused(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	p := connect(t, s, "p")
	long := strings.Repeat("L", 129)
	_, err := p.CreateRoom(testContext(t), "r", &client.RoomOptions{LobbyName: long}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	_, err = p.JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: client.Lobby{Name: long}}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	wantCode(t, p.JoinLobby(testContext(t), client.Lobby{Type: 1}), protocol.CodeInvalidRequest)
}

// A SQL lobby's column types are locked by a room whose creation then fails (here:
// its expected users do not fit): no room ever had C0 as text, yet C0 is locked to text.
func TestAFailedCreateDoesNotLockSQLColumns(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	keeper := connect(t, s, "keeper") // keeps the lobby alive
	must(t, keeper.JoinLobby(testContext(t), sqlLobby))
	_, err := connect(t, s, "a").CreateRoom(testContext(t), "fails", &client.RoomOptions{MaxPlayers: 2,
		LobbyName: sqlLobby.Name, LobbyType: int(sqlLobby.Type), Properties: map[string]any{"C0": "text"},
		ExpectedUsers: []string{"x", "y"}}, nil)
	wantCode(t, err, protocol.CodeSlotError)
	_, err = connect(t, s, "b").CreateRoom(testContext(t), "ok", &client.RoomOptions{
		LobbyName: sqlLobby.Name, LobbyType: int(sqlLobby.Type), Properties: map[string]any{"C0": int64(1)}}, nil)
	if err != nil {
		t.Fatalf("create with C0 integer: %v; want success (the only text C0 was in a room that was never created)", err)
	}
}
