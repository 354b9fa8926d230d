package directmode_test

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v4/vnet"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// The unreliable channel really is unreliable: under 10 % loss some messages never
// arrive (nothing retransmits them), while the reliable channel, under the same loss,
// delivers every message. This guards against the pion traps of research/webrtc.md
// §0.4: a negotiated channel, or one its opener does not read, silently stays reliable.
func TestUnreliableChannelLosesMessagesUnderLossWhileReliableDeliversAll(t *testing.T) {
	const sent = 300
	w := newVNetWorld(t)
	ha, hb := w.host("none", sideA), w.host("none", sideB)
	w.start()
	a, b := w.connect(ha, "a", directmode.Config{}), w.connect(hb, "b", directmode.Config{})
	joinRoom(t, "lossy", protocol.DirectAllToOthers, a, b)
	waitPair(t, a, b)

	if err := hb.loss.SetLossRate(10, true); err != nil { // packets to b, from anyone
		t.Fatal(err)
	}
	send := func(reliable bool) {
		for i := range sent {
			if err := a.SendDirect([]byte{byte(i), byte(i >> 8)}, []int{2}, reliable, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond) // a game's pace: one message per SCTP packet
		}
	}
	send(false)
	send(true)
	got := map[bool]int{}
	deadline := time.After(testTimeout)
	for got[true] < sent {
		select {
		case e := <-b.events:
			if m, ok := e.(*directmode.MessageEvent); ok {
				got[m.Reliable]++
			}
		case <-deadline:
			t.Fatalf("reliable channel delivered %d of %d under 10 %% loss", got[true], sent)
		}
	}
	t.Logf("under 10%% loss: unreliable %d/%d delivered, reliable %d/%d", got[false], sent, got[true], sent)
	// Unreliable messages were all sent before the reliable ones, so the ones missing
	// now are lost for good. Binomial(300, 0.1): fewer than 12 losses has p < 0.1 %.
	if lost := sent - got[false]; lost < 12 || lost > 75 {
		t.Errorf("unreliable channel lost %d of %d at 10 %% loss, want about 30 (12 to 75)", lost, sent)
	}
}

// A link that dies is reported, messages to that player go through the relay
// meanwhile, and the link comes back (ICE restart) when the path heals.
func TestDeadLinkIsReportedFallsBackToTheRelayAndRecovers(t *testing.T) {
	w := newVNetWorld(t)
	ha, hb := w.host("none", sideA), w.host("none", sideB)
	var cut atomic.Bool
	w.wan.AddChunkFilter(func(c vnet.Chunk) bool {
		// While cut, only relay traffic (port 7350) passes: the direct path and TURN die.
		return !cut.Load() || port(c.SourceAddr()) == 7350 || port(c.DestinationAddr()) == 7350
	})
	w.start()
	cfg := fastFail
	a, b := w.connect(ha, "a", cfg), w.connect(hb, "b", cfg)
	joinRoom(t, "fragile", protocol.DirectAllToOthers, a, b)
	waitPair(t, a, b)

	cut.Store(true)
	cutAt := time.Now()
	for _, p := range []*peer{a, b} {
		if e := next[*directmode.FailedEvent](t, p, testTimeout); !errors.Is(e.Err, directmode.ErrLinkLost) {
			t.Fatalf("%s: %v, want ErrLinkLost", p.name, e.Err)
		}
	}
	t.Logf("link loss reported %v after the cut", time.Since(cutAt).Round(time.Millisecond))
	if err := a.SendDirect([]byte("still there?"), nil, true, false); err == nil {
		t.Fatal("SendDirect without fallback on a dead link: no error")
	}
	if err := a.SendDirect([]byte("still there?"), nil, true, true); err != nil {
		t.Fatalf("SendDirect with fallback: %v", err)
	}
	if m := messages(t, b, 1, testTimeout)[0]; !m.ViaRelay || m.From != 1 || string(m.Data) != "still there?" {
		t.Fatalf("b got %+v, want a's message through the relay", m)
	}

	// A short break: ICE finds the path again by itself.
	cut.Store(false)
	healAt := time.Now()
	waitPair(t, a, b)
	t.Logf("link back %v after the path healed", time.Since(healAt).Round(time.Millisecond))
	exchangeBothWays(t, a, b, 3)

	// A long break: ICE fails, and the offerer restarts it once the path is back.
	cut.Store(true)
	for _, p := range []*peer{a, b} {
		next[*directmode.FailedEvent](t, p, testTimeout)
	}
	time.Sleep(cfg.FailedTimeout) // the outage lasts until ICE gives up
	cut.Store(false)
	healAt = time.Now()
	ea, eb := waitPair(t, a, b)
	t.Logf("link back %v after a long break, after %d ICE restarts", time.Since(healAt).Round(time.Millisecond), ea.Restarts)
	if ea.Restarts == 0 || eb.Restarts == 0 {
		t.Errorf("restarts: a %d, b %d; want an ICE restart on both sides", ea.Restarts, eb.Restarts)
	}
	exchangeBothWays(t, a, b, 3)
}

func port(a net.Addr) int {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.Port
	}
	return 0
}
