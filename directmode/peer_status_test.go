package directmode_test

import (
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// waitRoomStatus waits for p's RoomStatusEvent with status want.
func waitRoomStatus(t *testing.T, p *peer, want protocol.RoomStatus) *client.RoomStatus {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		select {
		case e := <-p.relayEvents:
			if se, ok := e.(*client.RoomStatusEvent); ok && se.Status.Status == want {
				return se.Status
			}
		case <-deadline:
			t.Fatalf("%s: no %s within %v", p.name, want, testTimeout)
			return nil
		}
	}
}

// Three players invited into an all-to-others room report their links by themselves:
// the room becomes ROOM_ACTIVE with everyone connected through real pion links.
func TestMeshReportsPeerStatus(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b, c := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{}), w.connect("c", directmode.Config{})
	ctx := testContext(t)
	_, err := a.Client().CreateRoom(ctx, "invited", &client.RoomOptions{DirectMode: protocol.DirectAllToOthers,
		Invitees: []string{"b", "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Sync()
	for _, p := range []*peer{b, c} {
		if _, err := p.Client().JoinRoom(ctx, "invited", nil); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		p.Sync()
	}
	st := waitRoomStatus(t, a, protocol.RoomActive)
	for _, pt := range st.Participants {
		if pt.Status != protocol.ParticipantJoined || !pt.Connected {
			t.Errorf("participant %+v: want joined and connected", pt)
		}
	}
	if got := c.Client().Room().Status; got == nil {
		t.Fatal("c's room has no status")
	}
	waitRoomStatus(t, c, protocol.RoomActive)
	// c leaves: a and b still see each other, the room stays active.
	if err := c.Client().LeaveRoom(ctx, false); err != nil {
		t.Fatal(err)
	}
	next[*directmode.ClosedEvent](t, a, testTimeout)
	st = waitRoomStatus(t, a, protocol.RoomActive)
	if p := st.Participant(3); p == nil || p.Status != protocol.ParticipantLeft {
		t.Errorf("c after leaving: %+v", p)
	}
}
