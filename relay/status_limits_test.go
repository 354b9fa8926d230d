package relay_test

import (
	"errors"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func TestAutoMatchingRoomsArePublicWithoutApproval(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a := connect(t, s, "a")
	ctx := testContext(t)
	auto := &client.AutoMatch{Min: 1, Max: 1}
	for _, ro := range []*client.RoomOptions{
		{AutoMatch: auto, JoinApproval: true},
		{AutoMatch: auto, Access: protocol.AccessPrivate},
		{AutoMatch: auto, Access: protocol.AccessFriends},
	} {
		_, err := a.CreateRoom(ctx, "", ro, nil)
		wantCode(t, err, protocol.CodeInvalidRequest)
	}
}

func TestInviteesPerSecondAreBounded(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a := connect(t, s, "a")
	ctx := testContext(t)
	invitees := make([]string, 40) // two lists of 40 in a second: over the 64 a second
	for i := range invitees {
		invitees[i] = "friend" + itoa(i)
	}
	mustRoom(t)(a.CreateRoom(ctx, "", &client.RoomOptions{Invitees: invitees}, nil))
	must(t, a.LeaveRoom(ctx, false))
	_, err := a.CreateRoom(ctx, "", &client.RoomOptions{Invitees: invitees}, nil)
	wantCode(t, err, protocol.CodeOperationLimitReached)
}

func TestChangingPeerReportsAreRateLimitedUnchangedAreFree(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a, b := connect(t, s, "a"), connect(t, s, "b")
	ctx := testContext(t)
	r := mustRoom(t)(a.CreateRoom(ctx, "", &client.RoomOptions{Invitees: []string{"b"}}, nil))
	mustRoom(t)(b.JoinRoom(ctx, r.Name, nil))
	for range 50 {
		must(t, a.ReportPeerStatus(ctx, r.Name, []int{2}))
	}
	refused := 0
	for i := range 50 {
		err := a.ReportPeerStatus(ctx, r.Name, []int{2 * (i % 2)})
		if errors.Is(err, protocol.CodeOperationLimitReached) {
			refused++
		} else {
			must(t, err)
		}
	}
	if refused == 0 {
		t.Fatal("50 changing reports in a row: none refused, want some over 20 a second")
	}
}
