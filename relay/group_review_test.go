package relay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/relay/push"
	"github.com/bosonrt/boson/relay/push/pushtest"
)

// By default PushNotify reaches only the caller's own user and users it shares a
// room or a message group with: any other client of the app cannot spam a user's
// devices.
func TestPushNotifyOnlyToUsersSharingARoomOrGroup(t *testing.T) {
	s, ps := startPushRelay(t)
	ctx := testContext(t)
	ann, bob, cat := connect(t, s, "ann"), connect(t, s, "bob"), connect(t, s, "cat")
	bobSub, catSub := subscribe(t, bob, ps), subscribe(t, cat, ps)

	_, err := ann.PushNotify(ctx, "spam", "", []string{"bob"})
	wantCode(t, err, protocol.CodePushNotPermitted)
	if n, err := ann.PushNotify(ctx, "me", "", nil); err != nil || n != 0 { // own user: allowed, no subscription
		t.Fatalf("PushNotify to self: %d, %v; want 0, nil", n, err)
	}

	must(t, ann.JoinGroup(ctx, "g"))
	must(t, bob.JoinGroup(ctx, "g"))
	if n, err := ann.PushNotify(ctx, "group", "", []string{"bob"}); err != nil || n != 1 {
		t.Fatalf("PushNotify to a group member: %d, %v; want 1", n, err)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != bobSub.Endpoint || p.Title() != "group" {
		t.Fatalf("push %+v, want group to bob", p)
	}
	_, err = ann.PushNotify(ctx, "half", "", []string{"bob", "cat"}) // all or nothing
	wantCode(t, err, protocol.CodePushNotPermitted)

	mustRoom(t)(ann.JoinOrCreateRoom(ctx, "r", &client.RoomOptions{PlayerTTL: time.Minute}, nil))
	mustRoom(t)(cat.JoinOrCreateRoom(ctx, "r", nil, nil))
	must(t, cat.LeaveRoom(ctx, true)) // inactive actors still count: they may come back
	if n, err := ann.PushNotify(ctx, "room", "", []string{"bob", "cat"}); err != nil || n != 2 {
		t.Fatalf("PushNotify to a group member and a room member: %d, %v; want 2", n, err)
	}
	got := map[string]bool{ps.Next(t, testTimeout).Endpoint: true, ps.Next(t, testTimeout).Endpoint: true}
	if !got[bobSub.Endpoint] || !got[catSub.Endpoint] {
		t.Fatalf("pushes to %v, want bob's and cat's", got)
	}
}

func TestPushNotifyToAnyUserWhenConfigured(t *testing.T) {
	ps := pushtest.New(t)
	s := startRelay(t, relay.Config{Groups: relay.GroupConfig{PushToAnyUser: true},
		Push: &push.Config{AllowPrivateEndpoints: true, HTTPClient: ps.Client()}})
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	sub := subscribe(t, bob, ps)
	if n, err := ann.PushNotify(testContext(t), "hi", "", []string{"bob"}); err != nil || n != 1 {
		t.Fatalf("PushNotify with PushToAnyUser: %d, %v; want 1", n, err)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != sub.Endpoint {
		t.Fatalf("push %+v, want one to bob", p)
	}
}

// A client that reconnects with ReconnectAndRejoin is back in its message group.
func TestReconnectAndRejoinRejoinsTheMessageGroup(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	must(t, ann.JoinGroup(ctx, "club"))
	must(t, bob.JoinGroup(ctx, "club"))
	ann.Close() // the connection is lost
	next[*client.DisconnectedEvent](ann)
	again, r, err := ann.ReconnectAndRejoin(ctx, s.Addr().String())
	must(t, err)
	t.Cleanup(func() { again.Close() })
	if r != nil || again.Group() != "club" {
		t.Fatalf("after ReconnectAndRejoin: room %v, group %q; want no room, group club", r, again.Group())
	}
	if _, err := bob.PostToGroup(ctx, "club", "welcome back", nil); err != nil {
		t.Fatal(err)
	}
	if m := message(ann); m.Data != "welcome back" || m.Group != "club" { // ann's handler, new connection
		t.Fatalf("ann got %+v, want bob's post to club", m)
	}
}

// A notification within the documented limits (title 256 bytes, body 2048) whose
// JSON escaping makes the push payload too large is refused with InvalidRequest,
// not accepted and silently dropped (Pushed 0).
func TestNotificationTooLargeOnceEncodedIsRefused(t *testing.T) {
	s, ps := startPushRelay(t)
	ctx := testContext(t)
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	subscribe(t, ann, ps)
	subscribe(t, bob, ps)
	body := strings.Repeat("<\"", 1024) // 2048 bytes, 10240 once JSON-escaped
	_, err := ann.PushNotify(ctx, "t", body, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	bob.Close()
	_, err = ann.PostToUser(ctx, "bob", "hi", &client.Notification{Title: "t", Body: body})
	wantCode(t, err, protocol.CodeInvalidRequest)
	if n, err := ann.PushNotify(ctx, "t", strings.Repeat("b", 2048), nil); err != nil || n != 1 {
		t.Fatalf("PushNotify with a plain 2048-byte body: %d, %v; want 1", n, err)
	}
}

// A room's creator may nudge the users it invited who have not answered yet.
func TestPushNotifyToInviteesOfOnesRoom(t *testing.T) {
	s, ps := startPushRelay(t)
	ctx := testContext(t)
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	sub := subscribe(t, bob, ps)
	mustRoom(t)(ann.CreateRoom(ctx, "", &client.RoomOptions{Invitees: []string{"bob"}}, nil))
	next[*client.InvitationEvent](bob)
	if n, err := ann.PushNotify(ctx, "your turn", "", []string{"bob"}); err != nil || n != 1 {
		t.Fatalf("PushNotify to an invitee: %d, %v; want 1", n, err)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != sub.Endpoint || p.Title() != "your turn" {
		t.Fatalf("push %+v, want 'your turn' to bob", p)
	}
	must(t, bob.DeclineInvitation(ctx, ann.Room().Name))
	_, err := ann.PushNotify(ctx, "again", "", []string{"bob"})
	wantCode(t, err, protocol.CodePushNotPermitted)
}
