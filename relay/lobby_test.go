package relay_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// lobbyConfig updates room lists and stats quickly, so tests need not wait.
func lobbyConfig() relay.Config {
	return relay.Config{RoomListInterval: 20 * time.Millisecond, StatsInterval: 20 * time.Millisecond}
}

func names(rooms []client.RoomListEntry) []string {
	var out []string
	for _, r := range rooms {
		out = append(out, r.Name)
	}
	return out
}

// nextUpdateWith waits for a room list update that mentions room.
func nextUpdateWith(p *player, room string) client.RoomListEntry {
	p.t.Helper()
	for {
		e := next[*client.RoomListEvent](p)
		for _, r := range e.Rooms {
			if e.Update && r.Name == room {
				return r
			}
		}
	}
}

func TestJoiningALobbyGivesTheRoomListThenItsChanges(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	host, watcher := connect(t, s, "host"), connect(t, s, "watcher")
	mustRoom(t)(host.CreateRoom(testContext(t), "docks", &client.RoomOptions{MaxPlayers: 4,
		Properties: map[string]any{"map": "docks", "secret": 1}, PropsListedInLobby: []string{"map"}}, nil))
	must(t, watcher.JoinLobby(testContext(t), client.Lobby{}))
	list := next[*client.RoomListEvent](watcher)
	want := []client.RoomListEntry{{Name: "docks", Open: true, Visible: true, Players: 1, MaxPlayers: 4, Properties: map[string]any{"map": "docks"}}}
	if list.Update || fmt.Sprint(list.Rooms) != fmt.Sprint(want) {
		t.Fatalf("room list %+v, want %+v (only listed properties)", list, want)
	}

	guest := connect(t, s, "guest")
	mustRoom(t)(guest.JoinRoom(testContext(t), "docks", nil))
	// The first update may repeat what the list said (updates are per lobby, and the
	// list came between two of them); a later one has the second player.
	for e := nextUpdateWith(watcher, "docks"); e.Players != 2; e = nextUpdateWith(watcher, "docks") {
		if e.Players != 1 {
			t.Fatalf("update after a join: %+v, want 1 then 2 players", e)
		}
	}
	must(t, guest.LeaveRoom(testContext(t), false))
	must(t, host.LeaveRoom(testContext(t), false)) // the room closes
	if e := nextUpdateWith(watcher, "docks"); !e.Removed {
		// A join-then-leave may arrive as one more update before the removal.
		if e = nextUpdateWith(watcher, "docks"); !e.Removed {
			t.Errorf("update after the room closed: %+v, want removed", e)
		}
	}
}

func TestRoomListsOrderJoinableFullClosedAndAreCapped(t *testing.T) {
	cfg := lobbyConfig()
	cfg.MaxRoomListEntries = 3
	s := startRelay(t, cfg)
	make := func(name string, max int, closed bool) *player {
		p := connect(t, s, name)
		mustRoom(t)(p.CreateRoom(testContext(t), name, &client.RoomOptions{MaxPlayers: max, Closed: closed}, nil))
		return p
	}
	make("closed", 4, true)
	make("full", 1, false)
	make("open1", 4, false)
	make("open2", 4, false)
	make("hidden", 4, false).SetRoomOptions(testContext(t), client.RoomChanges{Visible: ptr(false)})
	w := connect(t, s, "w")
	must(t, w.JoinLobby(testContext(t), client.Lobby{}))
	got := names(next[*client.RoomListEvent](w).Rooms)
	if want := []string{"open1", "open2", "full"}; !slices.Equal(got, want) {
		t.Fatalf("room list %v, want %v (joinable oldest first, then full, then closed; capped at 3; hidden never)", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestJoinRandomFillsTheOldestRoomFirst(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	for _, name := range []string{"old", "mid", "new"} {
		mustRoom(t)(connect(t, s, name).CreateRoom(testContext(t), name, &client.RoomOptions{MaxPlayers: 3}, nil))
	}
	var got []string
	for i := range 5 {
		r := mustRoom(t)(connect(t, s, fmt.Sprint("j", i)).JoinRandomRoom(testContext(t), nil, nil))
		got = append(got, r.Name)
	}
	if want := []string{"old", "old", "mid", "mid", "new"}; !slices.Equal(got, want) {
		t.Fatalf("fill-room joins went to %v, want %v", got, want)
	}
}

func TestSerialMatchingSpreadsPlayersAndRandomMatchingUsesAnyRoom(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	for _, name := range []string{"a", "b", "c"} {
		mustRoom(t)(connect(t, s, name).CreateRoom(testContext(t), name, &client.RoomOptions{MaxPlayers: 50}, nil))
	}
	count := func(mode protocol.MatchmakingMode, n int) map[string]int {
		got := map[string]int{}
		for i := range n {
			p := connect(t, s, fmt.Sprint(mode, "-", i))
			r := mustRoom(t)(p.JoinRandomRoom(testContext(t), &client.RandomOptions{Mode: mode}, nil))
			got[r.Name]++
			must(t, p.LeaveRoom(testContext(t), false))
		}
		return got
	}
	if got := count(protocol.SerialMatching, 6); got["a"] != 2 || got["b"] != 2 || got["c"] != 2 {
		t.Errorf("serial matching of 6 players over 3 rooms: %v, want 2 each", got)
	}
	// 30 random picks leave a room out with probability 3·(2/3)^30 < 1e-5.
	if got := count(protocol.RandomMatching, 30); len(got) != 3 {
		t.Errorf("random matching of 30 players: %v, want all 3 rooms used", got)
	}
}

func TestJoinRandomMatchesExpectedPropertiesAndMaxPlayers(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	create := func(name string, max int, props map[string]any) {
		mustRoom(t)(connect(t, s, name).CreateRoom(testContext(t), name, &client.RoomOptions{MaxPlayers: max,
			Properties: props, PropsListedInLobby: []string{"map", "mode"}}, nil))
	}
	create("docks4", 4, map[string]any{"map": "docks", "mode": int64(1)})
	create("docks8", 8, map[string]any{"map": "docks", "mode": int64(2)})
	create("desert", 8, map[string]any{"map": "desert", "hidden-key": "x"})
	tests := []struct {
		o    client.RandomOptions
		want string // "" for NoRandomMatchFound
	}{
		{client.RandomOptions{ExpectedProperties: map[string]any{"map": "docks"}}, "docks4"},
		{client.RandomOptions{ExpectedProperties: map[string]any{"map": "docks"}, MaxPlayers: 8}, "docks8"},
		{client.RandomOptions{ExpectedProperties: map[string]any{"mode": int64(2)}}, "docks8"},
		{client.RandomOptions{ExpectedProperties: map[string]any{"map": "desert"}}, "desert"},
		{client.RandomOptions{ExpectedProperties: map[string]any{"hidden-key": "x"}}, ""}, // not listed in the lobby
		{client.RandomOptions{ExpectedProperties: map[string]any{"map": "moon"}}, ""},
		{client.RandomOptions{MaxPlayers: 16}, ""},
		{client.RandomOptions{Lobby: client.Lobby{Name: "other"}}, ""},
	}
	for i, tt := range tests {
		p := connect(t, s, fmt.Sprint("p", i))
		r, err := p.JoinRandomRoom(testContext(t), &tt.o, nil)
		if tt.want == "" {
			wantCode(t, err, protocol.CodeNoRandomMatchFound)
			continue
		}
		if err != nil || r.Name != tt.want {
			t.Errorf("%+v: joined %v, %v; want %s", tt.o, r, err, tt.want)
			continue
		}
		must(t, p.LeaveRoom(testContext(t), false))
	}
}

func TestJoinRandomKeepsSlotsForExpectedUsers(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	host := connect(t, s, "host")
	mustRoom(t)(host.CreateRoom(testContext(t), "team", &client.RoomOptions{MaxPlayers: 4, PublishUserID: true}, nil))
	// A leader bringing two friends needs three free slots: there are three.
	leader := connect(t, s, "leader")
	mustRoom(t)(leader.JoinRandomRoom(testContext(t), nil, &client.JoinOptions{ExpectedUsers: []string{"f1", "f2"}}))
	// The room now holds two players and two reserved slots: a stranger does not fit.
	_, err := connect(t, s, "stranger").JoinRandomRoom(testContext(t), nil, nil)
	wantCode(t, err, protocol.CodeNoRandomMatchFound)
	// The friends do, joining by name after finding the leader.
	f1 := connect(t, s, "f1")
	friends, err := f1.FindFriends(testContext(t), []string{"leader", "nobody"})
	must(t, err)
	if friends[0].Room != "team" || !friends[0].Online || friends[1].Online {
		t.Fatalf("FindFriends: %+v, want leader online in team, nobody offline", friends)
	}
	mustRoom(t)(f1.JoinRoom(testContext(t), friends[0].Room, nil))
	// Creating a room whose expected users cannot fit is a slot error.
	_, err = connect(t, s, "big").JoinOrCreateRandomRoom(testContext(t), "", &client.RandomOptions{},
		&client.RoomOptions{MaxPlayers: 2}, &client.JoinOptions{ExpectedUsers: []string{"a", "b"}})
	wantCode(t, err, protocol.CodeSlotError)
}

func TestFindFriendsHidesRoomsThatDoNotPublishUserIDs(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	mustRoom(t)(connect(t, s, "shy").CreateRoom(testContext(t), "secret", nil, nil))
	got, err := connect(t, s, "asker").FindFriends(testContext(t), []string{"shy"})
	must(t, err)
	if !got[0].Online || got[0].Room != "" {
		t.Fatalf("FindFriends: %+v, want online with no room", got)
	}
}

func TestAsyncRandomLobbiesMatchRoomsWhosePlayersAreAway(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	for _, typ := range []protocol.LobbyType{protocol.LobbyDefault, protocol.LobbyAsyncRandom} {
		lobby := client.Lobby{Name: fmt.Sprint("turns", typ), Type: typ}
		p := connect(t, s, fmt.Sprint("starter", typ))
		mustRoom(t)(p.JoinOrCreateRandomRoom(testContext(t), "", &client.RandomOptions{Lobby: lobby},
			&client.RoomOptions{PlayerTTL: -1, EmptyRoomTTL: time.Minute}, nil))
		must(t, p.LeaveRoom(testContext(t), true)) // inactive, may come back
		_, err := connect(t, s, fmt.Sprint("next", typ)).JoinRandomRoom(testContext(t), &client.RandomOptions{Lobby: lobby}, nil)
		if typ == protocol.LobbyAsyncRandom && err != nil {
			t.Errorf("async-random lobby: %v, want the room of inactive players", err)
		}
		if typ == protocol.LobbyDefault {
			wantCode(t, err, protocol.CodeNoRandomMatchFound)
		}
	}
}

// A few hundred players doing join-or-create-random at once end up in as few rooms as
// fill-room implies, and no room ever holds more than its max players.
func TestConcurrentJoinOrCreateRandomFillsRooms(t *testing.T) {
	const players, max = 120, 8 // 120 DTLS handshakes stay quick under -race on 2 busy cores
	cfg := lobbyConfig()
	cfg.Transport.HandshakesPerIP = 10000 // every player dials from 127.0.0.1
	s := startRelay(t, cfg)
	dialStart := time.Now()
	ps := make([]*player, players)
	var dials sync.WaitGroup
	dialErrs := make(chan error, players)
	slots := make(chan struct{}, runtime.GOMAXPROCS(0)) // a handshake per core at a time
	for i := range ps {
		dials.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			var err error
			name := fmt.Sprint("p", i)
			ps[i], err = tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: name, Nickname: name,
				Auth: client.Auth{Type: auth.None}})
			dialErrs <- err
		})
	}
	dials.Wait()
	t.Logf("dialled %d in %v", players, time.Since(dialStart))
	close(dialErrs)
	for err := range dialErrs {
		must(t, err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, players)
	for _, p := range ps {
		wg.Go(func() {
			_, err := p.JoinOrCreateRandomRoom(testContext(t), "", &client.RandomOptions{},
				&client.RoomOptions{MaxPlayers: max}, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	t.Logf("%d concurrent join-or-create-random took %v", players, time.Since(start))
	for err := range errs {
		must(t, err)
	}
	rooms := s.Rooms()
	for _, r := range rooms {
		if r.Players > max {
			t.Errorf("room %s holds %d players, max %d", r.Name, r.Players, max)
		}
	}
	if want := players / max; len(rooms) != want {
		t.Errorf("%d players made %d rooms, want %d", players, len(rooms), want)
	}
}

func TestStatsReachClientsPeriodically(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	mustRoom(t)(connect(t, s, "in").CreateRoom(testContext(t), "r", nil, nil))
	out, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: "out", Nickname: "out",
		Auth: client.Auth{Type: auth.None}, LobbyStats: true})
	must(t, err)
	must(t, out.JoinLobby(testContext(t), client.Lobby{}))
	for {
		app := next[*client.AppStatsEvent](out)
		if *app == (client.AppStatsEvent{PlayersInRooms: 1, PlayersOutside: 1, Rooms: 1}) {
			break
		}
		t.Logf("app stats %+v (waiting for the counts to settle)", app)
	}
	// Stats of a tick before the JoinLobby may still be queued: wait for the counts
	// with the lobby's member (next fails the test if they never come).
	want := []client.LobbyStats{{Players: 2, Rooms: 1}} // the lobby's member and the room's player
	for {
		ls := next[*client.LobbyStatsEvent](out)
		if fmt.Sprint(ls.Lobbies) == fmt.Sprint(want) {
			break
		}
		t.Logf("lobby stats %+v (waiting for %+v)", ls.Lobbies, want)
	}
}

func TestAutoJoinLobbyAfterConnectingAndAfterLeaving(t *testing.T) {
	s := startRelay(t, lobbyConfig())
	mustRoom(t)(connect(t, s, "host").CreateRoom(testContext(t), "r1", nil, nil))
	p, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: "auto", Nickname: "auto",
		Auth: client.Auth{Type: auth.None}, AutoJoinLobby: true})
	must(t, err)
	if got := names(next[*client.RoomListEvent](p).Rooms); !slices.Equal(got, []string{"r1"}) {
		t.Fatalf("room list after connecting: %v, want [r1]", got)
	}
	mustRoom(t)(p.JoinRoom(testContext(t), "r1", nil))
	must(t, p.LeaveRoom(testContext(t), false))
	for {
		if e := next[*client.RoomListEvent](p); !e.Update {
			break // the full list again, after leaving
		}
	}
}
