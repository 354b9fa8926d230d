package transport

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// engineState reports, for each reliable channel of c, whether it holds a KCP engine,
// and whether any channel has been rebased (a later engine in the same stream).
func engineState(c *Conn) (held []bool, rebased bool) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	for i := range c.chans {
		if rc := c.chans[i].rel; rc != nil {
			held = append(held, rc.kcp != nil)
			rebased = rebased || rc.sndBase != 0 || rc.rcvBase != 0
		}
	}
	return held, rebased
}

func anyHeld(held []bool) bool {
	for _, h := range held {
		if h {
			return true
		}
	}
	return false
}

// An idle reliable channel frees its KCP engine and, with a new one, goes on delivering
// in order over loss, duplication and reordering, in both directions, several times over.
func TestReliableChannelsAfterEngineRelease(t *testing.T) {
	id := testIdentityIn(t, t.TempDir())
	for i, loss := range []float64{0, 0.20} {
		t.Run(fmt.Sprintf("loss %.0f%%", loss*100), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, c, sc, ctx := lossyReliablePair(t, id, uint64(i+11), loss)
				next := 0
				for round := range 4 {
					const n = 40
					for k := next; k < next+n; k++ {
						mustSend(t, c, k%2, testMessage(k))
						mustSend(t, sc, k%2, testMessage(k))
					}
					receiveInOrder(ctx, t, "relay", sc, next, n)
					receiveInOrder(ctx, t, "client", c, next, n)
					next += n
					waitReleased(t, round, sc, c)
				}
				for _, side := range []*Conn{sc, c} {
					if _, rebased := engineState(side); !rebased {
						t.Errorf("no channel was rebased: engines were not replaced")
					}
				}
			})
		})
	}
}

// receiveInOrder receives n messages, numbered from first and alternating between the
// two channels, and checks each channel's order.
func receiveInOrder(ctx context.Context, t *testing.T, name string, c *Conn, first, n int) {
	t.Helper()
	want := [2]int{first, first + 1}
	if first%2 == 1 {
		want = [2]int{first + 1, first}
	}
	for range n {
		m, err := c.Receive(ctx)
		if err != nil {
			t.Fatalf("%s: Receive: %v (stats %+v)", name, err, c.Stats())
		}
		if w := testMessage(want[m.Channel]); !bytes.Equal(m.Data, w) {
			t.Fatalf("%s: on channel %d got message %d, want %d", name, m.Channel, m.Data[3], want[m.Channel])
		}
		want[m.Channel] += 2
	}
}

// waitReleased waits until neither side holds an engine; acknowledgements lost on the
// way may delay it by a few retransmissions.
func waitReleased(t *testing.T, round int, sides ...*Conn) {
	t.Helper()
	for range 20 {
		time.Sleep(engineIdle)
		synctest.Wait()
		held := false
		for _, s := range sides {
			h, _ := engineState(s)
			held = held || anyHeld(h)
		}
		if !held {
			return
		}
	}
	for _, s := range sides {
		h, _ := engineState(s)
		t.Errorf("round %d: engines still held after %v idle: %v", round, 20*engineIdle, h)
	}
	t.FailNow()
}

// An engine that holds part of the peer's stream (a segment past a gap, or the first
// fragment of a message) is not freed, however long it waits: those segments were
// acknowledged and would never come again. Once the rest arrives the message is
// delivered and the engine is freed.
func TestEngineHoldingPartOfAMessageIsKept(t *testing.T) {
	for _, tt := range []struct {
		name    string
		deliver int // which of the message's two segments reaches the relay first
	}{
		{"segment past a gap", 1},
		{"first fragment", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, relay := newPair(t, pairOptions{plain: true})
				msg := make([]byte, 1500) // two KCP segments
				msg[0] = 42
				mustSend(t, client.c, 0, msg)
				client.step()
				pkts := client.take()
				if len(pkts) != 2 {
					t.Fatalf("a two-segment message went out in %d datagrams, want 2", len(pkts))
				}
				relay.receive(pkts[tt.deliver : tt.deliver+1])
				wait(3*engineIdle, relay) // the client's retransmissions are lost meanwhile
				relay.take()
				if held, _ := engineState(relay.c); !anyHeld(held) {
					t.Fatal("the relay freed an engine holding part of a message")
				}
				if got := drain(relay); len(got) != 0 {
					t.Fatalf("delivered %d messages from half of one", len(got))
				}
				relay.receive(pkts)
				if got := drain(relay); len(got) != 1 || !bytes.Equal(got[0].Data, msg) {
					t.Fatalf("after the whole message arrived: delivered %d messages, want it once", len(got))
				}
				up, down := newLink(1, 0, 0, 0), newLink(2, 0, 0, 0)
				for range 3 * int(engineIdle/(100*time.Millisecond)) {
					exchange(client, relay, up, down, 100*time.Millisecond)
				}
				for _, s := range []*side{client, relay} {
					if held, _ := engineState(s.c); anyHeld(held) {
						t.Errorf("engine still held after the message was delivered and %v idle", 3*engineIdle)
					}
				}
			})
		})
	}
}

// exchangeFor runs exchange every 10 ms for d.
func exchangeFor(client, relay *side, up, down *link, d time.Duration) {
	for range int(d / (10 * time.Millisecond)) {
		exchange(client, relay, up, down, 10*time.Millisecond)
	}
}

// sendLoneMessage sends msg from the relay after a quiet spell and checks that both
// sides free their engines within 2*engineSettle.
func sendLoneMessage(t *testing.T, client, relay *side, run func(time.Duration), msg []byte) {
	t.Helper()
	run(3 * engineIdle) // quiet
	mustSend(t, relay.c, 0, msg)
	run(2 * engineSettle)
	for _, s := range []*side{client, relay} {
		if held, _ := engineState(s.c); anyHeld(held) {
			t.Errorf("client %v: engines %v still held %v after a lone message of %d bytes", s.c.client, held, 2*engineSettle, len(msg))
		}
	}
}

// A lone message after a quiet spell frees its engines soon after it is acknowledged;
// a channel in steady use keeps them.
func TestEngineReleaseTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		up, down := newLink(3, 0, 0, 0), newLink(4, 0, 0, 0)
		run := func(d time.Duration) { exchangeFor(client, relay, up, down, d) }
		sendLoneMessage(t, client, relay, run, []byte("app stats"))
		for i := range 10 { // one message every 500 ms
			mustSend(t, relay.c, 0, []byte{byte(i)})
			run(500 * time.Millisecond)
			if held, _ := engineState(relay.c); !held[0] {
				t.Fatalf("message %d: the engine of a channel in steady use was freed", i)
			}
		}
		run(engineIdle + 2*engineSettle)
		if held, _ := engineState(relay.c); anyHeld(held) {
			t.Errorf("engines %v still held %v after the last message", held, engineIdle+2*engineSettle)
		}
		if got := len(drain(client)); got != 11 {
			t.Errorf("client got %d messages, want 11", got)
		}
	})
}

// A lone message that spans several KCP segments is still one message: the receiver
// frees its engine engineSettle after it, as for a short one, not engineIdle.
func TestEngineReleaseAfterLoneLargeMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		up, down := newLink(5, 0, 0, 0), newLink(6, 0, 0, 0)
		run := func(d time.Duration) { exchangeFor(client, relay, up, down, d) }
		msg := make([]byte, 3000) // three KCP segments
		sendLoneMessage(t, client, relay, run, msg)
		if got := drain(client); len(got) != 1 || !bytes.Equal(got[0].Data, msg) {
			t.Errorf("client got %d messages, want the one", len(got))
		}
	})
}
