package transport

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestMTUAndMessageSizeAreNegotiatedDown(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{Config: Config{MTU: 1300}}) // relay: 64 KiB messages
	c := dialRelay(t, l, nil, DialConfig{Config: Config{MTU: 1400, MaxMessageSize: 1000}})
	sc := acceptConn(t, l)
	for _, side := range []*Conn{c, sc} {
		if side.p.mtu != 1300 || side.p.maxMessage != 1000 {
			t.Fatalf("client=%v: MTU %d, max message %d; want 1300 and 1000", side.client, side.p.mtu, side.p.maxMessage)
		}
	}
	if err := sc.Send(0, make([]byte, 2000)); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("relay sending more than the client accepts: got %v, want ErrMessageTooLarge", err)
	}
	if c.SessionID() == 0 || c.SessionID() != sc.SessionID() {
		t.Fatalf("session IDs: client %x, relay %x; want the same, nonzero", c.SessionID(), sc.SessionID())
	}
	mustSend(t, sc, 1, make([]byte, 15_000)) // unreliable, in 1300-byte fragments
	if m := receive(t, c); len(m.Data) != 15_000 {
		t.Fatalf("got %d bytes, want 15000", len(m.Data))
	}
}

func TestPeerExceedingTheNegotiatedMessageSizeIsDisconnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		relay.c.p.maxMessage = 1000 // what the relay granted; this client ignores it
		mustSend(t, client.c, 0, make([]byte, 5000))
		for range 10 {
			exchange(client, relay, newLink(1, 0, 0, 0), newLink(2, 0, 0, 0), 5*time.Millisecond)
		}
		var ce *CloseError
		if err := relay.c.Err(); !errors.As(err, &ce) || ce.Code != CodeProtocol {
			t.Fatalf("after a 5000-byte message on a 1000-byte connection: got %v, want a protocol close", err)
		}
		if got := drain(relay); len(got) != 0 {
			t.Fatalf("oversized message delivered: %d messages", len(got))
		}
	})
}
