package transport

import (
	"testing"
	"testing/synctest"
	"time"
)

// A receiver whose application stopped reading fills its KCP window, and the sender
// stops. When the application reads again, the receiver must tell the sender its window
// is open at once: nothing else would, since it has nothing of its own in flight.
func TestASlowReaderReopensTheSendersWindowAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{recvQueue: 8})
		ok := newLink(1, 0, 0, 0)
		const n = 400
		msg := make([]byte, 1000)
		for i := range n {
			msg[0], msg[1] = byte(i), byte(i>>8)
			mustSend(t, relay.c, 0, msg)
		}
		// The client's application does not read for a while: the window fills.
		for range 200 {
			exchange(relay, client, ok, ok, time.Millisecond)
		}
		start := time.Now()
		got := 0
		for got < n && time.Since(start) < 10*time.Second {
			for range 8 { // the application reads what its queue holds, every millisecond
				select {
				case m := <-client.c.recvCh:
					client.c.afterReceive()
					if want := [2]byte{byte(got), byte(got >> 8)}; m.Data[0] != want[0] || m.Data[1] != want[1] {
						t.Fatalf("message %d out of order", got)
					}
					got++
				default:
				}
			}
			exchange(relay, client, ok, ok, time.Millisecond)
		}
		if got != n {
			t.Fatalf("got %d of %d messages in 10 s", got, n)
		}
		took := time.Since(start)
		t.Logf("%d messages read in %v once the reader was back", n, took)
		if took > time.Second {
			t.Errorf("reading %d messages once the reader was back took %v: the sender's window stayed shut", n, took)
		}
	})
}
