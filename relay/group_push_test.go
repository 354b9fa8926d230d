package relay_test

import (
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/relay/push"
	"github.com/bosonrt/boson/relay/push/pushtest"
)

// startPushRelay runs a relay whose Web Push goes to a test push service.
func startPushRelay(t *testing.T) (*relay.Server, *pushtest.Service) {
	t.Helper()
	ps := pushtest.New(t)
	s := startRelay(t, relay.Config{Push: &push.Config{AllowPrivateEndpoints: true, HTTPClient: ps.Client()}})
	return s, ps
}

// subscribe registers a new browser subscription for p's user and returns it.
func subscribe(t *testing.T, p *player, ps *pushtest.Service) pushtest.Subscription {
	t.Helper()
	sub := ps.NewSubscription()
	must(t, p.SubscribePush(testContext(t), client.PushSubscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth}))
	return sub
}

// disconnect closes p and waits until the relay has forgotten it: the witness, in
// a room with p, sees p leave.
func disconnect(t *testing.T, p, witness *player) {
	t.Helper()
	ctx := testContext(t)
	mustRoom(t)(p.JoinOrCreateRoom(ctx, "witness", nil, nil))
	mustRoom(t)(witness.JoinOrCreateRoom(ctx, "witness", nil, nil))
	p.Close()
	next[*client.LeaveEvent](witness)
}

func TestPostToAnOfflineUserIsPushed(t *testing.T) {
	s, ps := startPushRelay(t)
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	ctx := testContext(t)
	key, err := bob.VAPIDPublicKey(ctx)
	must(t, err)
	sub := subscribe(t, bob, ps)
	disconnect(t, bob, ann)

	pushed, err := ann.PostToUser(ctx, "bob", "hi", &client.Notification{Title: "Hello", Body: "from ann"})
	if err != nil || pushed != 1 {
		t.Fatalf("PostToUser to offline bob: %d, %v; want 1 push", pushed, err)
	}
	p := ps.Next(t, testTimeout)
	data, _ := p.Message["data"].(map[string]any)
	if p.Endpoint != sub.Endpoint || p.VAPIDKey != key || p.Title() != "Hello" || p.Body() != "from ann" ||
		data["userId"] != "ann" || data["cid"] != ann.ConnID() {
		t.Fatalf("push %+v, want Hello/from ann from ann to %s signed by %s", p, sub.Endpoint, key)
	}
	if p.Subscriber != "mailto:admin@localhost" {
		t.Fatalf("VAPID sub %q, want the default", p.Subscriber)
	}
	_, err = ann.PostToUser(ctx, "bob", "hi", nil) // no notification: nothing to do
	wantCode(t, err, protocol.CodeUserOffline)
	_, err = ann.PostToUser(ctx, "cat", "hi", &client.Notification{Title: "Hello"}) // no subscription
	wantCode(t, err, protocol.CodeUserOffline)
}

func TestAlwaysNotificationsPushToConnectedUsersToo(t *testing.T) {
	s, ps := startPushRelay(t)
	ctx := testContext(t)
	ann, bob, cat := connect(t, s, "ann"), connect(t, s, "bob"), connect(t, s, "cat")
	subscribe(t, ann, ps)
	bobSub := subscribe(t, bob, ps)
	pushed, err := ann.PostToUser(ctx, "bob", "hi", &client.Notification{Title: "Hi", Always: true})
	if err != nil || pushed != 1 {
		t.Fatalf("PostToUser always: %d, %v; want 1 push", pushed, err)
	}
	if m := message(bob); m.Data != "hi" || m.Notification == nil || m.Notification.Title != "Hi" || !m.Notification.Always {
		t.Fatalf("bob got %+v, want the message with its notification", m)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != bobSub.Endpoint || p.Title() != "Hi" {
		t.Fatalf("push %+v, want Hi to bob", p)
	}
	pushed, err = ann.PostToUser(ctx, "bob", "hi again", &client.Notification{Title: "Hi"}) // bob is online
	if err != nil || pushed != 0 {
		t.Fatalf("PostToUser to online bob: %d, %v; want no push", pushed, err)
	}

	for _, p := range []*player{ann, bob, cat} {
		must(t, p.JoinGroup(ctx, "club"))
	}
	bob2 := connect(t, s, "bob") // a user with two connections is pushed once
	must(t, bob2.JoinGroup(ctx, "club"))
	pushed, err = ann.PostToGroup(ctx, "club", "all", &client.Notification{Title: "Club", Always: true})
	if err != nil || pushed != 1 { // bob's; cat has no subscription, ann is the sender
		t.Fatalf("PostToGroup always: %d, %v; want 1 push (bob's)", pushed, err)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != bobSub.Endpoint || p.Title() != "Club" {
		t.Fatalf("push %+v, want Club to bob", p)
	}
}

func TestPushNotifyAndSubscriptions(t *testing.T) {
	s, ps := startPushRelay(t)
	ctx := testContext(t)
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	annSub := subscribe(t, ann, ps)
	n, err := ann.PushNotify(ctx, "To me", "body", nil)
	if err != nil || n != 1 {
		t.Fatalf("PushNotify to self: %d, %v; want 1", n, err)
	}
	if p := ps.Next(t, testTimeout); p.Endpoint != annSub.Endpoint || p.Title() != "To me" || p.Body() != "body" {
		t.Fatalf("push %+v, want To me/body to ann", p)
	}
	must(t, ann.JoinGroup(ctx, "g")) // by default only users sharing a room or group
	must(t, bob.JoinGroup(ctx, "g"))
	n, err = bob.PushNotify(ctx, "From bob", "", []string{"ann", "ann"})
	if err != nil || n != 1 {
		t.Fatalf("PushNotify to ann twice: %d, %v; want 1", n, err)
	}
	if p := ps.Next(t, testTimeout); p.Title() != "From bob" {
		t.Fatalf("push %+v, want From bob", p)
	}

	_, err = bob.PushNotify(ctx, "", "no title", nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	many := strings.Split(strings.Repeat("u,", 101), ",")[:101]
	_, err = bob.PushNotify(ctx, "t", "", many)
	wantCode(t, err, protocol.CodeInvalidRequest)
	err = bob.SubscribePush(ctx, client.PushSubscription{Endpoint: ps.URL() + "/x", P256dh: "not-a-key", Auth: "AAAA"})
	wantCode(t, err, protocol.CodeInvalidRequest)

	must(t, ann.UnsubscribePush(ctx, client.PushSubscription{Endpoint: annSub.Endpoint, P256dh: annSub.P256dh, Auth: annSub.Auth}))
	n, err = bob.PushNotify(ctx, "gone", "", []string{"ann"})
	if err != nil || n != 0 {
		t.Fatalf("PushNotify after unsubscribe: %d, %v; want 0", n, err)
	}
}

func TestPushOperationsWithoutWebPush(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ann := connect(t, s, "ann")
	ctx := testContext(t)
	_, err := ann.VAPIDPublicKey(ctx)
	wantCode(t, err, protocol.CodePushUnavailable)
	wantCode(t, ann.SubscribePush(ctx, client.PushSubscription{Endpoint: "https://push.example/1", P256dh: "k", Auth: "a"}),
		protocol.CodePushUnavailable)
	_, err = ann.PushNotify(ctx, "t", "b", nil)
	wantCode(t, err, protocol.CodePushUnavailable)
}

// An invitee who is not connected hears of its invitation by Web Push; a connected one
// gets the Invitation event only.
func TestOfflineInviteesArePushedTheirInvitation(t *testing.T) {
	s, ps := startPushRelay(t)
	ann, bob, cat := connect(t, s, "ann"), connect(t, s, "bob"), connect(t, s, "cat")
	ctx := testContext(t)
	sub := subscribe(t, bob, ps)
	subscribe(t, cat, ps)
	disconnect(t, bob, ann)
	must(t, ann.LeaveRoom(ctx, false))

	r := mustRoom(t)(ann.CreateRoom(ctx, "", &client.RoomOptions{Invitees: []string{"bob", "cat"}, Description: "duel"}, nil))
	if inv := next[*client.InvitationEvent](cat); inv.Status.Room != r.Name || inv.Status.AppID != "game" || inv.Status.Description != "duel" {
		t.Fatalf("cat's invitation to %q of app %q (%q), want %q of game (duel)", inv.Status.Room, inv.Status.AppID, inv.Status.Description, r.Name)
	}
	p := ps.Next(t, testTimeout)
	data, _ := p.Message["data"].(map[string]any)
	if p.Endpoint != sub.Endpoint || p.Title() != "Invitation" || !strings.Contains(p.Body(), "ann") ||
		data["type"] != "invitation" || data["room"] != r.Name {
		t.Fatalf("push %+v, want bob's invitation to %s from ann", p, r.Name)
	}
	select {
	case extra := <-ps.Pushes():
		t.Fatalf("a second push %+v: the connected invitee was pushed too", extra)
	default:
	}
}
