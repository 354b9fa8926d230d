package transport

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

// clientSecrets reads a client's token and resume secret on its worker.
func clientSecrets(t *testing.T, c *Conn) (token []byte, secret [32]byte) {
	t.Helper()
	c.w.call(func() { token, secret = bytes.Clone(c.cl.token), c.cl.resumeKey })
	if len(token) == 0 {
		t.Fatal("client has no resume token")
	}
	return token, secret
}

// TestResumeToASpoofedAddressIsCappedUntilValidated: a player who holds a session
// asks, from a victim's address, for a new connection (RESUME without continue). The
// relay may answer, but until the victim answers a challenge it never sends it more
// than three times the RESUME, however much the game pushes to the new connection.
func TestResumeToASpoofedAddressIsCappedUntilValidated(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	c := dialRelay(t, l, nil, DialConfig{})
	acceptConn(t, l)
	token, secret := clientSecrets(t, c)
	nonce := [16]byte{1, 2, 3}
	req := appendResume(nil, token, &nonce, 99, 0, func(b []byte) [16]byte { return seal.ResumeMAC(&secret, b) })

	victim := listenLoopback(t)
	defer victim.Close()
	if _, err := victim.WriteTo(req, l.Addr()); err != nil { // as if spoofed: the victim never answers
		t.Fatal(err)
	}
	resumed := acceptConn(t, l)
	for range 20 {
		mustSend(t, resumed, 0, make([]byte, 10_000)) // the game greets its "returning" player
	}
	got := 0
	buf := make([]byte, 2048)
	victim.SetReadDeadline(time.Now().Add(1500 * time.Millisecond)) // several challenge retries
	for {
		n, err := victim.Read(buf)
		if err != nil {
			break
		}
		got += n
	}
	if got == 0 || got > 3*len(req) {
		t.Fatalf("victim got %d bytes for a %d-byte RESUME; want some, at most three times", got, len(req))
	}
}

func TestRepeatedResumeIsAnsweredAloneWhilePending(t *testing.T) {
	l := &Listener{used: map[[16]byte]*usedToken{}}
	tb := tokenBody{id: [16]byte{7}, expires: time.Now().Add(time.Minute).UnixMilli()}
	req := resumeReq{clientNonce: [16]byte{1}, mac: [16]byte{2}}
	a, b := netip.MustParseAddrPort("192.0.2.1:1"), netip.MustParseAddrPort("192.0.2.2:2")
	if _, use := l.useToken(&tb, &req, a); use != tokenFresh {
		t.Fatalf("first use: got %d, want fresh", use)
	}
	if _, use := l.useToken(&tb, &req, a); use != tokenPending {
		t.Fatalf("copy before the answer: got %d, want pending (dropped, not refused)", use)
	}
	l.used[tb.id].reply = []byte("RESUMED")
	if rec, use := l.useToken(&tb, &req, b); use != tokenRepeat || string(rec.reply) != "RESUMED" {
		t.Fatalf("copy from another address after the answer: got %d, want the same answer", use)
	}
	other := req
	other.clientNonce[0] = 9
	if _, use := l.useToken(&tb, &other, a); use != tokenUsed {
		t.Fatalf("another request with the token: got %d, want used", use)
	}
}

func TestForgedResumeRefusalDoesNotKillTheClient(t *testing.T) {
	l, nat, c, sc := resumeSetup(t)
	oldLocal := c.LocalAddr().String()
	nat.filter(dropAll, dropAll)
	eventually(t, "the client to move to a new port", func() bool { return c.LocalAddr().String() != oldLocal })

	attacker := listenLoopback(t)
	defer attacker.Close()
	forged := []byte{typeResumeRefused, 0, 0, 0, 0, resumeExpired}
	c.w.call(func() {
		copy(forged[1:5], []byte{byte(c.localCID >> 24), byte(c.localCID >> 16), byte(c.localCID >> 8), byte(c.localCID)})
	})
	if _, err := attacker.WriteTo(forged, c.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	nat.filter(nil, nil) // the real relay answers within the grace second
	eventually(t, "the resume", func() bool { return l.Stats().Resumes == 1 })
	mustSend(t, c, 0, []byte("survived"))
	if m := receive(t, sc); string(m.Data) != "survived" {
		t.Fatalf("got %q", m.Data)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("client closed: %v", err)
	}
}

func TestOneWayTrafficOnAHealthyPathNeverResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		client.c.p.pathTimeout = 3 * time.Second
		ok := newLink(1, 0, 0, 0)
		for range 400 { // 20 s of client input, 20 per second; the relay has nothing to say
			mustSend(t, client.c, 1, []byte("input"))
			exchange(client, relay, ok, ok, 50*time.Millisecond)
			for _, p := range client.io.out {
				if p[0] == typeResume {
					t.Fatal("client resumed on a healthy path")
				}
			}
			if client.c.cl.resuming {
				t.Fatal("client took a healthy path for broken")
			}
		}
		if client.c.Stats().RTT == 0 {
			t.Error("no RTT sample in 20 s")
		}
	})
}

func TestUnansweredPathChallengeIsRepeated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		moved := netip.MustParseAddrPort("192.0.2.10:52000")
		mustSend(t, client.c, 1, []byte("after a NAT rebinding"))
		client.step()
		relay.receiveFrom(client.take(), moved)
		if len(relay.take()) == 0 { // the first challenge is lost
			t.Fatal("no challenge sent")
		}
		wait(300*time.Millisecond, relay)
		again := relay.take()
		if len(again) == 0 {
			t.Fatal("challenge not repeated after 300 ms")
		}
		client.receive(again)
		client.step()
		wait(time.Millisecond, client)
		relay.receiveFrom(client.take(), moved)
		if !relay.c.pathValid {
			t.Fatal("path not validated by the answer to the repeated challenge")
		}
	})
}

var _ net.Addr = (*net.UDPAddr)(nil)
