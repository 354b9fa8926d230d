package relay_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// statusUntil returns p's next RoomStatusEvent whose status is want.
func statusUntil(p *player, want protocol.RoomStatus) *client.RoomStatus {
	p.t.Helper()
	for {
		if e := next[*client.RoomStatusEvent](p); e.Status.Status == want {
			return e.Status
		}
	}
}

// participant returns the participant of user in s, failing the test if none.
func participant(t *testing.T, s *client.RoomStatus, user string) client.Participant {
	t.Helper()
	for _, p := range s.Participants {
		if p.UserID == user {
			return p
		}
	}
	t.Fatalf("no participant of user %q in %+v", user, s.Participants)
	return client.Participant{}
}

func TestInvitations(t *testing.T) {
	s := startRelay(t, relay.Config{})
	alice, bob := connect(t, s, "alice"), connect(t, s, "bob")
	ctx := testContext(t)
	r := mustRoom(t)(alice.CreateRoom(ctx, "r1", &client.RoomOptions{Invitees: []string{"bob", "carol", "dave"}}, nil))
	if r.Status == nil || r.Status.Status != protocol.RoomInviting || r.MaxPlayers != 4 {
		t.Fatalf("created: status %+v, max players %d; want ROOM_INVITING, 4", r.Status, r.MaxPlayers)
	}
	v0 := r.Status.Version
	if r.Status.InviterID != participant(t, r.Status, "alice").ID || r.Status.Created.ParticipantID != r.Status.InviterID {
		t.Errorf("inviter %q, created by %q; want alice's participant", r.Status.InviterID, r.Status.Created.ParticipantID)
	}
	inv := next[*client.InvitationEvent](bob)
	if inv.Status.Room != "r1" || participant(t, inv.Status, "bob").Status != protocol.ParticipantInvited {
		t.Fatalf("bob's invitation: %+v", inv.Status)
	}
	carol := connect(t, s, "carol")
	list, err := carol.ListInvitations(ctx)
	must(t, err)
	if len(list) != 1 || list[0].Room != "r1" {
		t.Fatalf("carol's invitations: %+v, want r1", list)
	}
	// Accept: bob joins by name.
	br := mustRoom(t)(bob.JoinRoom(ctx, "r1", nil))
	if p := participant(t, br.Status, "bob"); p.Status != protocol.ParticipantJoined || p.ActorNr != br.ActorNr {
		t.Errorf("bob after joining: %+v", p)
	}
	st := next[*client.RoomStatusEvent](alice).Status
	if st.Version <= v0 || participant(t, st, "bob").Status != protocol.ParticipantJoined {
		t.Errorf("alice sees %+v after bob joined (version %d before)", st, v0)
	}
	// Decline: carol's slot is released, everyone sees it.
	must(t, carol.DeclineInvitation(ctx, "r1"))
	st2 := next[*client.RoomStatusEvent](alice).Status
	if st2.Version <= st.Version || participant(t, st2, "carol").Status != protocol.ParticipantDeclined {
		t.Errorf("after carol declined: %+v", st2)
	}
	if st2.LastUpdate.ParticipantID != participant(t, st2, "carol").ID || st2.LastUpdate.Time.IsZero() {
		t.Errorf("last update %+v, want carol's", st2.LastUpdate)
	}
	wantCode(t, carol.DeclineInvitation(ctx, "r1"), protocol.CodeNotInvited)
	if list, _ := carol.ListInvitations(ctx); len(list) != 0 {
		t.Errorf("carol's invitations after declining: %d, want 0", len(list))
	}
	// Dismiss: dave no longer lists it, the status does not change.
	dave := connect(t, s, "dave")
	must(t, dave.DismissInvitation(ctx, "r1"))
	if list, _ := dave.ListInvitations(ctx); len(list) != 0 {
		t.Errorf("dave's invitations after dismissing: %d, want 0", len(list))
	}
	got, err := dave.GetRoomStatus(ctx, "r1")
	must(t, err)
	if got.Version != st2.Version || participant(t, got, "dave").Status != protocol.ParticipantInvited {
		t.Errorf("status after the dismissal: version %d (want %d), %+v", got.Version, st2.Version, got.Participants)
	}
	wantCode(t, dave.DismissInvitation(ctx, "r1"), protocol.CodeNotInvited)
	eve := connect(t, s, "eve")
	_, err = eve.GetRoomStatus(ctx, "r1")
	wantCode(t, err, protocol.CodeNotInvited)
	wantCode(t, eve.DeclineInvitation(ctx, "r1"), protocol.CodeNotInvited)
	_, err = eve.GetRoomStatus(ctx, "nope")
	wantCode(t, err, protocol.CodeGameDoesNotExist)
	// Carol's slot was released (4 slots: alice, bob, eve and the one kept for dave).
	er := mustRoom(t)(eve.JoinRoom(ctx, "r1", nil))
	if p := participant(t, er.Status, "eve"); p.Status != protocol.ParticipantJoined || p.ID != "p_5" {
		t.Errorf("eve joined by name: %+v, want JOINED p_5", p)
	}
	_, err = connect(t, s, "frank").JoinRoom(ctx, "r1", nil)
	wantCode(t, err, protocol.CodeGameFull)
	// Dave may still accept a dismissed invitation.
	dr := mustRoom(t)(dave.JoinRoom(ctx, "r1", nil))
	if dr.Status.Status != protocol.RoomConnecting {
		t.Errorf("all answered: %s, want ROOM_CONNECTING", dr.Status.Status)
	}
}

func TestInvitationErrors(t *testing.T) {
	s := startRelay(t, relay.Config{})
	alice := connect(t, s, "alice")
	ctx := testContext(t)
	for _, tt := range []struct {
		name string
		ro   client.RoomOptions
		code protocol.Code
	}{
		{"self", client.RoomOptions{Invitees: []string{"alice"}}, protocol.CodeInvalidRequest},
		{"twice", client.RoomOptions{Invitees: []string{"bob", "bob"}}, protocol.CodeInvalidRequest},
		{"empty id", client.RoomOptions{Invitees: []string{""}}, protocol.CodeInvalidRequest},
		{"min over max", client.RoomOptions{AutoMatch: &client.AutoMatch{Min: 3, Max: 2}}, protocol.CodeInvalidRequest},
		{"min 0", client.RoomOptions{AutoMatch: &client.AutoMatch{Min: 0, Max: 2}}, protocol.CodeInvalidRequest},
		{"too small", client.RoomOptions{MaxPlayers: 2, Invitees: []string{"bob"}, AutoMatch: &client.AutoMatch{Min: 1, Max: 1}}, protocol.CodeSlotError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := alice.CreateRoom(ctx, "", &tt.ro, nil)
			wantCode(t, err, tt.code)
		})
	}
	_, err := alice.JoinOrCreateRoom(ctx, "x", &client.RoomOptions{Invitees: []string{"bob"}}, nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	err = alice.LeaveRoomWithReason(ctx, false, protocol.LeavePresenceFailure)
	wantCode(t, err, protocol.CodeInvalidRequest)
	// Rooms without status answer reports and have no status.
	mustRoom(t)(alice.CreateRoom(ctx, "plain", nil, nil))
	must(t, alice.ReportPeerStatus(ctx, "", []int{2, 3}))
	_, err = alice.GetRoomStatus(ctx, "")
	wantCode(t, err, protocol.CodeInvalidOperation)
}

// A decline releases the invitee's kept slot: the members' Room.ExpectedUsers follows
// (a PropertiesChanged event carries the room's new expected users).
func TestDeclineRefreshesExpectedUsers(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice, bob, carol := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carol")
	r := mustRoom(t)(alice.CreateRoom(ctx, "d", &client.RoomOptions{Invitees: []string{"bob", "carol"}}, nil))
	if !slices.Equal(r.ExpectedUsers, []string{"bob", "carol"}) {
		t.Fatalf("expected users at creation: %v", r.ExpectedUsers)
	}
	mustRoom(t)(bob.JoinRoom(ctx, "d", nil))
	must(t, carol.DeclineInvitation(ctx, "d"))
	for _, p := range []*player{alice, bob} {
		e := next[*client.PropertiesChangedEvent](p)
		if e.Target != 0 || len(e.Properties) != 0 {
			t.Errorf("%s: %+v, want a room change with no properties", p.name, e)
		}
		if got := p.Room().ExpectedUsers; !slices.Equal(got, []string{"bob"}) {
			t.Errorf("%s: expected users after carol declined: %v, want [bob]", p.name, got)
		}
	}
}

// A report names the room it is about: one sent for a room the caller has left (a
// report in flight while it moved on) is refused and changes nothing in its new room.
func TestReportPeerStatusNamesItsRoom(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice, bob := connect(t, s, "alice"), connect(t, s, "bob")
	r := mustRoom(t)(alice.CreateRoom(ctx, "new", &client.RoomOptions{Invitees: []string{"bob"}}, nil))
	mustRoom(t)(bob.JoinRoom(ctx, "new", nil))
	st := statusUntil(alice, protocol.RoomConnecting)
	must(t, alice.ReportPeerStatus(ctx, "", []int{}))
	must(t, bob.ReportPeerStatus(ctx, "new", []int{1}))
	wantCode(t, alice.ReportPeerStatus(ctx, "old", []int{2}), protocol.CodeNotInRoom)
	got, err := alice.GetRoomStatus(ctx, "")
	must(t, err)
	if p := got.Participant(r.ActorNr); p == nil || p.Connected || got.Status != protocol.RoomConnecting {
		t.Errorf("after a report for another room: %s, alice %+v (version %d before)", got.Status, p, st.Version)
	}
}

// A join refused after the room took it in (its response does not fit the joiner's
// message size) does not leave a JOINED participant behind: the invitee is LEFT with
// SERVER_ERROR, the room waits for nobody.
func TestStatusJoinUndone(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice := connect(t, s, "alice")
	big := map[string]any{"map": strings.Repeat("m", 3000)}
	mustRoom(t)(alice.CreateRoom(ctx, "big", &client.RoomOptions{Invitees: []string{"small"}, Properties: big}, nil))
	small, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: "small", Nickname: "small",
		Auth: client.Auth{Type: auth.None}, Transport: transport.DialConfig{Config: transport.Config{MaxMessageSize: 2048}}})
	must(t, err)
	_, err = small.JoinRoom(ctx, "big", nil)
	wantCode(t, err, protocol.CodeTooLarge)
	st, err := alice.GetRoomStatus(ctx, "")
	must(t, err)
	if p := participant(t, st, "small"); p.Status != protocol.ParticipantLeft || p.LeaveReason != protocol.LeaveServerError {
		t.Errorf("small after its join was undone: %+v, want LEFT, SERVER_ERROR", p)
	}
	if st.Status != protocol.RoomConnecting {
		t.Errorf("room after the undone join: %s, want ROOM_CONNECTING", st.Status)
	}
}

// The invitation index forgets a room's invitations when they are answered and when
// the room closes; a pending invitee learns the room was deleted.
func TestInvitationIndexEmptiesOnClose(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice, bob, carol := connect(t, s, "alice"), connect(t, s, "bob"), connect(t, s, "carol")
	mustRoom(t)(alice.CreateRoom(ctx, "c", &client.RoomOptions{Invitees: []string{"bob", "carol", "dave"}}, nil))
	if n := s.InvitedUsers("game", "1"); n != 3 {
		t.Fatalf("indexed invitees: %d, want 3", n)
	}
	mustRoom(t)(bob.JoinRoom(ctx, "c", nil))
	must(t, carol.DismissInvitation(ctx, "c"))
	if n := s.InvitedUsers("game", "1"); n != 1 {
		t.Fatalf("indexed invitees after a join and a dismissal: %d, want 1 (dave)", n)
	}
	must(t, bob.LeaveRoom(ctx, false))
	must(t, alice.LeaveRoom(ctx, false))
	if n := s.InvitedUsers("game", "1"); n != 0 {
		t.Errorf("indexed invitees after the room closed: %d, want 0", n)
	}
	next[*client.InvitationEvent](carol)
	if st := next[*client.RoomStatusEvent](carol).Status; st.Status != protocol.RoomDeleted {
		t.Errorf("carol (dismissed, still invited) got %s, want ROOM_DELETED", st.Status)
	}
}
