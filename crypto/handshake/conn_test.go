package handshake

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// readFromResult is one ReadFrom call's outcome.
type readFromResult struct {
	b   []byte
	err error
}

// readFromAsync calls c.ReadFrom once in a goroutine, as DTLS's read loop does.
func readFromAsync(c net.PacketConn) <-chan readFromResult {
	ch := make(chan readFromResult, 1)
	go func() {
		buf := make([]byte, 2048)
		n, _, err := c.ReadFrom(buf)
		ch <- readFromResult{buf[:n], err}
	}()
	return ch
}

// expectNoDatagram checks that nothing arrives on c for a moment.
func expectNoDatagram(t *testing.T, c *net.UDPConn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	buf := make([]byte, 2048)
	if n, _, err := c.ReadFromUDP(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got a datagram (% x…, %v), want none", buf[:min(n, 16)], err)
	}
}

func TestFirstContactConn(t *testing.T) {
	hello := captureClientHello(t)
	relay, cli := listenUDP(t), listenUDP(t)
	fc := &firstContactConn{PacketConn: cli}
	cliAddr := cli.LocalAddr().(*net.UDPAddr)

	// DTLS writes a ClientHello: it goes out padded, without a cookie.
	if n, err := fc.WriteTo(hello, relay.LocalAddr()); err != nil || n != len(hello) {
		t.Fatalf("WriteTo(ClientHello): got %d, %v, want %d, nil", n, err, len(hello))
	}
	d, _ := readDatagram(t, relay)
	if !bytes.Equal(d, AppendFirstContact(nil, hello, nil)) {
		t.Errorf("first attempt: got % x…, want the padded ClientHello", d[:16])
	}

	// Other DTLS datagrams pass through unchanged.
	other := bytes.Clone(hello)
	other[recordHeaderLen] = 11 // Certificate
	if _, err := fc.WriteTo(other, relay.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if d, _ := readDatagram(t, relay); !bytes.Equal(d, other) {
		t.Errorf("a non-ClientHello was changed: got % x…", d[:16])
	}

	// A RETRY is answered, and not passed up to DTLS; the next DTLS datagram is.
	got := readFromAsync(fc)
	cookie := bytes.Repeat([]byte{0x5A}, CookieLen)
	relay.WriteToUDP(AppendRetry(nil, cookie), cliAddr)
	if d, _ := readDatagram(t, relay); !bytes.Equal(d, AppendFirstContact(nil, hello, cookie)) {
		t.Errorf("answer to RETRY: got % x…, want the ClientHello with the cookie", d[:16])
	}
	serverHello := []byte{contentHandshake, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	relay.WriteToUDP(serverHello, cliAddr)
	if r := <-got; r.err != nil || !bytes.Equal(r.b, serverHello) {
		t.Errorf("ReadFrom: got % x, %v, want % x, nil", r.b, r.err, serverHello)
	}

	// DTLS's own retransmission carries the cookie too.
	if _, err := fc.WriteTo(hello, relay.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if d, _ := readDatagram(t, relay); !bytes.Equal(d, AppendFirstContact(nil, hello, cookie)) {
		t.Errorf("retransmission: got % x…, want the ClientHello with the cookie", d[:16])
	}

	// Once the handshake is done, a RETRY gets no answer.
	fc.done.Store(true)
	got = readFromAsync(fc)
	relay.WriteToUDP(AppendRetry(nil, cookie), cliAddr)
	relay.WriteToUDP(serverHello, cliAddr)
	if r := <-got; r.err != nil || !bytes.Equal(r.b, serverHello) {
		t.Errorf("ReadFrom: got % x, %v, want % x, nil", r.b, r.err, serverHello)
	}
	expectNoDatagram(t, relay)
}

func TestFirstContactConnRetryBeforeClientHello(t *testing.T) {
	relay, cli := listenUDP(t), listenUDP(t)
	fc := &firstContactConn{PacketConn: cli}
	got := readFromAsync(fc)
	relay.WriteToUDP(AppendRetry(nil, bytes.Repeat([]byte{1}, CookieLen)), cli.LocalAddr().(*net.UDPAddr))
	relay.WriteToUDP([]byte("not DTLS"), cli.LocalAddr().(*net.UDPAddr))
	if r := <-got; r.err != nil || string(r.b) != "not DTLS" {
		t.Errorf("ReadFrom: got %q, %v, want %q, nil", r.b, r.err, "not DTLS")
	}
	expectNoDatagram(t, relay)
}

func TestTrailerStripper(t *testing.T) {
	d, hello := firstContact(t, bytes.Repeat([]byte{7}, CookieLen))
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"first contact loses its trailer", d, hello},
		{"plain ClientHello", hello, hello},
		{"application data", []byte{23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA}, nil},
		{"malformed first contact is left alone", func() []byte { b := bytes.Clone(d); b[len(b)-1] = 1; return b }(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = tt.in
			}
			srv, cli := listenUDP(t), listenUDP(t)
			if _, err := cli.WriteTo(tt.in, srv.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			srv.SetReadDeadline(time.Now().Add(testTimeout))
			buf := make([]byte, 2048)
			n, from, err := trailerStripper{srv}.ReadFrom(buf)
			if err != nil {
				t.Fatalf("ReadFrom: %v", err)
			}
			if from.String() != cli.LocalAddr().String() {
				t.Errorf("from: got %v, want %v", from, cli.LocalAddr())
			}
			if !bytes.Equal(buf[:n], want) {
				t.Errorf("got %d bytes, want %d", n, len(want))
			}
		})
	}
}

// countingConn counts the first-contact datagrams read through it.
type countingConn struct {
	net.PacketConn
	firstContacts atomic.Int32
}

func (c *countingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		if _, perr := ParseFirstContact(b[:n]); perr == nil {
			c.firstContacts.Add(1)
		}
	}
	return n, from, err
}

func TestClientIgnoresRetryAfterHandshake(t *testing.T) {
	id := newIdentity(t)
	srvSock, cliSock := listenUDP(t), listenUDP(t)
	counted := &countingConn{PacketConn: srvSock}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	srvDone := make(chan handshakeResult, 1)
	go func() {
		s, err := Server(ctx, counted, cliSock.LocalAddr(), &ServerConfig{Identity: id})
		srvDone <- handshakeResult{s, err}
	}()
	cli, err := Client(ctx, cliSock, srvSock.LocalAddr(), &ClientConfig{Fingerprints: []Fingerprint{id.Fingerprint}})
	if err != nil {
		srvSock.Close()
		<-srvDone
		t.Fatalf("Client: %v", err)
	}
	defer cli.Close()
	srv := <-srvDone
	if srv.err != nil {
		t.Fatalf("Server: %v", srv.err)
	}
	defer srv.s.Close()
	before := counted.firstContacts.Load()

	// A forged RETRY, then data the client reads after it (the socket keeps order).
	if _, err := srvSock.WriteTo(AppendRetry(nil, make([]byte, CookieLen)), cliSock.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	exchange(t, srv.s, cli, "ACCEPT")
	// Anything the client sent on reading the RETRY reaches the server before this.
	exchange(t, cli, srv.s, "DATA")
	if got := counted.firstContacts.Load(); got != before {
		t.Errorf("first-contact datagrams at the server: got %d, want %d (no ClientHello after the handshake)", got, before)
	}
}
