package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestReliableSendQueueIsBoundedWithAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, _ := newPair(t, pairOptions{})
		msg := make([]byte, 60<<10)
		queued := 0
		var err error
		for range 20 { // nothing is acknowledged: the relay never hears anything
			if err = client.c.Send(0, msg); err != nil {
				break
			}
			queued += len(msg)
		}
		if !errors.Is(err, ErrSendQueueFull) {
			t.Fatalf("after queuing %d bytes: got %v, want ErrSendQueueFull", queued, err)
		}
		if queued > 512<<10 {
			t.Fatalf("queued %d bytes, more than the 512 KiB bound", queued)
		}
		if s := client.c.Stats(); s.SendQueueFull != 1 || s.SendQueueBytes != int64(queued) {
			t.Fatalf("stats: %d refusals, %d bytes queued; want 1 and %d", s.SendQueueFull, s.SendQueueBytes, queued)
		}
	})
}

func TestUnreliableSendQueueDropsTheOldest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		client.w.mu.Lock()   // the worker is busy with a round: Send only queues
		for i := range 300 { // the queue holds 256
			msg := binary.BigEndian.AppendUint32(nil, uint32(i))
			if err := client.c.Send(1, msg); err != nil {
				t.Fatalf("unreliable Send %d: %v", i, err)
			}
		}
		client.w.mu.Unlock()
		if got := client.c.Stats().SendDropped; got != 44 {
			t.Fatalf("dropped %d unreliable messages, want the 44 oldest", got)
		}
		client.step()
		relay.receive(client.take())
		got := drain(relay)
		if len(got) != 256 || binary.BigEndian.Uint32(got[0].Data) != 44 || binary.BigEndian.Uint32(got[255].Data) != 299 {
			t.Fatalf("relay got %d messages, want 44..299", len(got))
		}
	})
}

func TestReceiveRateLimitDropsExcessAndDisconnectsAbuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		relay.c.rate = newRateLimiter(10_000, 1000, relay.w.now) // 10 kB/s
		for round := range 40 {                                  // 40 kB a second, for 4 seconds
			for range 4 {
				mustSend(t, client.c, 1, make([]byte, 1000))
				client.step()
			}
			relay.receive(client.take())
			drain(relay)
			wait(100*time.Millisecond, client, relay)
			if relay.c.Err() != nil {
				t.Logf("closed after %d rounds", round)
				break
			}
		}
		s := relay.c.Stats()
		if s.RateLimited == 0 {
			t.Fatal("no packet was rate limited")
		}
		var ce *CloseError
		if err := relay.c.Err(); !errors.As(err, &ce) || ce.Code != CodeRateLimited {
			t.Fatalf("after 4 s at four times the rate: got %v, want a close with CodeRateLimited", err)
		}
	})
}

func TestStatsCountTrafficLossAndRTT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{})
		up, down := newLink(3, 0.2, 0, 0), newLink(4, 0.2, 0, 0)
		for i := range 200 {
			mustSend(t, client.c, 0, testMessage(i))
			exchange(client, relay, up, down, 10*time.Millisecond)
		}
		for range 600 {
			exchange(client, relay, up, down, 10*time.Millisecond)
		}
		cs, rs := client.c.Stats(), relay.c.Stats()
		if len(drain(relay)) != 200 {
			t.Fatal("not every message arrived")
		}
		if cs.PacketsSent == 0 || cs.BytesSent == 0 || rs.PacketsReceived == 0 || rs.BytesReceived == 0 {
			t.Fatalf("traffic not counted: client %+v relay %+v", cs, rs)
		}
		if cs.Retransmits == 0 || rs.PacketsLost == 0 {
			t.Fatalf("at 20%% loss: %d retransmits, %d packets lost; want both counted", cs.Retransmits, rs.PacketsLost)
		}
		if lossRate := float64(rs.PacketsLost) / float64(rs.PacketsLost+rs.PacketsReceived); lossRate < 0.1 || lossRate > 0.3 {
			t.Errorf("relay estimates %.0f%% loss on a 20%% link", 100*lossRate)
		}
		if cs.RTT == 0 {
			t.Error("no RTT estimate after 8 s")
		}
	})
}

// FuzzReceivePath feeds arbitrary frames, behind a valid header, to a connection: the
// frame parser, the channel logic and kcp-go's Input all see hostile bytes. Nothing may
// panic, and a packet that does not parse must leave the connection as it was.
func FuzzReceivePath(f *testing.F) {
	f.Add(appendPing(nil, 1))
	f.Add(appendChannelFrame(nil, frameReliable, 0, make([]byte, 24)))
	seg := make([]byte, 24+5) // a KCP PUSH: conv 0, cmd 81, frg 0, wnd 128, ts, sn 0, una 0, len 5
	seg[4], seg[6], seg[20] = 81, 128, 5
	f.Add(appendChannelFrame(nil, frameReliable, 0, seg))
	f.Add(appendEager(appendSequenced(nil, 2, 7, []byte("s")), 0, 0, []byte("e")))
	f.Add(appendFragment(nil, 1, 3, 0, 2, []byte("half")))
	f.Add(appendClose(nil, 9, "bye"))
	f.Fuzz(func(t *testing.T, frames []byte) {
		synctest.Test(t, func(t *testing.T) {
			client, relay := newPair(t, pairOptions{plain: true})
			pkt := appendHeader(nil, typePlain, relay.c.localCID, 0)
			relay.receive([][]byte{append(pkt, frames...)})
			client.c.sendPN = 1 // the client's packet 0 was the fuzzer's
			relay.step()
			wait(time.Second, relay)
			if relay.c.Err() != nil { // a CLOSE frame, or a protocol violation
				return
			}
			// The probe goes on the unreliable channel: the fuzzer may have spoken for
			// the peer on the others (an EAGER frame delivers a reliable message number,
			// so the peer's real message with that number is then a duplicate).
			mustSend(t, client.c, 1, []byte("still alive"))
			client.step()
			relay.receive(client.take())
			for _, m := range drain(relay) {
				if m.Channel == 1 && bytes.Equal(m.Data, []byte("still alive")) {
					return
				}
			}
			if relay.c.Err() == nil {
				t.Fatalf("connection open but deaf after %x", frames)
			}
		})
	})
}
