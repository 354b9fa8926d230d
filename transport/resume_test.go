package transport

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

// resumeConfigs make path breaks quick to detect: the client resumes after 300 ms of
// silence, well inside the relay's 5 s idle timeout.
func resumeConfigs() (ListenConfig, DialConfig) {
	return ListenConfig{Config: Config{KeepAlive: 100 * time.Millisecond, IdleTimeout: 5 * time.Second}},
		DialConfig{PathTimeout: 300 * time.Millisecond}
}

// resumeSetup starts a relay with resumeConfigs and a client behind a NAT.
func resumeSetup(t *testing.T) (*Listener, *udpNAT, *Conn, *Conn) {
	t.Helper()
	lc, dc := resumeConfigs()
	l := startRelay(t, "127.0.0.1:0", lc)
	nat := newUDPNAT(t, l.Addr())
	c := dialRelay(t, l, nat.Addr(), dc)
	return l, nat, c, acceptConn(t, l)
}

// breakAndResume cuts the path until the client has moved to a new local port, then
// restores it and waits for the relay to count the resume. It returns the RESUME
// datagrams the client sent.
func breakAndResume(t *testing.T, l *Listener, nat *udpNAT, c *Conn) [][]byte {
	t.Helper()
	resumes := make(chan []byte, 64)
	oldLocal := c.LocalAddr().String()
	before := l.Stats().Resumes
	nat.filter(dropAll, dropAll)
	eventually(t, "the client to move to a new port", func() bool { return c.LocalAddr().String() != oldLocal })
	nat.filter(func(b []byte) bool {
		if b[0] == typeResume {
			resumes <- bytes.Clone(b)
		}
		return true
	}, nil)
	eventually(t, "the relay to resume the session", func() bool { return l.Stats().Resumes > before })
	nat.filter(nil, nil)
	var out [][]byte
	for len(resumes) > 0 {
		out = append(out, <-resumes)
	}
	return out
}

func TestClientResumesInOneRoundTripAfterItsPathBreaks(t *testing.T) {
	l, nat, c, sc := resumeSetup(t)
	mustSend(t, c, 0, testMessage(0))
	receive(t, sc)
	resumes := breakAndResume(t, l, nat, c)
	if len(resumes) != 1 {
		t.Errorf("the client sent %d RESUMEs once the path was back, want 1 (one round trip)", len(resumes))
	}
	for i := 1; i < 20; i++ {
		mustSend(t, c, 0, testMessage(i))
		mustSend(t, sc, 0, testMessage(i))
	}
	for i := 1; i < 20; i++ {
		if m := receive(t, sc); !bytes.Equal(m.Data, testMessage(i)) {
			t.Fatalf("relay: message %d wrong after the resume", i)
		}
		if m := receive(t, c); !bytes.Equal(m.Data, testMessage(i)) {
			t.Fatalf("client: message %d wrong after the resume", i)
		}
	}
	if s := l.Stats(); s.Conns != 1 || s.Handshakes != 1 {
		t.Fatalf("relay: %d connections, %d handshakes; want the one connection, resumed", s.Conns, s.Handshakes)
	}
	if c.Err() != nil || sc.Err() != nil {
		t.Fatalf("connection closed: client %v, relay %v", c.Err(), sc.Err())
	}
}

func TestResumeReplayedFromElsewhereGetsNothingUseful(t *testing.T) {
	l, nat, c, sc := resumeSetup(t)
	resumes := breakAndResume(t, l, nat, c)
	if len(resumes) == 0 {
		t.Fatal("captured no RESUME")
	}
	attacker := listenLoopback(t)
	defer attacker.Close()

	// The identical request gets the identical answer, sealed under keys only the real
	// client can derive, and small: no amplification, no state.
	reply := exchangeDatagram(t, attacker, l.Addr(), resumes[0])
	if reply[0] != typeResumed || 3*len(reply) > len(resumes[0]) {
		t.Fatalf("identical RESUME from elsewhere: got %d bytes of type %#x; want RESUMED, at most a third of %d", len(reply), reply[0], len(resumes[0]))
	}
	// A changed request does not carry a valid MAC.
	forged := bytes.Clone(resumes[0])
	forged[3+int(binary.BigEndian.Uint16(forged[1:]))] ^= 1 // the client nonce, after the token
	if reply := exchangeDatagram(t, attacker, l.Addr(), forged); reply[0] != typeResumeRefused || reply[5] != resumeInvalid {
		t.Fatalf("tampered RESUME: got %x, want RESUME_REFUSED (invalid)", reply)
	}

	mustSend(t, c, 0, []byte("still mine"))
	if m := receive(t, sc); string(m.Data) != "still mine" {
		t.Fatalf("got %q", m.Data)
	}
	mustSend(t, sc, 0, []byte("and still yours"))
	if m := receive(t, c); string(m.Data) != "and still yours" {
		t.Fatalf("got %q", m.Data)
	}
	if s := l.Stats(); s.Resumes != 1 || s.Conns != 1 {
		t.Fatalf("relay: %d resumes, %d connections; want 1 and 1", s.Resumes, s.Conns)
	}
}

func TestExpiredResumeTokenIsRefused(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	c := dialRelay(t, l, nil, DialConfig{})
	sc := acceptConn(t, l)
	tb := tokenBody{session: sc.session, expires: time.Now().Add(-time.Second).UnixMilli(),
		secret: sc.resumeKey, channels: sc.modes, serverCID: sc.localCID, mtu: 1200, maxMsg: 65536}
	token, err := l.tokenKey.Seal(nil, tb.append(nil))
	if err != nil {
		t.Fatal(err)
	}
	var nonce [16]byte
	req := appendResume(nil, token, &nonce, 77, resumeContinue, func(b []byte) [16]byte { return seal.ResumeMAC(&tb.secret, b) })
	sock := listenLoopback(t)
	defer sock.Close()
	if reason := askResume(t, sock, l.Addr(), req); reason != resumeExpired {
		t.Fatalf("expired token: got refusal %d, want %d", reason, resumeExpired)
	}
	if c.Err() != nil || sc.Err() != nil {
		t.Fatal("a refused resume hurt the live connection")
	}
}

// askResume sends a RESUME and returns the relay's RESUME_REFUSED reason.
func askResume(t *testing.T, sock *net.UDPConn, relay net.Addr, req []byte) byte {
	t.Helper()
	b := exchangeDatagram(t, sock, relay, req)
	if len(b) != refusedLen || b[0] != typeResumeRefused {
		t.Fatalf("answer of %d bytes, type %#x; want RESUME_REFUSED", len(b), b[0])
	}
	return b[5]
}

// exchangeDatagram sends req from sock and returns the first answer.
func exchangeDatagram(t *testing.T, sock *net.UDPConn, to net.Addr, req []byte) []byte {
	t.Helper()
	if _, err := sock.WriteTo(req, to); err != nil {
		t.Fatal(err)
	}
	sock.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, err := sock.Read(buf)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return buf[:n]
}

func TestFreshTokensRideOnPacketsGoingOutAnyway(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{ResumeLifetime: 1500 * time.Millisecond}) // a token every 0.5 s
	c := dialRelay(t, l, nil, DialConfig{})
	sc := acceptConn(t, l)
	first, _ := clientSecrets(t, c)
	eventually(t, "two keepalive rounds", func() bool { return c.Stats().PacketsSent >= 3 })
	before, sentBefore := sc.Stats().PacketsSent, c.Stats().PacketsSent
	eventually(t, "three more", func() bool { return c.Stats().PacketsSent >= sentBefore+3 })
	now, _ := clientSecrets(t, c)
	if bytes.Equal(now, first) {
		t.Fatal("no fresh token after three token periods")
	}
	relaySent, clientSent := sc.Stats().PacketsSent-before, c.Stats().PacketsSent-sentBefore
	if relaySent > clientSent+1 { // one PONG per client PING; tokens add no packet
		t.Fatalf("idle: relay sent %d packets for %d from the client; tokens should ride on PONGs", relaySent, clientSent)
	}
}
