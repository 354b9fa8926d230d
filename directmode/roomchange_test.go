package directmode_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// b moves from room "one" (actor 2, linked to actor 1) to room "two" (actor 2 again;
// c is actor 1 there) without calling Sync. c's offer may arrive before b's mesh has
// seen the change: it must be matched against the new room, not the link to the old
// room's actor 1, and b and c must stay linked.
func TestARoomChangeWithoutSyncLinksInTheNewRoom(t *testing.T) {
	w := newLoopbackWorld(t)
	cfg := fastFail
	a, b, c := w.connect("a", cfg), w.connect("b", cfg), w.connect("c", cfg)
	joinRoom(t, "one", protocol.DirectAllToOthers, a, b)
	waitPair(t, a, b)
	joinRoom(t, "two", protocol.DirectAllToOthers, c)
	time.Sleep(1200 * time.Millisecond) // b's link to actor 1 is older than minSessionGap

	if err := b.Client().LeaveRoom(testContext(t), false); err != nil {
		t.Fatal(err)
	}
	r, err := b.Client().JoinOrCreateRoom(testContext(t), "two", nil, nil)
	if err != nil || r.ActorNr != 2 {
		t.Fatalf("b joins two: %v, %v", r, err)
	}
	// No b.Sync(): the mesh notices on its own.
	start := time.Now()
	upB, upC := false, false
	deadline := time.After(20 * time.Second)
	for !upB || !upC {
		select {
		case e := <-b.events:
			t.Logf("b +%v: %#v", time.Since(start).Round(time.Millisecond), e)
			if e, ok := e.(*directmode.EstablishedEvent); ok && e.Actor == 1 {
				upB = true
			}
		case e := <-c.events:
			t.Logf("c +%v: %#v", time.Since(start).Round(time.Millisecond), e)
			if e, ok := e.(*directmode.EstablishedEvent); ok && e.Actor == 2 {
				upC = true
			}
		case <-deadline:
			t.Fatalf("b and c not linked 20s after b joined c's room (b up %v, c up %v)", upB, upC)
		}
	}
	// b's next tick must not undo the new link (and if it does, the link must come back).
	time.Sleep(8 * time.Second)
	for _, e := range drain(b, c) {
		t.Logf("%s", e)
	}
	if err := c.SendDirect([]byte("c to b"), []int{2}, true, false); err != nil {
		t.Errorf("c to b, direct, 8s after both were up: %v", err)
	}
	if err := b.SendDirect([]byte("b to c"), []int{1}, true, false); err != nil {
		t.Errorf("b to c, direct, 8s after both were up: %v", err)
	}
}

// drain returns the events the peers have queued, as text.
func drain(ps ...*peer) []string {
	var out []string
	for _, p := range ps {
		for more := true; more; {
			select {
			case e := <-p.events:
				out = append(out, fmt.Sprintf("%s: %#v", p.name, e))
			default:
				more = false
			}
		}
	}
	return out
}
