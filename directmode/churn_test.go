package directmode_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// testOffer returns a valid SDP offer with a data channel.
func testOffer(t *testing.T) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.CreateDataChannel("reliable", nil); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// A room member (with a lower actor number) that sends offer after offer, each
// followed by a bye, must not make its victim create a peer connection for each: new
// links with one player are rate-limited (a burst of 3, then one per 2s).
func TestNewLinksFromOnePlayerAreRateLimited(t *testing.T) {
	w := newLoopbackWorld(t)
	attacker := w.rawConnect("x")
	if _, err := attacker.c.JoinOrCreateRoom(testContext(t), "churn", &client.RoomOptions{DirectMode: protocol.DirectAllToOthers}, nil); err != nil {
		t.Fatal(err)
	}
	victim := w.connect("v", directmode.Config{})
	if r, err := victim.Client().JoinOrCreateRoom(testContext(t), "churn", nil, nil); err != nil || r.ActorNr != 2 {
		t.Fatalf("victim join: %v %v", r, err)
	}
	victim.Sync()
	sdp := testOffer(t)
	before := runtime.NumGoroutine()

	const pairs = 30
	start := time.Now()
	for i := range pairs {
		s := int64(0x1000 + i)
		for _, sig := range []*directmode.Signal{{Kind: directmode.SignalOffer, Session: s, SDP: sdp}, {Kind: directmode.SignalBye, Session: s}} {
			if err := attacker.c.Signal(testContext(t), 2, sig.Map()); err != nil {
				t.Fatal(err)
			}
		}
	}
	sent := time.Since(start)
	answers := 0
	deadline := time.After(3 * time.Second)
loop:
	for {
		select {
		case e := <-attacker.relay:
			if se, ok := e.(*client.SignalEvent); ok && se.Data["t"] == directmode.SignalAnswer {
				answers++
			}
		case <-deadline:
			break loop
		}
	}
	t.Logf("%d offer+bye pairs sent in %v; victim answered %d (goroutines %d before, %d after)",
		pairs, sent.Round(time.Millisecond), answers, before, runtime.NumGoroutine())
	if limit := 3 + int(sent/(2*time.Second)); answers > limit {
		t.Errorf("victim created %d PeerConnections for one player in %v, want at most %d (a burst of 3, then one per 2s)", answers, sent.Round(time.Millisecond), limit)
	}
}
