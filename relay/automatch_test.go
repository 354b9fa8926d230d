package relay_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// matchRequest sends a match request (auto-matching, no name, no invitees).
func matchRequest(t *testing.T, p *player, a client.AutoMatch) *client.Room {
	t.Helper()
	return mustRoom(t)(p.CreateRoom(testContext(t), "", &client.RoomOptions{AutoMatch: &a}, nil))
}

func TestAutoMatchPairs(t *testing.T) {
	s := startRelay(t, relay.Config{})
	for _, tt := range []struct {
		name     string
		a, b     client.AutoMatch
		sameRoom bool
	}{
		{"same criteria", client.AutoMatch{Min: 1, Max: 1}, client.AutoMatch{Min: 1, Max: 1}, true},
		{"disjoint masks", client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1, Variant: 2}, client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 2, Variant: 2}, true},
		{"same mask", client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1, Variant: 3}, client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1, Variant: 3}, false},
		{"other variant", client.AutoMatch{Min: 1, Max: 1, Variant: 4}, client.AutoMatch{Min: 1, Max: 1, Variant: 5}, false},
		{"other max", client.AutoMatch{Min: 1, Max: 2, Variant: 6}, client.AutoMatch{Min: 1, Max: 1, Variant: 6}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p1, p2 := connect(t, s, "a-"+tt.name), connect(t, s, "b-"+tt.name)
			r1 := matchRequest(t, p1, tt.a)
			if !r1.Created || r1.Status.Status != protocol.RoomAutoMatching {
				t.Fatalf("first request: created %v, status %s; want a new ROOM_AUTO_MATCHING room", r1.Created, r1.Status.Status)
			}
			r2 := matchRequest(t, p2, tt.b)
			if got := r1.Name == r2.Name; got != tt.sameRoom {
				t.Fatalf("same room: got %v, want %v", got, tt.sameRoom)
			}
			if !tt.sameRoom {
				return
			}
			if r2.Created || r2.Status.Status != protocol.RoomConnecting {
				t.Errorf("second request: created %v, status %s; want joined, ROOM_CONNECTING", r2.Created, r2.Status.Status)
			}
			me := r2.Status.Participant(r2.ActorNr)
			if me == nil || !me.AutoMatched || me.UserID != "" {
				t.Errorf("auto-matched participant %+v: want autoMatched, no user id", me)
			}
		})
	}
}

func TestAutoMatchConcurrent(t *testing.T) {
	s := startRelay(t, relay.Config{})
	const n = 40
	players := make([]*player, n)
	for i := range players {
		players[i] = connect(t, s, fmt.Sprintf("p%02d", i))
	}
	rooms := make([]string, n)
	var wg sync.WaitGroup
	for i, p := range players {
		wg.Go(func() {
			r, err := p.CreateRoom(testContext(t), "", &client.RoomOptions{AutoMatch: &client.AutoMatch{Min: 3, Max: 3}}, nil)
			if err != nil {
				t.Errorf("%s: %v", p.name, err)
				return
			}
			rooms[i] = r.Name
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, r := range rooms {
		count[r]++
	}
	if len(count) != n/4 {
		t.Errorf("%d rooms, want %d: %v", len(count), n/4, count)
	}
	for name, c := range count {
		if c != 4 {
			t.Errorf("room %s has %d players, want 4", name, c)
		}
	}
}

func TestAutoMatchWaitEstimate(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a := client.AutoMatch{Min: 1, Max: 1, Variant: 9}
	first := matchRequest(t, connect(t, s, "p1"), a)
	if first.Status.WaitEstimate != 0 {
		t.Errorf("no history: wait estimate %v, want 0", first.Status.WaitEstimate)
	}
	matchRequest(t, connect(t, s, "p2"), a) // fills the first room
	third := matchRequest(t, connect(t, s, "p3"), a)
	if !third.Created || third.Status.WaitEstimate <= 0 {
		t.Errorf("with history: created %v, wait estimate %v; want a new room with an estimate", third.Created, third.Status.WaitEstimate)
	}
}

// TestRoomStatusLifecycle: an invitee and one auto-matched player: ROOM_INVITING →
// ROOM_AUTO_MATCHING → ROOM_CONNECTING → ROOM_ACTIVE (mutual reports) → back to
// ROOM_CONNECTING (a dropped peer) → ROOM_ACTIVE; leave reasons.
func TestRoomStatusLifecycle(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice, bob, carl := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carl")
	r := mustRoom(t)(alice.CreateRoom(ctx, "life", &client.RoomOptions{Invitees: []string{"bob"},
		AutoMatch: &client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1}, PlayerTTL: -1}, nil))
	versions := []int{r.Status.Version}
	step := func(p *player, want protocol.RoomStatus) *client.RoomStatus {
		t.Helper()
		st := statusUntil(p, want)
		if st.Version <= versions[len(versions)-1] {
			t.Fatalf("%s: version %d after %v, want rising", want, st.Version, versions)
		}
		versions = append(versions, st.Version)
		return st
	}
	if r.Status.Status != protocol.RoomInviting || r.MaxPlayers != 3 {
		t.Fatalf("created: %s, %d players; want ROOM_INVITING, 3", r.Status.Status, r.MaxPlayers)
	}
	mustRoom(t)(bob.JoinRoom(ctx, "life", nil))
	step(alice, protocol.RoomAutoMatching)
	// A mask that overlaps alice's does not match; carl's does.
	other := matchRequest(t, connect(t, s, "dan"), client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1})
	if other.Name == "life" {
		t.Fatal("an overlapping mask was matched")
	}
	cr := matchRequest(t, carl, client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 2})
	if cr.Name != "life" {
		t.Fatalf("carl went to %s, want life", cr.Name)
	}
	step(alice, protocol.RoomConnecting)
	report := func(p *player, actors ...int) { t.Helper(); must(t, p.ReportPeerStatus(ctx, "", actors)) }
	report(alice, 2, 3)
	report(bob, 1, 3)
	report(carl, 1, 2)
	st := step(alice, protocol.RoomActive)
	for _, p := range st.Participants {
		if !p.Connected {
			t.Errorf("active room: %s not connected", p.ID)
		}
	}
	report(carl, 1) // carl lost bob
	st = step(alice, protocol.RoomConnecting)
	if st.Participant(3).Connected || st.Participant(2).Connected || !st.Participant(1).Connected {
		t.Errorf("after carl dropped bob: %+v", st.Participants)
	}
	// Carl leaves with a reason; bob's connection dies (PRESENCE_FAILURE, via inactive).
	must(t, carl.LeaveRoomWithReason(ctx, false, protocol.LeaveGameLeft))
	st = next[*client.RoomStatusEvent](alice).Status
	if p := st.Participant(3); p.Status != protocol.ParticipantLeft || p.LeaveReason != protocol.LeaveGameLeft {
		t.Errorf("carl after leaving: %+v", p)
	}
	if st.Status != protocol.RoomAutoMatching {
		t.Errorf("an auto-matched player left: %s, want ROOM_AUTO_MATCHING", st.Status)
	}
	bob.Close()
	st = next[*client.RoomStatusEvent](alice).Status
	if p := st.Participant(2); p.Status != protocol.ParticipantJoined || !p.Inactive || p.Connected {
		t.Errorf("bob after his connection closed (player TTL forever): %+v, want JOINED, inactive", p)
	}
	must(t, alice.LeaveRoom(ctx, false))
	if got, err := connect(t, s, "dan2").GetRoomStatus(ctx, "life"); err == nil {
		t.Errorf("a stranger read the status: %+v", got)
	}
}

func TestLeaveReasonDisconnect(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice, bob := connect(t, s, "alice"), connect(t, s, "bob")
	mustRoom(t)(alice.CreateRoom(ctx, "r", &client.RoomOptions{Invitees: []string{"bob"}}, nil))
	br := mustRoom(t)(bob.JoinRoom(ctx, "r", nil))
	next[*client.RoomStatusEvent](alice)
	bob.Close()
	st := next[*client.RoomStatusEvent](alice).Status
	if p := st.Participant(br.ActorNr); p.Status != protocol.ParticipantLeft || p.LeaveReason != protocol.LeavePresenceFailure {
		t.Errorf("bob after his connection closed: %+v, want LEFT, PRESENCE_FAILURE", p)
	}
	got, err := connect(t, s, "bob").GetRoomStatus(ctx, "r")
	must(t, err) // a participant who left may still read it
	if got.Version != st.Version {
		t.Errorf("GetRoomStatus version %d, want %d", got.Version, st.Version)
	}
}

// A player who left an auto-matching room and comes back with a new match request
// gets its record back with the new request's mask and as auto-matched: the masks of
// later requests are checked against it.
func TestAutoMatchRejoinTakesNewMask(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	crit := func(mask int64) client.AutoMatch {
		return client.AutoMatch{Min: 2, Max: 2, ExclusiveBitmask: mask, Variant: 31}
	}
	alice, bob, carl := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carl")
	r := matchRequest(t, alice, crit(1))
	if br := matchRequest(t, bob, crit(2)); br.Name != r.Name {
		t.Fatalf("bob went to %s, want %s", br.Name, r.Name)
	}
	must(t, bob.LeaveRoom(ctx, false))
	br := matchRequest(t, bob, crit(4))
	if br.Name != r.Name {
		t.Fatalf("bob's second request went to %s, want %s", br.Name, r.Name)
	}
	if me := br.Status.Participant(br.ActorNr); me == nil || !me.AutoMatched || me.Status != protocol.ParticipantJoined {
		t.Errorf("bob's record after his second match: %+v, want JOINED, auto-matched", me)
	}
	if cr := matchRequest(t, carl, crit(4)); cr.Name == r.Name {
		t.Errorf("carl's mask 4 was matched with bob's mask 4")
	}
}

// An invitee who declined and then sends a match request that lands in the room is
// auto-matched: it counts towards min and its mask is the room's to honour.
func TestAutoMatchDeclinedInviteeMatched(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	a := client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 1, Variant: 32}
	alice, bob := connect(t, s, "alice"), connect(t, s, "bob")
	mustRoom(t)(alice.CreateRoom(ctx, "inv", &client.RoomOptions{Invitees: []string{"bob"},
		AutoMatch: &client.AutoMatch{Min: 1, Max: 1, ExclusiveBitmask: 2, Variant: 32}}, nil))
	must(t, bob.DeclineInvitation(ctx, "inv"))
	br := matchRequest(t, bob, a)
	if br.Name != "inv" {
		t.Fatalf("bob went to %s, want inv", br.Name)
	}
	if br.Status.Status != protocol.RoomConnecting {
		t.Errorf("bob auto-matched into the room: %s, want ROOM_CONNECTING", br.Status.Status)
	}
	if cr := matchRequest(t, connect(t, s, "carl"), a); cr.Name == "inv" {
		t.Errorf("carl was matched into a room that had its auto-matched player")
	}
}

// A room is in its auto-match queue only while it can take a match request: closing
// it (IsOpen false) or filling it with joins by name takes it out, reopening it or a
// free slot puts it back, and a room that closes leaves it.
func TestAutoMatchQueueFollowsRoom(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	queued := func(want int) {
		t.Helper()
		if got := s.QueuedRooms("game", "1"); got != want {
			t.Fatalf("queued rooms: got %d, want %d", got, want)
		}
	}
	alice, bob, carl := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carl")
	a := client.AutoMatch{Min: 2, Max: 2, Variant: 33} // 3 slots
	r := matchRequest(t, alice, a)
	queued(1)
	closed, open := false, true
	must(t, alice.SetRoomOptions(ctx, client.RoomChanges{Open: &closed}))
	queued(0)
	if st := statusUntil(alice, protocol.RoomAutoMatching); st.WaitEstimate != 0 {
		t.Errorf("closed room: wait estimate %v", st.WaitEstimate)
	}
	must(t, alice.SetRoomOptions(ctx, client.RoomChanges{Open: &open}))
	queued(1)
	mustRoom(t)(bob.JoinRoom(ctx, r.Name, nil))
	mustRoom(t)(carl.JoinRoom(ctx, r.Name, nil))
	queued(0) // full: 3 of 3, still waiting for auto-matched players
	if dr := matchRequest(t, connect(t, s, "dan"), a); dr.Name == r.Name {
		t.Fatal("a match request joined a full room")
	}
	queued(1) // dan's
	must(t, carl.LeaveRoom(ctx, false))
	queued(2)
	for _, p := range []*player{alice, bob} {
		must(t, p.LeaveRoom(ctx, false))
	}
	queued(1)
}

// A queued room that refuses a match request for a reason of its own (here: the user
// is inactive in it and the room checks user ids) is skipped, not the request's answer.
func TestAutoMatchSkipsRoomThatRefusesUser(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	a := client.AutoMatch{Min: 2, Max: 2, Variant: 34}
	alice, bob := connect(t, s, "alice"), connect(t, s, "bob")
	r := mustRoom(t)(alice.CreateRoom(ctx, "", &client.RoomOptions{AutoMatch: &a, CheckUserOnJoin: true, PlayerTTL: -1}, nil))
	if br := matchRequest(t, bob, a); br.Name != r.Name {
		t.Fatalf("bob went to %s, want %s", br.Name, r.Name)
	}
	must(t, bob.LeaveRoom(ctx, true)) // inactive in r, which still auto-matches
	br, err := bob.CreateRoom(ctx, "", &client.RoomOptions{AutoMatch: &a}, nil)
	if err != nil {
		t.Fatalf("bob's second match request: %v, want another room", err)
	}
	if br.Name == r.Name || !br.Created {
		t.Errorf("bob's second match request: room %s, created %v; want a new room", br.Name, br.Created)
	}
}
