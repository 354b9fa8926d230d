package relay_test

import (
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// These tests cover where issue 6's features meet each other and the older ones.

// A match request joins a matched room as a plain auto-matched player at once, even
// when it asks for a higher user type: auto-matching rooms take joins without approval.
func TestMatchRequestAskingOwnerJoinsWithoutApproval(t *testing.T) {
	s := startRelay(t, relay.Config{})
	p1, p2 := connect(t, s, "first"), connect(t, s, "second")
	ctx := testContext(t)
	am := &client.AutoMatch{Min: 1, Max: 1, Variant: 77}
	r1 := mustRoom(t)(p1.CreateRoom(ctx, "", &client.RoomOptions{AutoMatch: am}, &client.JoinOptions{UserType: protocol.UserOwner}))
	if r1.UserType != protocol.UserOwner {
		t.Fatalf("creator's user type %d, want owner", r1.UserType)
	}
	r2 := mustRoom(t)(p2.CreateRoom(ctx, "", &client.RoomOptions{AutoMatch: am}, &client.JoinOptions{UserType: protocol.UserOwner}))
	if r2.Name != r1.Name || r2.Created {
		t.Fatalf("second request: room %q created %v, want joined %q", r2.Name, r2.Created, r1.Name)
	}
	if r2.UserType != protocol.UserMember {
		t.Fatalf("matched player's user type %d, want a plain user", r2.UserType)
	}
}

// Random matching (JoinRandomRoom, JoinOrCreateRandomRoom) takes a room at once: it
// skips rooms whose joins wait for an approval, and auto-matching rooms, whose slots
// are the auto-matcher's.
func TestRandomMatchingSkipsApprovalAndAutoMatchRooms(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, matcher, joiner := connect(t, s, "owner"), connect(t, s, "matcher"), connect(t, s, "joiner")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true, MaxPlayers: 4}, nil))
	mustRoom(t)(matcher.CreateRoom(ctx, "", &client.RoomOptions{AutoMatch: &client.AutoMatch{Min: 2, Max: 3}}, nil))
	_, err := joiner.JoinRandomRoom(ctx, nil, nil)
	wantCode(t, err, protocol.CodeNoRandomMatchFound)
	r := mustRoom(t)(joiner.JoinOrCreateRandomRoom(ctx, "", nil, nil, nil))
	if !r.Created {
		t.Fatalf("join-or-create-random joined %q, want a new room", r.Name)
	}
}

// The actor who inherits the room when its owner leaves learns of the join requests
// it may now decide (a plain user got no JoinRequest when they were filed).
func TestHeirLearnsPendingJoinRequests(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, alice, bob := connect(t, s, "owner"), connect(t, s, "alice"), connect(t, s, "bob")
	ctx := testContext(t)
	mustRoom(t)(owner.CreateRoom(ctx, "gated", &client.RoomOptions{JoinApproval: true, MaxPlayers: 4}, nil))
	done := joinAsync(alice, "gated", nil)
	next[*client.JoinRequestEvent](owner)
	must(t, owner.ApproveJoin(ctx, "alice", true, 0))
	must(t, waitErr(t, done))

	done = joinAsync(bob, "gated", nil)
	next[*client.JoinPendingEvent](bob)
	next[*client.JoinRequestEvent](owner)
	must(t, owner.LeaveRoom(ctx, false))
	if e := next[*client.UserTypeChangedEvent](alice); e.UserType != protocol.UserOwner {
		t.Fatalf("alice's new type %d, want owner", e.UserType)
	}
	if req := next[*client.JoinRequestEvent](alice); req.UserID != "bob" {
		t.Fatalf("heir got request %+v, want bob's", req)
	}
	must(t, alice.ApproveJoin(ctx, "bob", true, 0))
	must(t, waitErr(t, done))
}

// A creation refused by the access rules (here the single-room rule) or by the
// status rules leaves no room behind, whatever its EmptyRoomTTL: the name is free,
// and no invitation went out.
func TestRefusedCreationLeavesNoRoom(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a, a2, b, guest := connect(t, s, "alice"), connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "guest")
	ctx := testContext(t)
	mustRoom(t)(a.CreateRoom(ctx, "only", &client.RoomOptions{SingleRoom: true}, nil))
	ro := &client.RoomOptions{EmptyRoomTTL: time.Minute, Invitees: []string{"guest"}}
	_, err := a2.CreateRoom(ctx, "taken", ro, nil)
	wantCode(t, err, protocol.CodeUserInOtherRoom)
	r := mustRoom(t)(b.CreateRoom(ctx, "taken", &client.RoomOptions{EmptyRoomTTL: time.Minute}, nil))
	if !r.Created {
		t.Fatal("bob did not create the room")
	}
	invs, err := guest.ListInvitations(ctx)
	must(t, err)
	if len(invs) != 0 {
		t.Fatalf("guest has %d invitations, want none", len(invs))
	}
}

// A moderator who went away and rejoins keeps its user type and its participant
// record; an owner who went away hands ownership on, and stays an owner when back.
func TestRejoinKeepsUserTypeAndParticipant(t *testing.T) {
	s := startRelay(t, relay.Config{})
	owner, guest := connect(t, s, "owner"), connect(t, s, "guest")
	ctx := testContext(t)
	ro := &client.RoomOptions{Invitees: []string{"guest"}, JoinApproval: true, PlayerTTL: time.Minute, MaxPlayers: 3}
	mustRoom(t)(owner.CreateRoom(ctx, "club", ro, nil))
	g := mustRoom(t)(guest.JoinRoom(ctx, "club", nil))
	must(t, owner.SetUserType(ctx, g.ActorNr, protocol.UserModerator))
	next[*client.UserTypeChangedEvent](guest)
	before := participant(t, g.Status, "guest").ID

	must(t, guest.LeaveRoom(ctx, true))
	g = mustRoom(t)(guest.RejoinRoom(ctx, "club"))
	if g.UserType != protocol.UserModerator {
		t.Fatalf("rejoined moderator's type %d", g.UserType)
	}
	if p := participant(t, g.Status, "guest"); p.ID != before || p.Status != protocol.ParticipantJoined || p.Inactive {
		t.Fatalf("rejoined participant %+v, want %s JOINED and active", p, before)
	}

	must(t, owner.LeaveRoom(ctx, true))
	if e := next[*client.UserTypeChangedEvent](guest); e.UserType != protocol.UserOwner {
		t.Fatalf("heir's type %d", e.UserType)
	}
	o := mustRoom(t)(owner.RejoinRoom(ctx, "club"))
	if o.UserType != protocol.UserOwner {
		t.Fatalf("rejoined owner's type %d", o.UserType)
	}
}
