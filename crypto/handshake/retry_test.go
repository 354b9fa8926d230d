package handshake

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// fakeRelay is the relay's first-contact step (PROTOCOL.md §2, steps 1–3) on a UDP
// socket, without a DTLS server.
type fakeRelay struct {
	t    *testing.T
	sock *net.UDPConn
	jar  *CookieJar
}

// startClient runs Client against a fakeRelay until the test ends.
func startClient(t *testing.T) *fakeRelay {
	t.Helper()
	r := &fakeRelay{t: t, sock: listenUDP(t), jar: newJar(t)}
	cli := listenUDP(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	done := make(chan error, 1)
	go func() {
		_, err := Client(ctx, cli, r.sock.LocalAddr(), &ClientConfig{InsecureSkipVerify: true})
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Client: got %v, want context.Canceled", err)
		}
	})
	return r
}

// readFirstContact reads the client's next datagram, which must be a first-contact datagram.
func (r *fakeRelay) readFirstContact() (FirstContact, []byte, *net.UDPAddr) {
	r.t.Helper()
	d, from := readDatagram(r.t, r.sock)
	if len(d) < MinFirstContact {
		r.t.Fatalf("client datagram: got %d bytes, want at least %d", len(d), MinFirstContact)
	}
	fc, err := ParseFirstContact(d)
	if err != nil {
		r.t.Fatalf("client datagram is not a first contact: %v: % x", err, d[:64])
	}
	return fc, d, from
}

// readCookied reads the client's datagrams until one carries a cookie: a DTLS
// retransmission timer may have sent the ClientHello again before the RETRY arrived.
// Every datagram must carry the same ClientHello random.
func (r *fakeRelay) readCookied(random [32]byte) (FirstContact, []byte) {
	r.t.Helper()
	for {
		fc, d, _ := r.readFirstContact()
		if fc.Random != random {
			r.t.Fatalf("ClientHello random changed: got %x, want %x", fc.Random, random)
		}
		if len(fc.Cookie) > 0 {
			return fc, d
		}
	}
}

func (r *fakeRelay) send(b []byte, to *net.UDPAddr) {
	r.t.Helper()
	if _, err := r.sock.WriteToUDP(b, to); err != nil {
		r.t.Fatalf("WriteToUDP: %v", err)
	}
}

func TestClientAnswersRetry(t *testing.T) {
	r := startClient(t)

	first, d1, from := r.readFirstContact()
	if len(first.Cookie) != 0 {
		t.Errorf("first attempt: got cookie %x, want none", first.Cookie)
	}
	if got := len(d1); got != MinFirstContact {
		t.Errorf("first attempt: got %d bytes, want %d", got, MinFirstContact)
	}
	if !bytes.Equal(d1[randomOffset:randomOffset+32], first.Random[:]) {
		t.Errorf("Random: got %x, want the ClientHello's %x", first.Random, d1[randomOffset:randomOffset+32])
	}

	now := time.Now()
	cookie := r.jar.Append(nil, from.AddrPort(), &first.Random, now)
	retry := AppendRetry(nil, cookie)
	if len(retry) != RetryLen {
		t.Fatalf("RETRY: got %d bytes, want %d", len(retry), RetryLen)
	}
	r.send(retry, from)

	second, d2 := r.readCookied(first.Random)
	if !bytes.Equal(second.Cookie, cookie) {
		t.Errorf("second attempt: got cookie %x, want %x", second.Cookie, cookie)
	}
	if !r.jar.Valid(from.AddrPort(), &second.Random, second.Cookie, now) {
		t.Errorf("the echoed cookie is not valid")
	}
	// The DTLS bytes are unchanged, so the transcript never holds the cookie. Only the
	// record sequence number may differ, if a retransmission won the race.
	if second.DTLSLen != first.DTLSLen {
		t.Fatalf("DTLSLen: got %d, want %d", second.DTLSLen, first.DTLSLen)
	}
	masked := func(d []byte) []byte {
		d = bytes.Clone(d[:first.DTLSLen])
		clear(d[5:11]) // sequence number
		return d
	}
	if !bytes.Equal(masked(d2), masked(d1)) {
		t.Errorf("the ClientHello changed between attempts:\n got % x\nwant % x", d2[:second.DTLSLen], d1[:first.DTLSLen])
	}
}

func TestClientIgnoresMalformedRetry(t *testing.T) {
	r := startClient(t)
	first, _, from := r.readFirstContact()

	for _, bad := range [][]byte{
		{TypeRetry},          // no length
		{TypeRetry, 3, 1, 2}, // cookie cut short
		append([]byte{TypeRetry, 33}, make([]byte, 33)...), // cookie too long
	} {
		r.send(bad, from)
	}
	cookie := r.jar.Append(nil, from.AddrPort(), &first.Random, time.Now())
	r.send(AppendRetry(nil, cookie), from)

	second, _ := r.readCookied(first.Random)
	if !bytes.Equal(second.Cookie, cookie) {
		t.Errorf("got cookie %x, want %x (of the only well-formed RETRY)", second.Cookie, cookie)
	}
}

func TestClientUsesLatestRetryCookie(t *testing.T) {
	r := startClient(t)
	first, _, from := r.readFirstContact()

	c1 := bytes.Repeat([]byte{1}, CookieLen)
	r.send(AppendRetry(nil, c1), from)
	if got, _ := r.readCookied(first.Random); !bytes.Equal(got.Cookie, c1) {
		t.Fatalf("got cookie %x, want %x", got.Cookie, c1)
	}
	c2 := bytes.Repeat([]byte{2}, CookieLen)
	r.send(AppendRetry(nil, c2), from)
	for {
		got, _ := r.readCookied(first.Random)
		if bytes.Equal(got.Cookie, c2) {
			break
		}
		if !bytes.Equal(got.Cookie, c1) {
			t.Fatalf("got cookie %x, want %x or %x", got.Cookie, c1, c2)
		}
	}
}
