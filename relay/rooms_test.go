package relay_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

func TestCreateJoinAndLeaveARoom(t *testing.T) {
	s := startRelay(t, relay.Config{})
	alice, bob, carol := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carol")
	ctx := testContext(t)

	r := mustRoom(t)(alice.CreateRoom(ctx, "arena", &client.RoomOptions{MaxPlayers: 4}, nil))
	if r.Name != "arena" || r.ActorNr != 1 || r.Master != 1 || !r.Created || !r.Open || !r.Visible {
		t.Fatalf("creator's room: %+v", r)
	}
	_, err := bob.CreateRoom(ctx, "arena", nil, nil)
	wantCode(t, err, protocol.CodeGameIDAlreadyExists)
	_, err = bob.JoinRoom(ctx, "nowhere", nil)
	wantCode(t, err, protocol.CodeGameDoesNotExist)

	r = mustRoom(t)(bob.JoinRoom(ctx, "arena", &client.JoinOptions{Properties: map[string]any{"team": "red"}}))
	if r.ActorNr != 2 || len(r.Actors) != 2 || r.MaxPlayers != 4 || r.Created {
		t.Fatalf("joiner's room: %+v", r)
	}
	j := next[*client.JoinEvent](alice)
	if j.Actor.Nr != 2 || j.Actor.Nickname != "bob" || j.Actor.Properties["team"] != "red" || !slices.Equal(j.Actors, []int{1, 2}) {
		t.Fatalf("join event: %+v", j)
	}
	_, err = bob.JoinRoom(ctx, "arena", nil)
	wantCode(t, err, protocol.CodeJoinFailedPeerAlreadyJoined)

	r = mustRoom(t)(carol.JoinOrCreateRoom(ctx, "arena", nil, nil))
	if r.Created || r.ActorNr != 3 {
		t.Fatalf("join-or-create of an existing room: created=%v actor=%d", r.Created, r.ActorNr)
	}
	must(t, bob.LeaveRoom(ctx, false))
	l := next[*client.LeaveEvent](alice)
	if l.Actor != 2 || l.Inactive || !slices.Equal(l.Actors, []int{1, 3}) {
		t.Fatalf("leave event: %+v", l)
	}
	if bob.Room() != nil {
		t.Fatal("bob still has a room after leaving")
	}
	// Actor numbers are never reused: bob comes back as 4.
	if r = mustRoom(t)(bob.JoinRoom(ctx, "arena", nil)); r.ActorNr != 4 {
		t.Fatalf("bob came back as actor %d, want 4", r.ActorNr)
	}
}

func TestAnEmptyNameGetsAUniqueRoomName(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a, b := connect(t, s, "a"), connect(t, s, "b")
	ra := mustRoom(t)(a.CreateRoom(testContext(t), "", nil, nil))
	rb := mustRoom(t)(b.CreateRoom(testContext(t), "", nil, nil))
	if len(ra.Name) != 32 || ra.Name == rb.Name {
		t.Fatalf("assigned names %q and %q, want two different 32-digit ids", ra.Name, rb.Name)
	}
}

func TestAppsAndVersionsAreSeparateWorlds(t *testing.T) {
	s := startRelay(t, relay.Config{})
	dial := func(app, version string) *player {
		p, err := tryConnect(t, s, &client.Options{AppID: app, AppVersion: version, Nickname: app + version, Auth: client.Auth{Type: auth.None}})
		must(t, err)
		return p
	}
	ctx := testContext(t)
	mustRoom(t)(dial("game", "1").CreateRoom(ctx, "lobby", nil, nil))
	_, err := dial("game", "2").JoinRoom(ctx, "lobby", nil)
	wantCode(t, err, protocol.CodeGameDoesNotExist)
	_, err = dial("other", "1").JoinRoom(ctx, "lobby", nil)
	wantCode(t, err, protocol.CodeGameDoesNotExist)
	mustRoom(t)(dial("game", "1").JoinRoom(ctx, "lobby", nil))
}

func TestRoomCapacity(t *testing.T) {
	tests := []struct {
		name     string
		opts     client.RoomOptions
		joiners  []string // in order; the last one's result is checked
		joinOpts *client.JoinOptions
		want     protocol.Code
	}{
		{"full", client.RoomOptions{MaxPlayers: 2}, []string{"b", "c"}, nil, protocol.CodeGameFull},
		{"closed", client.RoomOptions{Closed: true}, []string{"b"}, nil, protocol.CodeGameClosed},
		{"slot kept for an expected user", client.RoomOptions{MaxPlayers: 2, ExpectedUsers: []string{"b"}}, []string{"c"}, nil, protocol.CodeGameFull},
		{"expected user takes their slot", client.RoomOptions{MaxPlayers: 2, ExpectedUsers: []string{"b"}}, []string{"b"}, nil, protocol.OK},
		{"a second connection of an expected user needs a slot", client.RoomOptions{MaxPlayers: 2, ExpectedUsers: []string{"b"}},
			[]string{"b", "b"}, nil, protocol.CodeGameFull},
		{"expected users named twice count once", client.RoomOptions{MaxPlayers: 3}, []string{"b"},
			&client.JoinOptions{ExpectedUsers: []string{"c", "c"}}, protocol.OK},
		{"expected users that do not fit", client.RoomOptions{MaxPlayers: 3}, []string{"b"},
			&client.JoinOptions{ExpectedUsers: []string{"c", "d"}}, protocol.CodeSlotError},
		{"expected users that fit", client.RoomOptions{MaxPlayers: 4}, []string{"b"},
			&client.JoinOptions{ExpectedUsers: []string{"c", "d"}}, protocol.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startRelay(t, relay.Config{})
			mustRoom(t)(connect(t, s, "a").CreateRoom(testContext(t), "r", &tt.opts, nil))
			var err error
			for _, name := range tt.joiners {
				_, err = connect(t, s, name).JoinRoom(testContext(t), "r", tt.joinOpts)
			}
			if tt.want == protocol.OK {
				must(t, err)
			} else {
				wantCode(t, err, tt.want)
			}
		})
	}
}

func TestCheckUserOnJoinRefusesASecondSession(t *testing.T) {
	s := startRelay(t, relay.Config{})
	mustRoom(t)(connect(t, s, "a").CreateRoom(testContext(t), "r", &client.RoomOptions{CheckUserOnJoin: true}, nil))
	_, err := connect(t, s, "a").JoinRoom(testContext(t), "r", nil)
	wantCode(t, err, protocol.CodeJoinFailedFoundActiveJoiner)
}

func TestRejoinWithinThePlayerTTLRestoresTheActor(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host, guest := connect(t, s, "host"), connect(t, s, "guest")
	mustRoom(t)(host.CreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: time.Minute}, nil))
	mustRoom(t)(guest.JoinRoom(ctx, "r", &client.JoinOptions{Properties: map[string]any{"hp": 7}}))
	must(t, guest.LeaveRoom(ctx, true))
	if l := next[*client.LeaveEvent](host); l.Actor != 2 || !l.Inactive {
		t.Fatalf("leave with will-come-back: %+v, want actor 2 inactive", l)
	}
	if a := host.Room().Actors[2]; a == nil || !a.Inactive {
		t.Fatalf("host's view of the inactive guest: %+v", a)
	}
	r := mustRoom(t)(guest.RejoinRoom(ctx, "r"))
	if r.ActorNr != 2 || r.Actors[2].Properties["hp"] != int64(7) {
		t.Fatalf("rejoined as actor %d with %v, want 2 with hp 7", r.ActorNr, r.Actors[2].Properties)
	}
	if j := next[*client.JoinEvent](host); j.Actor.Nr != 2 {
		t.Fatalf("rejoin event for actor %d, want 2", j.Actor.Nr)
	}
}

func TestRejoinAfterThePlayerTTLFails(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host, guest := connect(t, s, "host"), connect(t, s, "guest")
	mustRoom(t)(host.CreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: 100 * time.Millisecond}, nil))
	mustRoom(t)(guest.JoinRoom(ctx, "r", nil))
	must(t, guest.LeaveRoom(ctx, true))
	if l := next[*client.LeaveEvent](host); !l.Inactive {
		t.Fatalf("first leave event: %+v, want inactive", l)
	}
	if l := next[*client.LeaveEvent](host); l.Actor != 2 || l.Inactive {
		t.Fatalf("after the TTL: %+v, want actor 2 gone", l)
	}
	_, err := guest.RejoinRoom(ctx, "r")
	wantCode(t, err, protocol.CodeJoinFailedRejoinerNotFound)
}

func TestALostConnectionLeavesTheActorInactive(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host, guest := connect(t, s, "host"), connect(t, s, "guest")
	mustRoom(t)(host.CreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: time.Minute}, nil))
	mustRoom(t)(guest.JoinRoom(ctx, "r", nil))
	guest.Close()
	if l := next[*client.LeaveEvent](host); l.Actor != 2 || !l.Inactive {
		t.Fatalf("after the guest's connection closed: %+v, want actor 2 inactive", l)
	}
	again := connect(t, s, "guest")
	if r := mustRoom(t)(again.RejoinRoom(ctx, "r")); r.ActorNr != 2 {
		t.Fatalf("rejoined over a new connection as actor %d, want 2", r.ActorNr)
	}
}

func TestEmptyRoomTTL(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	a, b := connect(t, s, "a"), connect(t, s, "b")
	mustRoom(t)(a.CreateRoom(ctx, "kept", &client.RoomOptions{EmptyRoomTTL: time.Minute}, nil))
	must(t, a.LeaveRoom(ctx, false))
	mustRoom(t)(b.JoinRoom(ctx, "kept", nil)) // still there while empty

	mustRoom(t)(a.CreateRoom(ctx, "brief", &client.RoomOptions{EmptyRoomTTL: 50 * time.Millisecond}, nil))
	must(t, a.LeaveRoom(ctx, false))
	deadline := time.Now().Add(testTimeout)
	for len(roomsNamed(s, "brief")) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	_, err := b.JoinRoom(ctx, "brief", nil)
	wantCode(t, err, protocol.CodeJoinFailedPeerAlreadyJoined) // b is still in "kept"
	must(t, b.LeaveRoom(ctx, false))
	_, err = b.JoinRoom(ctx, "brief", nil)
	wantCode(t, err, protocol.CodeGameDoesNotExist)

	mustRoom(t)(a.CreateRoom(ctx, "gone", nil, nil)) // empty-room TTL 0: gone at once
	must(t, a.LeaveRoom(ctx, false))
	_, err = b.JoinRoom(ctx, "gone", nil)
	wantCode(t, err, protocol.CodeGameDoesNotExist)
}

func roomsNamed(s *relay.Server, name string) []relay.RoomInfo {
	var out []relay.RoomInfo
	for _, r := range s.Rooms() {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

func TestMasterClient(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	a, b, c := connect(t, s, "a"), connect(t, s, "b"), connect(t, s, "c")
	mustRoom(t)(a.CreateRoom(ctx, "r", nil, nil))
	mustRoom(t)(b.JoinRoom(ctx, "r", nil))
	mustRoom(t)(c.JoinRoom(ctx, "r", nil))

	must(t, a.LeaveRoom(ctx, false)) // the master leaves: the lowest active actor takes over
	for _, p := range []*player{b, c} {
		if m := next[*client.MasterClientChangedEvent](p); m.Master != 2 || m.Previous != 1 {
			t.Fatalf("%s: master change %+v, want 1 → 2", p.name, m)
		}
	}
	wantCode(t, c.SetMasterClient(ctx, 3, 1), protocol.CodeInvalidOperation) // CAS on a stale master
	must(t, c.SetMasterClient(ctx, 3, 2))
	for _, p := range []*player{b, c} {
		if m := next[*client.MasterClientChangedEvent](p); m.Master != 3 {
			t.Fatalf("%s: hand-over %+v, want master 3", p.name, m)
		}
	}
	if b.Room().Master != 3 {
		t.Fatalf("b's room says master %d, want 3", b.Room().Master)
	}
}

func TestReconnectAndRejoinAfterTheConnectionIsLost(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host, guest := connect(t, s, "host"), connect(t, s, "guest")
	mustRoom(t)(host.CreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: time.Minute}, nil))
	mustRoom(t)(guest.JoinRoom(ctx, "r", &client.JoinOptions{Properties: map[string]any{"skin": "blue"}}))
	guest.Close() // the connection is lost
	if l := next[*client.LeaveEvent](host); !l.Inactive {
		t.Fatalf("leave %+v, want inactive", l)
	}
	again, r, err := guest.ReconnectAndRejoin(ctx, s.Addr().String())
	must(t, err)
	t.Cleanup(func() { again.Close() })
	if r == nil || r.ActorNr != 2 || r.Actors[2].Properties["skin"] != "blue" {
		t.Fatalf("rejoined room %+v, want actor 2 with its properties", r)
	}
	if j := next[*client.JoinEvent](host); j.Actor.Nr != 2 {
		t.Fatalf("host saw actor %d come back, want 2", j.Actor.Nr)
	}
}

func TestAJoinTooLargeForTheJoinersMessageSizeFailsCleanly(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host := connect(t, s, "host")
	big := map[string]any{"map": strings.Repeat("m", 3000)}
	mustRoom(t)(host.CreateRoom(ctx, "r", &client.RoomOptions{Properties: big}, nil))
	small, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", Nickname: "small",
		Auth: client.Auth{Type: auth.None}, Transport: transport.DialConfig{Config: transport.Config{MaxMessageSize: 2048}}})
	must(t, err)
	_, err = small.JoinRoom(ctx, "r", nil)
	wantCode(t, err, protocol.CodeTooLarge)
	if small.Room() != nil {
		t.Fatal("the refused joiner thinks it is in the room")
	}
	mustRoom(t)(connect(t, s, "next").JoinRoom(ctx, "r", nil))
	if j := next[*client.JoinEvent](host); j.Actor.Nickname != "next" {
		t.Fatalf("host saw %q join, want only next", j.Actor.Nickname)
	}
	if got := roomsNamed(s, "r"); len(got) != 1 || got[0].Players != 2 {
		t.Fatalf("room after the refused join: %+v, want host and next", got)
	}
}
