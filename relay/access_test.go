package relay_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// joinAsync runs a JoinRoom that may wait for an approval; its result arrives on the channel.
func joinAsync(p *player, name string, jo *client.JoinOptions) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := p.JoinRoom(testContext(p.t), name, jo)
		done <- err
	}()
	return done
}

func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(testTimeout):
		t.Fatal("the join did not end")
		return nil
	}
}

func TestPrivateRoomNeedsItsKey(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, guest, watcher := connect(t, s, "owner"), connect(t, s, "guest"), connect(t, s, "watcher")
	ctx := testContext(t)
	r := mustRoom(t)(owner.CreateRoom(ctx, "secret", &client.RoomOptions{Access: protocol.AccessPrivate}, &client.JoinOptions{Key: "k1"}))
	if r.Key != "k1" || r.UserType != protocol.UserOwner || r.Access != protocol.AccessPrivate {
		t.Fatalf("owner's room: key %q type %d access %d, want k1, owner, private", r.Key, r.UserType, r.Access)
	}
	_, err := guest.JoinRoom(ctx, "secret", nil)
	wantCode(t, err, protocol.CodeWrongRoomKey)
	_, err = guest.JoinRoom(ctx, "secret", &client.JoinOptions{Key: "k2"})
	wantCode(t, err, protocol.CodeWrongRoomKey)
	g := mustRoom(t)(guest.JoinRoom(ctx, "secret", &client.JoinOptions{Key: "k1"}))
	if g.Key != "" || g.UserType != protocol.UserMember {
		t.Fatalf("member sees key %q type %d, want none, user", g.Key, g.UserType)
	}
	if g.Actors[1].UserType != protocol.UserOwner {
		t.Fatalf("actor 1's type %d, want owner", g.Actors[1].UserType)
	}
	must(t, watcher.JoinLobby(ctx, client.Lobby{}))
	if l := next[*client.RoomListEvent](watcher); len(l.Rooms) != 0 {
		t.Fatalf("lobby lists %v, want no private room", l.Rooms)
	}
	page, err := watcher.SearchRooms(ctx, &client.RoomSearch{})
	must(t, err)
	if len(page.Rooms) != 0 {
		t.Fatalf("search finds %v, want no private room", page.Rooms)
	}
}

func TestPrivateRoomWithoutKeyGetsARandomOne(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner := connect(t, s, "owner")
	r := mustRoom(t)(owner.CreateRoom(testContext(t), "p", &client.RoomOptions{Access: protocol.AccessPrivate}, nil))
	if len(r.Key) < 16 {
		t.Fatalf("key %q, want a random one", r.Key)
	}
	_, err := owner.CreateRoom(testContext(t), "q", &client.RoomOptions{}, &client.JoinOptions{Key: "x"})
	wantCode(t, err, protocol.CodeInvalidRequest)
}

func TestFriendsRoomByAdminList(t *testing.T) {
	s := startRelay(t, relay.Config{})
	must(t, s.SetFriends("game", "owner", []string{"friend"}))
	owner, friend, stranger := connect(t, s, "owner"), connect(t, s, "friend"), connect(t, s, "stranger")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "club", &client.RoomOptions{Access: protocol.AccessFriends, Tags: []string{"x"}}, nil))
	_, err := stranger.JoinRoom(ctx, "club", nil)
	wantCode(t, err, protocol.CodeNotAFriend)
	page, err := stranger.SearchRooms(ctx, &client.RoomSearch{})
	must(t, err)
	if len(page.Rooms) != 0 {
		t.Fatalf("a stranger finds %v, want nothing", page.Rooms)
	}
	page, err = friend.SearchRooms(ctx, &client.RoomSearch{Tags: []string{"x"}})
	must(t, err)
	if len(page.Rooms) != 1 || page.Rooms[0].Name != "club" || page.Rooms[0].Access != protocol.AccessFriends {
		t.Fatalf("a friend finds %+v, want club", page.Rooms)
	}
	mustRoom(t)(friend.JoinRoom(ctx, "club", nil))
	if l, ok := s.Friends("game", "owner"); !ok || !slices.Equal(l, []string{"friend"}) {
		t.Fatalf("Friends = %v %v", l, ok)
	}
}

// friendsWebhook is a friends webhook (a real HTTP server) whose only list is
// owner's, naming friend (for app "game"). It counts its calls and fails while down.
type friendsWebhook struct {
	url   string
	calls atomic.Int32
	down  atomic.Bool
}

func newFriendsWebhook(t *testing.T) *friendsWebhook {
	t.Helper()
	fw := &friendsWebhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fw.calls.Add(1)
		if fw.down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		var req struct{ AppId, AppVersion, UserId string }
		json.NewDecoder(r.Body).Decode(&req)
		friends := []string{}
		if req.UserId == "owner" && req.AppId == "game" {
			friends = []string{"friend"}
		}
		json.NewEncoder(w).Encode(map[string]any{"ResultCode": 0, "Friends": friends})
	}))
	t.Cleanup(srv.Close)
	fw.url = srv.URL
	return fw
}

func TestFriendsRoomByWebhook(t *testing.T) {
	fw := newFriendsWebhook(t)
	s := startRelay(t, relay.Config{Friends: &relay.FriendsConfig{URL: fw.url, CacheTTL: time.Hour}})
	owner, friend, stranger := connect(t, s, "owner"), connect(t, s, "friend"), connect(t, s, "stranger")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "club", &client.RoomOptions{Access: protocol.AccessFriends}, nil))
	mustRoom(t)(friend.JoinRoom(ctx, "club", nil))
	_, err := stranger.JoinRoom(ctx, "club", nil)
	wantCode(t, err, protocol.CodeNotAFriend)
	if n := fw.calls.Load(); n != 1 {
		t.Fatalf("%d webhook calls, want 1 (then the cache)", n)
	}

	other := connect(t, s, "other")
	mustRoom(t)(other.CreateRoom(ctx, "club2", &client.RoomOptions{Access: protocol.AccessFriends}, nil))
	fw.down.Store(true)
	_, err = stranger.JoinRoom(ctx, "club2", nil)
	wantCode(t, err, protocol.CodeFriendsUnavailable)
}

func TestJoinApproval(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, a, b := connect(t, s, "owner"), connect(t, s, "alice"), connect(t, s, "bob")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true, MaxPlayers: 3}, nil))

	done := joinAsync(a, "gated", nil)
	if p := next[*client.JoinPendingEvent](a); p.Room != "gated" {
		t.Fatalf("pending for %q", p.Room)
	}
	req := next[*client.JoinRequestEvent](owner)
	if req.UserID != "alice" || req.UserType != protocol.UserMember {
		t.Fatalf("request %+v", req)
	}
	must(t, owner.ApproveJoin(ctx, "alice", true, 0))
	must(t, waitErr(t, done))
	if d := next[*client.JoinDecisionEvent](owner); !d.Approved || d.By != 1 || d.Outcome != "approved" {
		t.Fatalf("decision %+v", d)
	}
	if r := a.Room(); r == nil || r.Name != "gated" || r.UserType != protocol.UserMember {
		t.Fatalf("alice's room %+v", r)
	}

	done = joinAsync(b, "gated", nil)
	next[*client.JoinRequestEvent](owner)
	must(t, owner.ApproveJoin(ctx, "bob", false, 0))
	wantCode(t, waitErr(t, done), protocol.CodeJoinRejected)
	wantCode(t, owner.ApproveJoin(ctx, "bob", true, 0), protocol.CodeNoSuchRequest)
}

func TestJoinApprovalTimesOutAndWithdraws(t *testing.T) {
	s := startRelay(t, relay.Config{JoinApprovalTimeout: 300 * time.Millisecond})
	owner, a := connect(t, s, "owner"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true}, nil))
	wantCode(t, waitErr(t, joinAsync(a, "gated", nil)), protocol.CodeApprovalTimeout)
	if d := next[*client.JoinDecisionEvent](owner); d.Outcome != "timeout" {
		t.Fatalf("decision %+v, want timeout", d)
	}

	// The withdrawal runs on a relay without the short timeout: under load carol's
	// request could otherwise time out before her connection's end reaches the relay.
	s2 := startRelay(t, relay.Config{})
	owner = connect(t, s2, "owner")
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true}, nil))
	c := connect(t, s2, "carol")
	joinAsync(c, "gated", nil)
	next[*client.JoinPendingEvent](c)
	c.Close()
	if d := next[*client.JoinDecisionEvent](owner); d.Outcome != "withdrawn" || d.UserID != "carol" {
		t.Fatalf("decision %+v, want carol withdrawn", d)
	}
	reqs, err := owner.ListJoinRequests(ctx)
	must(t, err)
	if len(reqs) != 0 {
		t.Fatalf("requests %v, want none", reqs)
	}
}

func TestModeratorsApproveUsersOnly(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, mod, u, m2 := connect(t, s, "owner"), connect(t, s, "mod"), connect(t, s, "user"), connect(t, s, "m2")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "r", &client.RoomOptions{JoinApproval: true, MaxPlayers: 3}, nil))
	done := joinAsync(mod, "r", &client.JoinOptions{UserType: protocol.UserModerator})
	next[*client.JoinRequestEvent](owner)
	must(t, owner.ApproveJoin(ctx, "mod", true, 0))
	must(t, waitErr(t, done))
	if r := mod.Room(); r.UserType != protocol.UserModerator {
		t.Fatalf("mod's type %d", r.UserType)
	}
	// A moderator asking later sees requests made before it joined.
	doneU := joinAsync(u, "r", nil)
	doneM := joinAsync(m2, "r", &client.JoinOptions{UserType: protocol.UserModerator})
	next[*client.JoinPendingEvent](u)
	next[*client.JoinPendingEvent](m2)
	reqs, err := mod.ListJoinRequests(ctx)
	must(t, err)
	if len(reqs) != 1 || reqs[0].UserID != "user" {
		t.Fatalf("moderator's requests %+v, want user's only", reqs)
	}
	wantCode(t, mod.ApproveJoin(ctx, "m2", true, 0), protocol.CodeNotPermitted)
	must(t, mod.ApproveJoin(ctx, "user", true, 0))
	must(t, waitErr(t, doneU))
	// The room is full now: an approved join still fails on capacity.
	must(t, owner.ApproveJoin(ctx, "m2", true, protocol.UserMember))
	wantCode(t, waitErr(t, doneM), protocol.CodeGameFull)
}

func TestUserTypesAndMetas(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, a, b := connect(t, s, "owner"), connect(t, s, "alice"), connect(t, s, "bob")
	ctx := testContext(t)
	metas := []client.Meta{{Key: "pub", Value: "p"}, {Key: "mod", Value: int64(2), Level: protocol.UserModerator},
		{Key: "own", Value: true, Level: protocol.UserOwner}}
	r := mustRoom(t)(owner.CreateRoom(ctx, "typed", &client.RoomOptions{Metas: metas, Description: "d", Tags: []string{"t", "t"}}, nil))
	if len(r.Metas) != 3 || r.Description != "d" || !slices.Equal(r.Tags, []string{"t"}) {
		t.Fatalf("owner's room: metas %v description %q tags %v", r.Metas, r.Description, r.Tags)
	}
	ra := mustRoom(t)(a.JoinRoom(ctx, "typed", nil))
	if len(ra.Metas) != 1 || ra.Metas[0].Key != "pub" {
		t.Fatalf("a member's metas %v, want pub only", ra.Metas)
	}
	mustRoom(t)(b.JoinRoom(ctx, "typed", nil))
	wantCode(t, a.SetUserType(ctx, 3, protocol.UserModerator), protocol.CodeNotPermitted)
	must(t, owner.SetUserType(ctx, 2, protocol.UserModerator))
	if e := next[*client.UserTypeChangedEvent](a); e.Actor != 2 || e.UserType != protocol.UserModerator {
		t.Fatalf("event %+v", e)
	}
	if r := a.Room(); r.UserType != protocol.UserModerator || len(r.Metas) != 2 {
		t.Fatalf("after promotion: type %d metas %v", r.UserType, r.Metas)
	}
	if e := next[*client.UserTypeChangedEvent](b); e.Actor != 2 || b.Room().Actors[2].UserType != protocol.UserModerator {
		t.Fatalf("bob saw %+v", e)
	}
	wantCode(t, owner.SetUserType(ctx, 1, protocol.UserMember), protocol.CodeNotPermitted) // the only owner
	must(t, owner.TransferOwnership(ctx, 3))
	if e := next[*client.UserTypeChangedEvent](b); e.Actor != 3 || e.UserType != protocol.UserOwner {
		t.Fatalf("bob saw %+v", e)
	}
	for e := next[*client.UserTypeChangedEvent](owner); e.Actor != 1; e = next[*client.UserTypeChangedEvent](owner) {
	}
	if r := owner.Room(); r.UserType != protocol.UserModerator || len(r.Metas) != 2 {
		t.Fatalf("former owner: type %d metas %v, want moderator with 2 metas", r.UserType, r.Metas)
	}
	must(t, b.SetUserType(ctx, 2, protocol.UserMember))
	// alice also got the transfer's events (actors 3 and 1): wait for her own.
	for e := next[*client.UserTypeChangedEvent](a); e.Actor != 2; e = next[*client.UserTypeChangedEvent](a) {
	}
	if r := a.Room(); r.UserType != protocol.UserMember || len(r.Metas) != 1 {
		t.Fatalf("after demotion: type %d metas %v", r.UserType, r.Metas)
	}
	// The owner leaves: the longest-present moderator (actor 1) becomes owner.
	must(t, b.LeaveRoom(ctx, false))
	for {
		if e := next[*client.UserTypeChangedEvent](a); e.Actor == 1 && e.UserType == protocol.UserOwner {
			break
		}
	}
}

func TestSingleRoom(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a, b := connect(t, s, "alice"), connect(t, s, "bob")
	a2 := connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(a.CreateRoom(ctx, "only", &client.RoomOptions{SingleRoom: true}, nil))
	_, err := a2.CreateRoom(ctx, "other", nil, nil)
	wantCode(t, err, protocol.CodeUserInOtherRoom)
	mustRoom(t)(b.CreateRoom(ctx, "bobs", nil, nil))
	b2 := connect(t, s, "bob")
	_, err = b2.JoinRoom(ctx, "only", nil)
	wantCode(t, err, protocol.CodeUserInOtherRoom)
	must(t, b.LeaveRoom(ctx, false))
	mustRoom(t)(b2.JoinRoom(ctx, "only", nil))
}

func TestSearchRooms(t *testing.T) {
	s := startRelay(t, relay.Config{})
	p := connect(t, s, "p")
	ctx := testContext(t)
	for _, r := range []struct {
		name string
		tags []string
	}{{"alpha1", []string{"a"}}, {"alpha2", []string{"a", "b"}}, {"beta", []string{"b"}}} {
		c := connect(t, s, r.name)
		mustRoom(t)(c.CreateRoom(ctx, r.name, &client.RoomOptions{Tags: r.tags, Metas: []client.Meta{{Key: "k", Value: "v"}, {Key: "hidden", Value: 1, Level: 1}}}, nil))
	}
	names := func(rs *client.RoomSearch) []string {
		t.Helper()
		page, err := p.SearchRooms(ctx, rs)
		must(t, err)
		var out []string
		for _, r := range page.Rooms {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(&client.RoomSearch{Tags: []string{"a", "b"}}); !slices.Equal(got, []string{"alpha1", "alpha2", "beta"}) {
		t.Fatalf("any of a, b: %v", got)
	}
	if got := names(&client.RoomSearch{Tags: []string{"a", "b"}, MatchAll: true}); !slices.Equal(got, []string{"alpha2"}) {
		t.Fatalf("all of a, b: %v", got)
	}
	if got := names(&client.RoomSearch{NamePrefix: "alpha"}); !slices.Equal(got, []string{"alpha1", "alpha2"}) {
		t.Fatalf("prefix alpha: %v", got)
	}
	var seen []string
	rs := &client.RoomSearch{Limit: 2}
	for range 3 {
		page, err := p.SearchRooms(ctx, rs)
		must(t, err)
		for _, r := range page.Rooms {
			seen = append(seen, r.Name)
			if len(r.Metas) != 1 || r.Metas[0].Key != "k" {
				t.Fatalf("metas %v, want level 0 only", r.Metas)
			}
		}
		if rs.Cursor = page.Next; rs.Cursor == "" {
			break
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"alpha1", "alpha2", "beta"}) {
		t.Fatalf("paged: %v", seen)
	}
	_, err := p.SearchRooms(ctx, &client.RoomSearch{Limit: 101})
	wantCode(t, err, protocol.CodeInvalidRequest)
}

func TestBadAccessOptions(t *testing.T) {
	s := startRelay(t, relay.Config{})
	p := connect(t, s, "p")
	for _, ro := range []*client.RoomOptions{
		{Description: string(make([]byte, 257))},
		{Access: 3},
		{Tags: []string{""}},
		{Metas: []client.Meta{{Key: ""}}},
		{Metas: []client.Meta{{Key: "a", Level: 4}}},
		{Metas: []client.Meta{{Key: "a"}, {Key: "a"}}},
	} {
		_, err := p.CreateRoom(testContext(t), "", ro, nil)
		wantCode(t, err, protocol.CodeInvalidRequest)
	}
}

// An invitation (seed 003) is a grant: the invitee joins a private, friends-only or
// approval room without the key, the friendship or an approval; others still need them.
func TestInviteesNeedNoKeyFriendshipOrApproval(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, guest, stranger := connect(t, s, "owner"), connect(t, s, "guest"), connect(t, s, "stranger")
	ctx := testContext(t)
	for _, ro := range []*client.RoomOptions{
		{Access: protocol.AccessPrivate, Invitees: []string{"guest"}, MaxPlayers: 4},
		{Access: protocol.AccessFriends, Invitees: []string{"guest"}, MaxPlayers: 4},
		{JoinApproval: true, Invitees: []string{"guest"}, MaxPlayers: 4},
	} {
		r := mustRoom(t)(owner.CreateRoom(ctx, "", ro, nil))
		switch ro.Access {
		case protocol.AccessPrivate:
			_, err := stranger.JoinRoom(ctx, r.Name, &client.JoinOptions{Key: "wrong"})
			wantCode(t, err, protocol.CodeWrongRoomKey)
		case protocol.AccessFriends:
			_, err := stranger.JoinRoom(ctx, r.Name, nil)
			wantCode(t, err, protocol.CodeNotAFriend)
		default: // the stranger waits for an approval, and is rejected
			done := joinAsync(stranger, r.Name, nil)
			next[*client.JoinPendingEvent](stranger)
			next[*client.JoinRequestEvent](owner)
			must(t, owner.ApproveJoin(ctx, "stranger", false, 0))
			wantCode(t, waitErr(t, done), protocol.CodeJoinRejected)
		}
		g := mustRoom(t)(guest.JoinRoom(ctx, r.Name, nil))
		if g.UserType != protocol.UserMember {
			t.Fatalf("invitee's user type %d, want member", g.UserType)
		}
		must(t, guest.LeaveRoom(ctx, false))
		must(t, owner.LeaveRoom(ctx, false))
	}
}
