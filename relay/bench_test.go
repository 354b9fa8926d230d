package relay_test

import (
	"encoding/binary"
	"net"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// BenchmarkRaiseEventRoom8 measures raise_event round trips through the relay in a
// room of 8: actor 1 raises an event to all (itself included) and waits for its own
// copy, while the relay also delivers it to the other 7. The baseline, measured in the
// same run, is a raw UDP relay with the same fan-out (no encryption, no reliability,
// no rooms). Reported: p50 and p99 round trip, and events delivered per CPU-second of
// the whole process (relay and the 8 clients share it in both variants).
//
//	go test -run='^$' -bench=RaiseEventRoom8 -benchtime=5000x ./relay/
func BenchmarkRaiseEventRoom8(b *testing.B) {
	b.Run("raw-udp", benchRawRoom8)
	b.Run("reliable", func(b *testing.B) { benchBosonRoom8(b, false) })
	b.Run("unreliable", func(b *testing.B) { benchBosonRoom8(b, true) })
}

const room8Payload = 64

func benchBosonRoom8(b *testing.B, unreliable bool) {
	s := startRelay(b, relay.Config{})
	back := make(chan []byte, 1)
	var players []*client.Client
	for i := range 8 {
		opts := &client.Options{AppID: "bench", Nickname: "p", Auth: client.Auth{Type: auth.None},
			Fingerprints: []handshake.Fingerprint{s.Fingerprint()}}
		if i == 0 {
			opts.Handler = func(e client.Event) {
				if ce, ok := e.(*client.CustomEvent); ok {
					back <- ce.Payload
				}
			}
		}
		c, err := client.Dial(testContext(b), s.Addr().String(), opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		if _, err := c.JoinOrCreateRoom(testContext(b), "bench", nil, nil); err != nil {
			b.Fatal(err)
		}
		players = append(players, c)
	}
	opts := &client.EventOptions{Receivers: protocol.ReceiversAll, Unreliable: unreliable}
	msg := make([]byte, room8Payload)
	runRoom8(b, func(seq uint64) bool {
		binary.BigEndian.PutUint64(msg, seq)
		if err := players[0].RaiseEvent(1, msg, opts); err != nil {
			b.Fatal(err)
		}
		return waitSeq(back, seq)
	}, func() uint64 { return s.Stats().EventsOut })
}

// waitSeq waits for the copy of seq (unreliable copies may be lost: 1s, then go on).
func waitSeq(back chan []byte, seq uint64) bool {
	timeout := time.After(time.Second)
	for {
		select {
		case p := <-back:
			if binary.BigEndian.Uint64(p) == seq {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// runRoom8 times b.N round trips and reports the percentiles and CPU cost.
func runRoom8(b *testing.B, roundTrip func(seq uint64) bool, delivered func() uint64) {
	lat := make([]time.Duration, 0, b.N)
	before, cpu0 := delivered(), cpuTime()
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if roundTrip(uint64(i)) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	n := delivered() - before
	if len(lat) == 0 {
		b.Fatal("no round trip completed")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	if cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(b.N-len(lat)), "lost")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRawRoom8 is the baseline: a relay on a plain UDP socket that sends each
// datagram to the 8 registered clients, one goroutine reading it.
func benchRawRoom8(b *testing.B) {
	relayConn := listenUDP(b)
	var clients []*net.UDPConn
	for range 8 {
		c := listenUDP(b)
		clients = append(clients, c)
	}
	addrs := make([]*net.UDPAddr, 8)
	for i, c := range clients {
		addrs[i] = c.LocalAddr().(*net.UDPAddr)
	}
	done := make(chan struct{})
	go func() { // the raw relay
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, _, err := relayConn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			for _, a := range addrs {
				relayConn.WriteToUDP(buf[:n], a)
			}
		}
	}()
	for _, c := range clients[1:] { // the other 7 drain their sockets
		go func() {
			buf := make([]byte, 2048)
			for {
				if _, _, err := c.ReadFromUDP(buf); err != nil {
					return
				}
			}
		}()
	}
	b.Cleanup(func() {
		relayConn.Close()
		<-done
		for _, c := range clients {
			c.Close()
		}
	})
	msg, buf := make([]byte, room8Payload), make([]byte, 2048)
	to := relayConn.LocalAddr().(*net.UDPAddr)
	var rawSent atomic.Uint64
	runRoom8(b, func(seq uint64) bool {
		binary.BigEndian.PutUint64(msg, seq)
		clients[0].WriteToUDP(msg, to)
		rawSent.Add(8) // the fan-out the relay performs for it
		clients[0].SetReadDeadline(time.Now().Add(time.Second))
		for {
			n, _, err := clients[0].ReadFromUDP(buf)
			if err != nil {
				return false
			}
			if n >= 8 && binary.BigEndian.Uint64(buf) == seq {
				return true
			}
		}
	}, func() uint64 { return rawSent.Load() })
}

func listenUDP(b *testing.B) *net.UDPConn {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
