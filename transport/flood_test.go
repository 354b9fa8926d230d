package transport

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// clientHello is a minimal DTLS 1.2 record holding one unfragmented ClientHello: the
// shape the relay checks before it answers first contact.
func clientHello(random byte) []byte {
	body := []byte{0xFE, 0xFD}                        // client_version
	body = append(body, make([]byte, 32)...)          // random
	body[2] = random                                  //
	body = append(body, 0, 0, 0, 2, 0xCC, 0xA9, 1, 0) // session id, cookie, one suite, null compression
	hs := []byte{1, 0, 0, byte(len(body)), 0, 0, 0, 0, 0, 0, 0, byte(len(body))}
	rec := []byte{22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)+len(body)))
	return append(append(rec, hs...), body...)
}

func TestFirstContactFloodAllocatesNoStateAndDrawsOnlySmallReplies(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	relay := addrPortOf(l.Addr())
	kinds := []struct {
		name  string
		pkt   []byte
		reply bool // a RETRY is expected
	}{
		{"no cookie", handshake.AppendFirstContact(nil, clientHello(1), nil), true},
		{"forged cookie", handshake.AppendFirstContact(nil, clientHello(2), make([]byte, handshake.CookieLen)), true},
		{"unpadded", clientHello(3), false},
		{"garbage", make([]byte, 1200), false},
		{"DTLS but not a ClientHello", append([]byte{22, 0xFE, 0xFD, 0, 1}, make([]byte, 1195)...), false},
	}
	const sources = 60
	var socks []*net.UDPConn
	for i := range sources { // 60 different source addresses on 127.0.0.0/8
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 1, byte(1+i))})
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		defer c.Close()
		socks = append(socks, c)
	}
	sent := make([]int, sources)
	wantRetries := uint64(0)
	for round := range 5 { // paced by round, so that no datagram is lost in a socket buffer
		for i, c := range socks {
			k := kinds[(i+round)%len(kinds)]
			if _, err := c.WriteToUDPAddrPort(k.pkt, relay); err != nil {
				t.Fatal(err)
			}
			sent[i] += len(k.pkt)
			if k.reply {
				wantRetries++
			}
		}
		eventually(t, "every first contact handled", func() bool {
			s := l.Stats()
			return s.Retries+s.FirstContactBad+s.Dropped == uint64(sources*(round+1))
		})
	}
	s := l.Stats()
	if s.Retries != wantRetries || s.HalfOpen != 0 || s.Conns != 0 || s.Handshakes != 0 {
		t.Fatalf("after the flood: %d retries (want %d), %d half-open, %d connections, %d handshakes; want no state", s.Retries, wantRetries, s.HalfOpen, s.Conns, s.Handshakes)
	}
	l.mu.Lock()
	halfOpen := len(l.halfOpen)
	l.mu.Unlock()
	if halfOpen != 0 || len(l.perIP) != 0 {
		t.Fatalf("flood left %d half-open handshakes and %d per-IP buckets", halfOpen, len(l.perIP))
	}
	buf := make([]byte, 2048)
	for i, c := range socks {
		got := 0
		c.SetReadDeadline(time.Now().Add(5 * time.Millisecond)) // the replies were queued before Stats counted them
		for {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			if buf[0] != handshake.TypeRetry || n != handshake.RetryLen {
				t.Fatalf("source %d got a %d-byte reply of type %#x, want only RETRYs", i, n, buf[0])
			}
			got += n
		}
		if 3*got > sent[i] {
			t.Fatalf("source %d sent %d bytes and drew %d, more than a third", i, sent[i], got)
		}
	}
}

func TestFirstContactThatFailsValidationAllocatesNothing(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	sink := listenLoopback(t) // a reachable source that never reads its RETRYs
	defer sink.Close()
	from := addrPortOf(sink.LocalAddr())
	forged := handshake.AppendFirstContact(nil, clientHello(9), make([]byte, handshake.CookieLen))
	garbage := make([]byte, 1200)
	now := time.Now()
	for name, pkt := range map[string][]byte{"forged cookie": forged, "garbage": garbage} {
		allocs := testing.AllocsPerRun(100, func() { l.firstContact(pkt, from, now) })
		if allocs != 0 {
			t.Errorf("%s: %v allocations per datagram, want 0", name, allocs)
		}
	}
}
