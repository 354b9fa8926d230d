package directmode_test

import (
	"testing"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// Sync returns once the mesh knows the room: a SendDirect with fallback right after it
// goes through the relay instead of failing with ErrNotInRoom.
func TestSendDirectRightAfterSyncKnowsTheRoom(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{})
	joinRoom(t, "s", protocol.DirectAllToOthers, a)
	if _, err := b.Client().JoinOrCreateRoom(testContext(t), "s", &client.RoomOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	b.Sync()
	if err := b.SendDirect([]byte("hi"), []int{1}, true, true); err != nil {
		t.Errorf("SendDirect with fallback right after joining and Sync: %v, want nil (relayed)", err)
	}
}
