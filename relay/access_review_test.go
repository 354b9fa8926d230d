package relay_test

import (
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
