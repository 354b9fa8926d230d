package directmode_test

import (
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// b closes its mesh but stays in the room, then starts a new one. b's connection
// closes a's (a DTLS close_notify): a must report the link gone and, as the offerer,
// link again with b's new mesh.
func TestALinkTheOtherSideClosedIsReplaced(t *testing.T) {
	w := newLoopbackWorld(t)
	cfg := fastFail
	a := w.connect("a", cfg)
	rb := w.rawConnect("b")
	joinRoom(t, "zombie", protocol.DirectAllToOthers, a)
	if _, err := rb.c.JoinOrCreateRoom(testContext(t), "zombie", nil, nil); err != nil {
		t.Fatal(err)
	}
	rb.newMesh(t, w, cfg)
	waitEstablished(t, a, testTimeout, 2)
	waitEstablished(t, rb.asPeer(t, "b1"), testTimeout, 1)

	rb.mesh.Load().Close()
	rb.mesh.Store(nil)

	// a must notice that the link is gone (Failed or Closed) ...
	deadline := time.After(10 * time.Second)
	noticed := false
	for !noticed {
		select {
		case e := <-a.events:
			switch e.(type) {
			case *directmode.FailedEvent, *directmode.ClosedEvent:
				noticed = true
				t.Logf("a: %#v", e)
			}
		case <-deadline:
			t.Errorf("a: no FailedEvent or ClosedEvent within 10s of b closing its side of the link")
			noticed = true
		}
	}
	t.Logf("a.SendDirect to 2 without fallback after b closed: %v", a.SendDirect([]byte("x"), []int{2}, true, false))
	// ... and link again with b's new mesh.
	b2 := rb.newMesh(t, w, cfg)
	_ = b2
	waitEstablished(t, rb.asPeer(t, "b2"), 15*time.Second, 1)
}
