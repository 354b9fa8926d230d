package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

// link is a deterministic lossy path for the harness: it drops, duplicates and holds
// back (reorders) datagrams with a seeded generator.
type link struct {
	rng                    *rand.Rand
	loss, dup, reorder     float64
	held                   [][]byte
	dropped, dupped, moved int
}

func newLink(seed uint64, loss, dup, reorder float64) *link {
	return &link{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), loss: loss, dup: dup, reorder: reorder}
}

// carry returns what arrives this round out of pkts, plus what it held back earlier.
func (l *link) carry(pkts [][]byte) [][]byte {
	out := l.held
	l.held = nil
	for _, p := range pkts {
		switch r := l.rng.Float64(); {
		case r < l.loss:
			l.dropped++
			continue
		case r < l.loss+l.reorder:
			l.moved++
			l.held = append(l.held, p) // arrives after packets sent later
			continue
		}
		out = append(out, p)
		if l.rng.Float64() < l.dup {
			l.dupped++
			out = append(out, p)
		}
	}
	return out
}

// exchange runs one round: both sides send what they have, the links carry it, and
// tick of fake time passes.
func exchange(a, b *side, ab, ba *link, tick time.Duration) {
	a.step()
	b.step()
	b.receive(ab.carry(a.take()))
	a.receive(ba.carry(b.take()))
	wait(tick, a, b)
}

// testMessage is message i of a stream: its index, then filler of a size that varies,
// some of them spanning several KCP segments.
func testMessage(i int) []byte {
	size := 4 + (i*37)%200
	if i%9 == 0 {
		size = 3000 + i%500
	}
	m := make([]byte, size)
	binary.BigEndian.PutUint32(m, uint32(i))
	for j := 4; j < size; j++ {
		m[j] = byte(i + j)
	}
	return m
}

// checkStream verifies that got is exactly messages 0..n-1 of testMessage, in order.
func checkStream(t *testing.T, who string, got []Message, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: got %d messages, want %d", who, len(got), n)
	}
	for i, m := range got {
		if !bytes.Equal(m.Data, testMessage(i)) {
			t.Fatalf("%s: message %d is message %d (len %d), want in order exactly once", who, i, binary.BigEndian.Uint32(m.Data), len(m.Data))
		}
	}
}

func TestReliableDeliversExactlyOnceInOrderUnderLoss(t *testing.T) {
	for i, loss := range []float64{0, 0.05, 0.20, 0.40} {
		t.Run(fmt.Sprintf("loss %.0f%%", loss*100), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, relay := newPair(t, pairOptions{})
				up, down := newLink(uint64(i+1), loss, 0.05, 0.10), newLink(uint64(i+100), loss, 0.05, 0.10)
				const n = 400
				var atClient, atRelay []Message
				for round := 0; round < 20000 && (len(atClient) < n || len(atRelay) < n); round++ {
					if round < n {
						mustSend(t, client.c, 0, testMessage(round))
						mustSend(t, relay.c, 0, testMessage(round))
					}
					exchange(client, relay, up, down, 2*time.Millisecond)
					atRelay = append(atRelay, drain(relay)...)
					atClient = append(atClient, drain(client)...)
				}
				checkStream(t, "relay", atRelay, n)
				checkStream(t, "client", atClient, n)
				if loss > 0 && (up.dropped == 0 || up.dupped == 0 || up.moved == 0) {
					t.Errorf("link did not impair: dropped %d duplicated %d reordered %d", up.dropped, up.dupped, up.moved)
				}
				if loss >= 0.2 && client.c.Stats().Retransmits == 0 {
					t.Errorf("no retransmissions counted at %.0f%% loss", loss*100)
				}
			})
		})
	}
}

func mustSend(t *testing.T, c *Conn, ch int, m []byte) {
	t.Helper()
	if err := c.Send(ch, m); err != nil {
		t.Fatalf("Send(%d): %v", ch, err)
	}
}

func TestSequencedNeverDeliversOlderAfterNewer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		up, down := newLink(7, 0.10, 0.20, 0.40), newLink(8, 0, 0, 0)
		var got []Message
		for i := range 2000 {
			big := make([]byte, 4+(i%3)*1500) // some need fragments
			binary.BigEndian.PutUint32(big, uint32(i))
			mustSend(t, client.c, 2, big)
			if i%3 == 0 {
				exchange(client, relay, up, down, time.Millisecond)
				got = append(got, drain(relay)...)
			}
		}
		for range 10 {
			exchange(client, relay, up, down, time.Millisecond)
		}
		got = append(got, drain(relay)...)
		if len(got) < 500 {
			t.Fatalf("got %d sequenced messages, want most of 2000", len(got))
		}
		last := -1
		for _, m := range got {
			if m.Channel != 2 {
				t.Fatalf("message on channel %d, want 2", m.Channel)
			}
			i := int(binary.BigEndian.Uint32(m.Data))
			if i <= last {
				t.Fatalf("message %d delivered after %d", i, last)
			}
			last = i
		}
		if up.moved == 0 {
			t.Fatal("the link reordered nothing")
		}
	})
}

func TestLossOnOneReliableChannelDoesNotDelayAnother(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		mustSend(t, client.c, 0, []byte("A on channel 0"))
		client.step()
		if lost := client.take(); len(lost) == 0 {
			t.Fatal("A was not sent at once")
		} // every copy of A is lost
		mustSend(t, client.c, 3, []byte("B on channel 3"))
		client.step()
		relay.receive(client.take())
		got := drain(relay)
		if len(got) != 1 || got[0].Channel != 3 {
			t.Fatalf("after A was lost: got %v, want B on channel 3 alone", got)
		}
		for range 100 { // KCP retransmits A
			exchange(client, relay, newLink(1, 0, 0, 0), newLink(2, 0, 0, 0), 5*time.Millisecond)
			if got = drain(relay); len(got) > 0 {
				break
			}
		}
		if len(got) != 1 || got[0].Channel != 0 || string(got[0].Data) != "A on channel 0" {
			t.Fatalf("after retransmission: got %v, want A on channel 0", got)
		}
		if client.c.Stats().Retransmits == 0 {
			t.Error("A arrived without a retransmission")
		}
	})
}

func TestBadPacketsAreCountedAndTheConnectionSurvives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		mustSend(t, client.c, 1, []byte("first"))
		client.step()
		pkts := client.take()
		if len(pkts) != 1 {
			t.Fatalf("got %d packets, want 1", len(pkts))
		}
		p := pkts[0]
		flip := func(i int) []byte { q := bytes.Clone(p); q[i] ^= 0x01; return q }
		relay.receive([][]byte{
			flip(2),          // connection ID: belongs to nobody
			flip(7),          // packet number: nonce and AAD differ
			flip(headerLen),  // ciphertext
			flip(len(p) - 1), // tag
			p[:len(p)-5],     // truncated
			p[:headerLen+3],  // shorter than a tag
			append(bytes.Clone(p), 0),
		})
		s := relay.c.Stats()
		if s.AuthFailures != 5 || s.Invalid != 1 || s.PacketsReceived != 0 {
			t.Fatalf("after tampering: auth failures %d, invalid %d, accepted %d; want 5, 1, 0", s.AuthFailures, s.Invalid, s.PacketsReceived)
		}
		relay.receive([][]byte{p, p})
		if s = relay.c.Stats(); s.Replays != 1 || s.PacketsReceived != 1 {
			t.Fatalf("after a replay: replays %d, accepted %d; want 1, 1", s.Replays, s.PacketsReceived)
		}
		mustSend(t, client.c, 1, []byte("second"))
		client.step()
		relay.receive(client.take())
		got := drain(relay)
		if len(got) != 2 || string(got[0].Data) != "first" || string(got[1].Data) != "second" {
			t.Fatalf("got %v, want first and second", got)
		}
		if relay.c.Err() != nil {
			t.Fatalf("connection closed: %v", relay.c.Err())
		}
	})
}

// sendAtOnce sends the one-byte message i on channel 0 of s and returns the packet it
// went in, which must leave in the same round.
func sendAtOnce(t *testing.T, s *side, i int) [][]byte {
	t.Helper()
	mustSend(t, s.c, 0, []byte{byte(i)})
	s.step()
	pkts := s.take()
	if len(pkts) != 1 {
		t.Fatalf("message %d: got %d packets, want 1 sent at once: %v", i, len(pkts), kcpSegments(t, pkts))
	}
	return pkts
}

func TestAMessageInsideKCPsFlushIntervalGoesOutAtOnceAndOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		for i := range 2 {
			pkts := sendAtOnce(t, client, i)
			if n := frameTypes(t, pkts[0]); n[frameReliable] != 1 || n[frameEager] != 0 {
				t.Errorf("message %d: frames %v, want one RELIABLE (KCP flushed at once)", i, n)
			}
			relay.receive(pkts)
			relay.step()
			wait(ackHold, relay)
			ack := relay.take() // the acknowledgement, held for ackHold
			if n := kcpSegments(t, ack); n[kcpCmdAck] == 0 {
				t.Fatalf("message %d: no acknowledgement after ackHold (%v)", i, n)
			}
			client.receive(ack)
			client.take() // a PONG for the PING the relay's packet carried
		}
		time.Sleep(50 * time.Millisecond) // past KCP's interval tick and its minimum RTO
		client.timers()
		for _, p := range client.take() {
			if n := frameTypes(t, p); n[frameReliable] != 0 {
				t.Errorf("a packet after the messages were acknowledged carries KCP frames %v: a copy", n)
			}
		}
		if s := client.c.Stats(); s.Retransmits != 0 {
			t.Errorf("client retransmitted %d segments, want 0", s.Retransmits)
		}
		got := drain(relay)
		if len(got) != 2 || got[0].Data[0] != 0 || got[1].Data[0] != 1 {
			t.Fatalf("got %v, want messages 0 and 1 once each", got)
		}
	})
}

// driveEager is how the transport sent messages before kcpFlush; BenchmarkRTT still
// measures it, so it must still deliver exactly once.
func TestEagerCopyGoesOutInsideTheFlushInterval(t *testing.T) {
	old := kcpDrive
	kcpDrive = driveEager
	defer func() { kcpDrive = old }()
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		var counts [2]map[byte]int
		for i := range 2 {
			pkts := sendAtOnce(t, client, i)
			counts[i] = frameTypes(t, pkts[0])
			relay.receive(pkts)
		}
		if counts[0][frameReliable] != 1 || counts[0][frameEager] != 0 {
			t.Errorf("first message: frames %v, want one RELIABLE (KCP flushed)", counts[0])
		}
		if counts[1][frameEager] != 1 {
			t.Errorf("second message, inside KCP's 10 ms gate: frames %v, want an EAGER copy", counts[1])
		}
		time.Sleep(20 * time.Millisecond)
		for range 5 {
			exchange(client, relay, newLink(1, 0, 0, 0), newLink(2, 0, 0, 0), 10*time.Millisecond)
		}
		got := drain(relay)
		if len(got) != 2 || got[0].Data[0] != 0 || got[1].Data[0] != 1 {
			t.Fatalf("got %v, want messages 0 and 1 once each", got)
		}
	})
}

// frameTypes counts the frame types in an unencrypted packet.
func frameTypes(t *testing.T, p []byte) map[byte]int {
	t.Helper()
	n := map[byte]int{}
	b := p[headerLen:]
	for len(b) > 0 {
		f, rest, err := nextFrame(b)
		if err != nil {
			t.Fatalf("frame: %v", err)
		}
		n[f.typ]++
		b = rest
	}
	return n
}

func TestKeepaliveAndIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		ok := newLink(1, 0, 0, 0)
		start := client.c.Stats().PacketsSent
		for range 300 { // 30 s of silence from the application
			exchange(client, relay, ok, ok, 100*time.Millisecond)
		}
		if err := relay.c.Err(); err != nil {
			t.Fatalf("idle but connected for 30 s: relay closed: %v", err)
		}
		if sent := client.c.Stats().PacketsSent - start; sent < 25 || sent > 35 {
			t.Errorf("client sent %d keepalives in 30 s, want about one a second", sent)
		}
		if client.c.Stats().RTT == 0 {
			t.Error("no RTT estimate after 30 s of keepalives")
		}
		dead := newLink(2, 1, 0, 0)
		for range 120 {
			exchange(client, relay, dead, dead, 100*time.Millisecond)
		}
		for _, s := range []*side{client, relay} {
			if err := s.c.Err(); !errors.Is(err, ErrIdleTimeout) {
				t.Errorf("after 12 s of silence: got %v, want ErrIdleTimeout", err)
			}
		}
	})
}

func TestClosedConnectionIsNeverResurrected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		mustSend(t, client.c, 0, []byte("hello"))
		client.step()
		late := client.take() // arrives after the close
		client.c.requestClose(&CloseError{Code: CodeApplication + 1, Reason: "game over"})
		client.step()
		closing := client.take()
		if len(closing) != 3 {
			t.Fatalf("close sent %d packets, want 3", len(closing))
		}
		relay.receive(closing[:1])
		var ce *CloseError
		if err := relay.c.Err(); !errors.As(err, &ce) || ce.Code != CodeApplication+1 || !ce.Remote {
			t.Fatalf("relay: got %v, want the client's close code, remote", err)
		}
		relay.receive(late)
		relay.receive(closing[1:])
		if got := drain(relay); len(got) != 0 {
			t.Fatalf("late packet delivered %v after the close", got)
		}
		if relay.c.state == stateOpen {
			t.Fatal("connection reopened")
		}
		wait(3*time.Second, relay)
		if _, ok := relay.w.conns[relay.c.localCID]; ok {
			t.Fatal("tombstone still there after 3 s")
		}
		relay.receive(late)
		if relay.c.state != stateClosed || len(relay.w.conns) != 0 {
			t.Fatal("a late packet after the tombstone brought the connection back")
		}
	})
}
