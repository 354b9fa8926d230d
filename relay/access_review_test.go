package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// A connection whose join waits for an approval may not rejoin another room meanwhile:
// the approval would then make it an actor of two rooms at once.
func TestWaitingJoinBlocksRejoin(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, a := connect(t, s, "owner"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true}, nil))
	mustRoom(t)(a.CreateRoom(ctx, "home", &client.RoomOptions{PlayerTTL: time.Minute, EmptyRoomTTL: time.Minute}, nil))
	must(t, a.LeaveRoom(ctx, true))

	done := joinAsync(a, "gated", nil)
	next[*client.JoinPendingEvent](a)
	_, err := a.RejoinRoom(ctx, "home")
	wantCode(t, err, protocol.CodeOperationNotAllowedInState)
	must(t, owner.ApproveJoin(ctx, "alice", true, 0))
	must(t, waitErr(t, done))
	if r := a.Room(); r == nil || r.Name != "gated" {
		t.Fatalf("alice's room %+v, want gated", r)
	}
}

// The single-room rule holds for a rejoin too: an inactive actor of a single room
// may not come back while its user is active in another room.
func TestSingleRoomRejoinWhileElsewhere(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a1, a2 := connect(t, s, "alice"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(a1.CreateRoom(ctx, "only", &client.RoomOptions{SingleRoom: true, PlayerTTL: time.Minute, EmptyRoomTTL: time.Minute}, nil))
	must(t, a1.LeaveRoom(ctx, true))
	mustRoom(t)(a2.CreateRoom(ctx, "other", nil, nil))
	_, err := a1.RejoinRoom(ctx, "only")
	wantCode(t, err, protocol.CodeUserInOtherRoom)
	must(t, a2.LeaveRoom(ctx, false))
	mustRoom(t)(a1.RejoinRoom(ctx, "only"))
}

// Ownership never goes to an inactive actor: a transfer to one would leave the room
// with no active owner, so nobody could decide owner-only requests.
func TestTransferToInactiveRefused(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, b := connect(t, s, "owner"), connect(t, s, "bob")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: time.Minute}, nil))
	mustRoom(t)(b.JoinRoom(ctx, "r", nil))
	must(t, b.LeaveRoom(ctx, true))
	wantCode(t, owner.TransferOwnership(ctx, 2), protocol.CodeInvalidRequest)
	if r := owner.Room(); r.UserType != protocol.UserOwner {
		t.Fatalf("owner's type %d, want owner", r.UserType)
	}
}

// When the owner goes inactive the longest-present active moderator becomes owner;
// in a private room the heir learns the key; the old owner rejoins as an owner.
func TestOwnerInactiveHandsOverWithKey(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, u, m := connect(t, s, "owner"), connect(t, s, "user"), connect(t, s, "mod")
	ctx := testContext(t)
	ro := &client.RoomOptions{Access: protocol.AccessPrivate, PlayerTTL: time.Minute}
	mustRoom(t)(owner.CreateRoom(ctx, "p", ro, &client.JoinOptions{Key: "k"}))
	mustRoom(t)(u.JoinRoom(ctx, "p", &client.JoinOptions{Key: "k"}))
	mustRoom(t)(m.JoinRoom(ctx, "p", &client.JoinOptions{Key: "k"}))
	must(t, owner.SetUserType(ctx, 3, protocol.UserModerator))
	for e := next[*client.UserTypeChangedEvent](m); e.Actor != 3; e = next[*client.UserTypeChangedEvent](m) {
	}
	if r := m.Room(); r.Key != "k" {
		t.Fatalf("moderator's key %q, want k", r.Key)
	}
	must(t, owner.LeaveRoom(ctx, true))
	for e := next[*client.UserTypeChangedEvent](m); e.Actor != 3 || e.UserType != protocol.UserOwner; e = next[*client.UserTypeChangedEvent](m) {
	}
	if r := m.Room(); r.UserType != protocol.UserOwner || r.Key != "k" {
		t.Fatalf("heir: type %d key %q, want owner with key k", r.UserType, r.Key)
	}
	for e := next[*client.UserTypeChangedEvent](u); e.Actor != 3 || e.UserType != protocol.UserOwner; e = next[*client.UserTypeChangedEvent](u) {
	}
	if r := u.Room(); r.Actors[3].UserType != protocol.UserOwner || r.Actors[2].UserType != protocol.UserMember || r.Key != "" {
		t.Fatalf("user sees heir %d, self %d, key %q", r.Actors[3].UserType, r.Actors[2].UserType, r.Key)
	}
	r := mustRoom(t)(owner.RejoinRoom(ctx, "p"))
	if r.UserType != protocol.UserOwner || r.Key != "k" {
		t.Fatalf("rejoined owner: type %d key %q", r.UserType, r.Key)
	}
}

// A room whose owner left while nobody else was active gets an owner again when
// someone comes back: else nobody could ever decide a request there.
func TestOwnerlessRoomGetsOwnerOnRejoin(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, b, c := connect(t, s, "owner"), connect(t, s, "bob"), connect(t, s, "carol")
	ctx := testContext(t)
	ro := &client.RoomOptions{JoinApproval: true, PlayerTTL: time.Minute, EmptyRoomTTL: time.Minute}
	mustRoom(t)(owner.CreateRoom(ctx, "g", ro, nil))
	done := joinAsync(b, "g", nil)
	next[*client.JoinRequestEvent](owner)
	must(t, owner.ApproveJoin(ctx, "bob", true, 0))
	must(t, waitErr(t, done))
	must(t, b.LeaveRoom(ctx, true))
	must(t, owner.LeaveRoom(ctx, true))
	r := mustRoom(t)(b.RejoinRoom(ctx, "g"))
	if r.UserType != protocol.UserOwner {
		t.Fatalf("bob rejoined an ownerless room as type %d, want owner", r.UserType)
	}
	done = joinAsync(c, "g", nil)
	next[*client.JoinRequestEvent](b)
	must(t, b.ApproveJoin(ctx, "carol", true, 0))
	must(t, waitErr(t, done))
}

// A joiner whose JoinRoom ctx ends withdraws its request: the deciders hear so and
// the connection may join elsewhere at once.
func TestJoinCtxEndWithdraws(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, a := connect(t, s, "owner"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true}, nil))
	jctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := a.JoinRoom(jctx, "gated", nil)
		done <- err
	}()
	next[*client.JoinPendingEvent](a)
	cancel()
	if err := waitErr(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("JoinRoom: %v, want context.Canceled", err)
	}
	if d := next[*client.JoinDecisionEvent](owner); d.Outcome != "withdrawn" || d.UserID != "alice" {
		t.Fatalf("decision %+v, want alice withdrawn", d)
	}
	reqs, err := owner.ListJoinRequests(ctx)
	must(t, err)
	if len(reqs) != 0 {
		t.Fatalf("requests %v, want none", reqs)
	}
	mustRoom(t)(a.CreateRoom(ctx, "elsewhere", nil, nil))
}

// LeaveRoom while a join waits for an approval withdraws it: the JoinRoom is
// answered JoinWithdrawn, and an approval finds no request.
func TestLeaveRoomWithdrawsPendingJoin(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, a := connect(t, s, "owner"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true}, nil))
	done := joinAsync(a, "gated", nil)
	p := next[*client.JoinPendingEvent](a)
	req := next[*client.JoinRequestEvent](owner)
	if p.ID == "" || p.ID != req.ID {
		t.Fatalf("pending id %q, request id %q: want the same, non-empty", p.ID, req.ID)
	}
	must(t, a.LeaveRoom(ctx, false))
	wantCode(t, waitErr(t, done), protocol.CodeJoinWithdrawn)
	wantCode(t, owner.ApproveRequest(ctx, req.ID, true, 0), protocol.CodeNoSuchRequest)
	wantCode(t, a.LeaveRoom(ctx, false), protocol.CodeNotInRoom)
}

// LeaveRoom while a join waits for a friend list withdraws it too: when the list
// arrives the join fails with JoinWithdrawn instead of entering the room.
func TestLeaveRoomWithdrawsFetchingJoin(t *testing.T) {
	called, release := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called <- struct{}{}
		<-release
		json.NewEncoder(w).Encode(map[string]any{"ResultCode": 0, "Friends": []string{"alice"}})
	}))
	defer srv.Close()
	defer close(release)
	s := startRelay(t, relay.Config{Friends: &relay.FriendsConfig{URL: srv.URL}})
	owner, a := connect(t, s, "owner"), connect(t, s, "alice")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "club", &client.RoomOptions{Access: protocol.AccessFriends}, nil))
	done := joinAsync(a, "club", nil)
	select {
	case <-called:
	case <-time.After(testTimeout):
		t.Fatal("no webhook call")
	}
	must(t, a.LeaveRoom(ctx, false))
	release <- struct{}{}
	wantCode(t, waitErr(t, done), protocol.CodeJoinWithdrawn)
	if r := a.Room(); r != nil {
		t.Fatalf("alice is in %q, want no room", r.Name)
	}
	mustRoom(t)(a.JoinRoom(ctx, "club", nil)) // the list is cached now
}

// SearchRooms shows a friends room to the friends its owner's webhook list names
// (fetched on the first search, then cached), to nobody else, and fails with
// FriendsUnavailable when the webhook does.
func TestSearchFriendsRoomByWebhook(t *testing.T) {
	fw := newFriendsWebhook(t)
	s := startRelay(t, relay.Config{Friends: &relay.FriendsConfig{URL: fw.url, CacheTTL: time.Hour}})
	owner, friend, stranger := connect(t, s, "owner"), connect(t, s, "friend"), connect(t, s, "stranger")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "club", &client.RoomOptions{Access: protocol.AccessFriends,
		Metas: []client.Meta{{Key: "pub", Value: "p"}, {Key: "mods", Value: "m", Level: protocol.UserModerator}}}, nil))
	mustRoom(t)(connect(t, s, "x").CreateRoom(ctx, "open", nil, nil))
	found := func(p *player) []client.FoundRoom {
		t.Helper()
		page, err := p.SearchRooms(ctx, &client.RoomSearch{})
		must(t, err)
		return page.Rooms
	}
	if rs := found(friend); len(rs) != 2 || rs[0].Name != "open" || rs[1].Name != "club" || len(rs[1].Metas) != 1 {
		t.Fatalf("friend finds %+v, want open and club (with its level-0 meta only)", rs)
	}
	if rs := found(stranger); len(rs) != 1 || rs[0].Name != "open" {
		t.Fatalf("stranger finds %+v, want open only", rs)
	}
	if n := fw.calls.Load(); n != 1 {
		t.Fatalf("%d webhook calls, want 1 (then the cache)", n)
	}
	mustRoom(t)(connect(t, s, "other").CreateRoom(ctx, "club2", &client.RoomOptions{Access: protocol.AccessFriends}, nil))
	fw.down.Store(true)
	_, err := friend.SearchRooms(ctx, &client.RoomSearch{})
	wantCode(t, err, protocol.CodeFriendsUnavailable)
}
