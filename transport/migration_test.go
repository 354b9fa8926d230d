package transport

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"
)

func TestNewPathGetsAtMostThreeTimesWhatItSentUntilValidated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		mustSend(t, relay.c, 0, make([]byte, 60_000)) // plenty for the client
		relay.step()
		relay.take() // lost: the client's NAT mapping just changed
		moved := netip.MustParseAddrPort("192.0.2.10:51000")

		mustSend(t, client.c, 1, []byte("from a new port"))
		client.step()
		pkts := client.take()
		received := 0
		for _, p := range pkts {
			received += len(p)
		}
		relay.receiveFrom(pkts, moved)
		wait(300*time.Millisecond, relay) // KCP wants to retransmit everything
		sent := 0
		for i, p := range relay.io.out {
			if relay.io.to[i] != moved {
				t.Fatalf("relay sent to %v, want only the new path %v", relay.io.to[i], moved)
			}
			sent += len(p)
		}
		if sent == 0 || sent > 3*received {
			t.Fatalf("unvalidated path: relay sent %d bytes after receiving %d; want some, at most three times", sent, received)
		}
		if relay.c.pathValid {
			t.Fatal("path counted as valid before the client answered the challenge")
		}

		// The client answers the challenge (a PONG in its next packet) from the new path.
		client.receive(relay.take())
		client.step()
		wait(time.Millisecond, client)
		relay.receiveFrom(client.take(), moved)
		if !relay.c.pathValid {
			t.Fatal("path not valid after the client answered the challenge")
		}
		var got int
		for range 200 {
			relay.timers()
			pkts := relay.take()
			client.receive(pkts)
			relay.receiveFrom(client.take(), moved)
			for _, m := range drain(client) {
				got += len(m.Data)
			}
			if got == 60_000 {
				break
			}
			wait(20*time.Millisecond, client, relay)
		}
		if got != 60_000 {
			t.Fatalf("client got %d of 60000 bytes after validation", got)
		}
	})
}
