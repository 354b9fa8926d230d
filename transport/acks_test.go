package transport

import (
	"encoding/binary"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

// kcpSegments counts the KCP segments by command (kcpCmdPush, kcpCmdAck, ...) in the
// RELIABLE frames of plain packets.
func kcpSegments(t *testing.T, pkts [][]byte) map[byte]int {
	t.Helper()
	n := map[byte]int{}
	for _, p := range pkts {
		b := p[headerLen:]
		for len(b) > 0 {
			f, rest, err := nextFrame(b)
			if err != nil {
				t.Fatalf("frame: %v", err)
			}
			b = rest
			if f.typ != frameReliable {
				continue
			}
			for s := f.data; len(s) >= kcpOverhead; {
				n[s[4]]++
				s = s[kcpOverhead+int(binary.LittleEndian.Uint32(s[kcpOffLen:])):]
			}
		}
	}
	return n
}

// inFlight is how many segments channel ch of s's connection has unacknowledged.
func inFlight(s *side, ch int) int {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	rc := s.c.chans[ch].rel
	if rc == nil || rc.kcp == nil {
		return 0
	}
	return rc.kcp.WaitSnd()
}

// kcpRTO reads the engine's current retransmission timeout (kcp-go's rx_rto, ms).
func kcpRTO(s *side, ch int) time.Duration {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	v := reflect.ValueOf(s.c.chans[ch].rel.kcp).Elem().FieldByName("rx_rto")
	return time.Duration(v.Uint()) * time.Millisecond
}

func TestAnAcknowledgementRidesOnTheReceiversNextSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		mustSend(t, client.c, 0, []byte("ping"))
		client.step()
		relay.receive(client.take())
		relay.step()
		// (The relay answers the PING the client's first packet carried at once.)
		if n := kcpSegments(t, relay.take()); len(n) != 0 {
			t.Fatalf("the relay sent KCP segments %v on receiving a message, want none (acknowledgement held)", n)
		}
		wait(5*time.Millisecond, client, relay)
		if pkts := relay.take(); len(pkts) != 0 {
			t.Fatalf("the relay sent %d packets 5 ms after a message, want 0", len(pkts))
		}
		mustSend(t, relay.c, 0, []byte("pong"))
		relay.step()
		pkts := relay.take()
		if len(pkts) != 1 {
			t.Fatalf("the relay's reply went in %d packets, want 1", len(pkts))
		}
		if n := kcpSegments(t, pkts); n[kcpCmdAck] != 1 || n[kcpCmdPush] != 1 {
			t.Fatalf("the reply's KCP segments %v, want one ACK riding with one PUSH", n)
		}
		client.receive(pkts)
		if n := inFlight(client, 0); n != 0 {
			t.Fatalf("the client has %d segments unacknowledged after the reply, want 0", n)
		}
		// Nothing is left to send alone at the end of the hold.
		wait(30*time.Millisecond, client, relay)
		if n := kcpSegments(t, relay.take()); n[kcpCmdAck] != 0 {
			t.Errorf("the relay sent %d more acknowledgements after the hold, want 0", n[kcpCmdAck])
		}
		if got := drain(relay); len(got) != 1 || string(got[0].Data) != "ping" {
			t.Errorf("relay got %v, want ping", got)
		}
	})
}

func TestAnAcknowledgementGoesAloneAtTheHoldDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		mustSend(t, client.c, 0, []byte("one"))
		mustSend(t, client.c, 0, []byte("two"))
		client.step()
		sent := client.take()
		if n := kcpSegments(t, sent); n[kcpCmdPush] != 2 {
			t.Fatalf("client sent %v, want 2 PUSH", n)
		}
		relay.receive(sent)
		relay.step()
		if n := kcpSegments(t, relay.take()); len(n) != 0 { // a PONG only
			t.Fatalf("the relay sent KCP segments %v on receiving the messages, want none", n)
		}
		for range 19 {
			wait(time.Millisecond, client, relay)
			if pkts := relay.take(); len(pkts) != 0 {
				t.Fatalf("the relay sent %d packets before the hold ended", len(pkts))
			}
		}
		if n := inFlight(client, 0); n != 2 {
			t.Fatalf("client in flight %d, want 2", n)
		}
		wait(time.Millisecond, client, relay) // ackHold after the data came
		pkts := relay.take()
		if len(pkts) != 1 {
			t.Fatalf("at the end of the hold the relay sent %d packets, want 1", len(pkts))
		}
		// kcp-go writes only the last of acknowledgements its una already covers.
		if n := kcpSegments(t, pkts); n[kcpCmdAck] == 0 || n[kcpCmdPush] != 0 {
			t.Fatalf("the packet's KCP segments %v, want acknowledgements alone", n)
		}
		client.receive(pkts)
		if n := inFlight(client, 0); n != 0 {
			t.Fatalf("client in flight %d after the acknowledgements, want 0", n)
		}
		wait(50*time.Millisecond, client, relay)
		if n := kcpSegments(t, append(client.take(), relay.take()...)); len(n) != 0 {
			t.Errorf("KCP segments %v after everything was acknowledged, want none", n)
		}
		if s := client.c.Stats(); s.Retransmits != 0 {
			t.Errorf("client retransmitted %d segments while the acknowledgement was held, want 0", s.Retransmits)
		}
	})
}

// A lost segment goes out again when its retransmission timeout expires, not on the next
// tick of kcp-go's 30 ms interval.
func TestALostSegmentIsRetransmittedAtItsTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		ok := newLink(1, 0, 0, 0)
		// Some traffic for RTT samples, acknowledged after the hold.
		for i := range 20 {
			mustSend(t, client.c, 0, []byte{byte(i)})
			for range 25 {
				exchange(client, relay, ok, ok, time.Millisecond)
			}
		}
		drain(relay)
		if n := inFlight(client, 0); n != 0 {
			t.Fatalf("warm-up left %d segments in flight", n)
		}
		// Several losses, each sent at a different phase of what would be kcp-go's
		// 30 ms Update tick.
		const losses = 8
		for k := range losses {
			for range 7 + 4*k { // idle
				exchange(client, relay, ok, ok, time.Millisecond)
			}
			rto := kcpRTO(client, 0)
			mustSend(t, client.c, 0, []byte("lost"))
			client.step()
			if n := kcpSegments(t, client.take()); n[kcpCmdPush] != 1 { // dropped
				t.Fatalf("client sent %v, want 1 PUSH", n)
			}
			start := time.Now()
			var took time.Duration
			for time.Since(start) < time.Second {
				exchange(client, relay, ok, ok, time.Millisecond)
				if got := drain(relay); len(got) > 0 {
					took = time.Since(start)
					break
				}
			}
			t.Logf("loss %d: RTO %v; the lost message arrived %v after it was sent", k, rto, took)
			if took == 0 {
				t.Fatal("the lost message never arrived")
			}
			if took > rto+2*time.Millisecond {
				t.Errorf("loss %d: the message arrived %v after it was sent, want within its RTO %v (+2 ms)", k, took, rto)
			}
		}
		if s := client.c.Stats(); s.Retransmits != losses {
			t.Errorf("client retransmitted %d segments, want %d", s.Retransmits, losses)
		}
	})
}

// kcp-go flushes inside Input when an acknowledgement advances the send window; the
// acknowledgement of data arriving in the same packet must still be held, or every
// reply in a ping-pong would cost an acknowledgement packet of its own.
func TestDataArrivingWithAnAcknowledgementIsStillAcknowledgedLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		for i := range 5 {
			mustSend(t, client.c, 0, []byte{byte(i)})
			client.step()
			up := client.take()
			if n := kcpSegments(t, up); n[kcpCmdPush] != 1 || (i > 0 && n[kcpCmdAck] == 0) {
				t.Fatalf("round %d: client sent %v, want its message with the acknowledgement of the reply", i, n)
			}
			relay.receive(up)
			relay.step()
			if n := kcpSegments(t, relay.take()); len(n) != 0 {
				t.Fatalf("round %d: the relay sent KCP segments %v on input, want none", i, n)
			}
			wait(time.Millisecond, client, relay)
			mustSend(t, relay.c, 0, []byte{byte(i)})
			relay.step()
			down := relay.take()
			if n := kcpSegments(t, down); n[kcpCmdPush] != 1 || n[kcpCmdAck] == 0 {
				t.Fatalf("round %d: relay sent %v, want its reply with the acknowledgement", i, n)
			}
			client.receive(down)
			if n := kcpSegments(t, client.take()); len(n) != 0 {
				t.Fatalf("round %d: the client sent KCP segments %v on input, want none", i, n)
			}
			if n := inFlight(client, 0); n != 0 {
				t.Fatalf("round %d: client in flight %d after the reply, want 0", i, n)
			}
			wait(time.Millisecond, client, relay)
		}
		if s, r := client.c.Stats().Retransmits, relay.c.Stats().Retransmits; s+r != 0 {
			t.Errorf("retransmissions: client %d, relay %d; want 0", s, r)
		}
	})
}
