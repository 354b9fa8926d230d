package directmode_test

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func TestTwoPlayersExchangeMessagesBothWaysOnBothChannels(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{})
	joinRoom(t, "duel", protocol.DirectAllToOthers, a, b)
	ea, eb := waitPair(t, a, b)
	t.Logf("a→b up in %v via %s/%s, b→a in %v", ea.SetupTime, ea.Local, ea.Remote, eb.SetupTime)
	if ea.Relayed || eb.Relayed {
		t.Errorf("loopback link relayed through TURN: %+v %+v", ea, eb)
	}
	for _, reliable := range []bool{true, false} {
		for _, pair := range [][2]*peer{{a, b}, {b, a}} {
			from, to := pair[0], pair[1]
			want := fmt.Sprintf("%s says hi, reliable=%v", from.name, reliable)
			if err := from.SendDirect([]byte(want), nil, reliable, false); err != nil {
				t.Fatalf("%s: SendDirect: %v", from.name, err)
			}
			m := messages(t, to, 1, testTimeout)[0]
			self := from.Client().Room().ActorNr
			if string(m.Data) != want || m.From != self || m.Reliable != reliable || m.ViaRelay {
				t.Errorf("%s got %+v (%q), want %q from %d reliable=%v, direct", to.name, m, m.Data, want, self, reliable)
			}
		}
	}
}

// An 8-player full mesh on loopback comes up quickly: the issue asks for under a second.
// The time is logged (and measured by BenchmarkFullMeshOfEight); the test fails only past
// the test timeout, since a loaded CI machine may be slower.
func TestFullMeshOfEightComesUp(t *testing.T) {
	w := newLoopbackWorld(t)
	ps := make([]*peer, 8)
	for i := range ps {
		ps[i] = w.connect(fmt.Sprint("p", i+1), directmode.Config{})
	}
	start := time.Now()
	joinRoom(t, "mesh8", protocol.DirectAllToOthers, ps...)
	joined := time.Since(start)
	slowest := waitMesh(t, ps)
	t.Logf("8 players joined in %v; all 56 link ends up %v after the first join; slowest link %v",
		joined, time.Since(start), slowest)
	// Every player reaches every other directly.
	for _, p := range ps {
		if err := p.SendDirect([]byte(p.name), nil, true, false); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
	}
	for _, p := range ps {
		var from []int
		for _, m := range messages(t, p, 7, testTimeout) {
			from = append(from, m.From)
		}
		slices.Sort(from)
		if len(slices.Compact(from)) != 7 {
			t.Errorf("%s got messages from %v, want the 7 others", p.name, from)
		}
	}
}

func TestMasterToOthersIsAStarReformedWhenTheMasterChanges(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b, c := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{}), w.connect("c", directmode.Config{})
	joinRoom(t, "star", protocol.DirectMasterToOthers, a, b, c)
	waitEstablished(t, a, testTimeout, 2, 3)
	waitEstablished(t, b, testTimeout, 1)
	waitEstablished(t, c, testTimeout, 1)

	// b and c are not linked: b's message to c needs the relay.
	err := b.SendDirect([]byte("b to c"), []int{3}, true, false)
	var ue *directmode.UndeliveredError
	if !errors.As(err, &ue) || !slices.Equal(ue.Actors, []int{3}) {
		t.Fatalf("b to c without fallback: %v, want UndeliveredError for actor 3", err)
	}
	if err := b.SendDirect([]byte("b to c"), []int{3}, true, true); err != nil {
		t.Fatalf("b to c through the relay: %v", err)
	}
	if m := messages(t, c, 1, testTimeout)[0]; !m.ViaRelay || m.From != 2 || string(m.Data) != "b to c" {
		t.Fatalf("c got %+v, want b's message via the relay", m)
	}

	// b becomes master: the star re-forms around b.
	if err := a.Client().SetMasterClient(testContext(t), 2, 1); err != nil {
		t.Fatal(err)
	}
	if e := next[*directmode.ClosedEvent](t, c, testTimeout); e.Actor != 1 {
		t.Errorf("c closed the link to %d, want 1", e.Actor)
	}
	waitEstablished(t, b, testTimeout, 3)
	waitEstablished(t, c, testTimeout, 2)
	if err := c.SendDirect([]byte("c to b"), nil, true, false); err != nil {
		t.Fatalf("c to the new master: %v", err)
	}
	if m := messages(t, b, 1, testTimeout)[0]; m.ViaRelay || m.From != 3 {
		t.Fatalf("b got %+v, want c's direct message", m)
	}
}

func TestToAllModesDeliverToSelf(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{})
	joinRoom(t, "all", protocol.DirectAllToAll, a, b)
	waitPair(t, a, b)
	if err := a.SendDirect([]byte("to all"), nil, false, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, b} {
		if m := messages(t, p, 1, testTimeout)[0]; m.From != 1 || string(m.Data) != "to all" {
			t.Errorf("%s got %+v, want a's message", p.name, m)
		}
	}
}

func TestLeavingClosesTheLink(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{})
	joinRoom(t, "leave", protocol.DirectAllToOthers, a, b)
	waitPair(t, a, b)
	if err := b.Client().LeaveRoom(testContext(t), false); err != nil {
		t.Fatal(err)
	}
	b.Sync()
	if e := next[*directmode.ClosedEvent](t, a, testTimeout); e.Actor != 2 {
		t.Errorf("a closed the link to %d, want 2", e.Actor)
	}
	if e := next[*directmode.ClosedEvent](t, b, testTimeout); e.Actor != 1 {
		t.Errorf("b closed the link to %d, want 1", e.Actor)
	}
	if err := b.SendDirect([]byte("x"), nil, true, true); !errors.Is(err, directmode.ErrNotInRoom) {
		t.Errorf("SendDirect after leaving: %v, want ErrNotInRoom", err)
	}
}

func TestSignallingOutsideTheRoomIsRefused(t *testing.T) {
	w := newLoopbackWorld(t)
	a, b, outsider := w.connect("a", directmode.Config{}), w.connect("b", directmode.Config{}), w.connect("x", directmode.Config{})
	joinRoom(t, "inside", protocol.DirectAllToOthers, a, b)
	joinRoom(t, "outside", protocol.DirectAllToOthers, outsider)
	offer := (&directmode.Signal{Kind: directmode.SignalOffer, Session: 7, SDP: "v=0"}).Map()
	err := outsider.Client().Signal(testContext(t), 2, offer)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeInvalidOperation {
		t.Fatalf("signal to actor 2 of another room: %v, want InvalidOperation", err)
	}
	_ = client.Event(nil)
}

func TestCloseFromTheHandlerReturns(t *testing.T) {
	w := newLoopbackWorld(t)
	a := w.connect("a", directmode.Config{})
	closed := make(chan error, 1)
	var mesh atomic.Pointer[directmode.Mesh]
	b := w.connect("b", directmode.Config{Handler: func(e directmode.Event) {
		if _, ok := e.(*directmode.MessageEvent); ok {
			closed <- mesh.Load().Close() // from the handler itself
		}
	}})
	mesh.Store(b.Mesh)
	joinRoom(t, "close", protocol.DirectAllToOthers, a, b)
	waitEstablished(t, a, testTimeout, 2)
	if err := a.SendDirect([]byte("bye"), nil, true, false); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close from the handler did not return")
	}
}
