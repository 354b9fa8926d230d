package directmode_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// BenchmarkFullMeshOfEight measures how long 8 players on loopback take from the first
// join until all 56 link ends are up (reported as ms/mesh), with a real relay and TURN
// server. Run: go test -run '^$' -bench FullMeshOfEight -benchtime 10x ./directmode/
func BenchmarkFullMeshOfEight(b *testing.B) {
	w := newLoopbackWorld(b)
	var total time.Duration
	for i := range b.N {
		ps := make([]*peer, 8)
		for j := range ps {
			ps[j] = w.connect(fmt.Sprintf("p%d-%d", i, j+1), directmode.Config{})
		}
		start := time.Now()
		joinRoom(b, fmt.Sprint("mesh", i), protocol.DirectAllToOthers, ps...)
		waitMesh(b, ps)
		total += time.Since(start)
		for _, p := range ps {
			p.Close()
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/mesh")
}

// BenchmarkSendDirect measures a reliable 100-byte message from one player to another
// over an established loopback link, from SendDirect to the receiver's MessageEvent.
// BenchmarkRawUDPOneWay is the baseline: the same message over a bare UDP socket.
func BenchmarkSendDirect(b *testing.B) {
	w := newLoopbackWorld(b)
	x, y := w.connect("x", directmode.Config{}), w.connect("y", directmode.Config{})
	joinRoom(b, "bench", protocol.DirectAllToOthers, x, y)
	waitPair(b, x, y)
	msg := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := x.SendDirect(msg, []int{2}, true, false); err != nil {
			b.Fatal(err)
		}
		messages(b, y, 1, testTimeout)
	}
}

func BenchmarkRawUDPOneWay(b *testing.B) {
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	msg, buf := make([]byte, 100), make([]byte, 1500)
	b.ReportAllocs()
	for range b.N {
		if _, err := tx.WriteTo(msg, rx.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		if _, _, err := rx.ReadFrom(buf); err != nil {
			b.Fatal(err)
		}
	}
}
