//go:build linux

package transport

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"golang.org/x/net/ipv4"
)

// rawEcho is BenchmarkIdleConns' baseline: a raw UDP server that answers every
// datagram once, batched with recvmmsg/sendmmsg as the relay is. Idle Boson
// connections cost the relay one datagram in (the client's keepalive PING) and one out
// (the PONG) per second; the baseline gets the same pattern without any of Boson's work.
type rawEcho struct {
	pc              *net.UDPConn
	p               *ipv4.PacketConn
	pktsIn, pktsOut atomic.Uint64
	wg              sync.WaitGroup
}

func newRawEcho() (*rawEcho, error) {
	pc, err := benchRelaySocket()
	if err != nil {
		return nil, err
	}
	e := &rawEcho{pc: pc, p: ipv4.NewPacketConn(pc)}
	e.wg.Go(e.loop)
	return e, nil
}

func (e *rawEcho) loop() {
	rx, tx := make([]ipv4.Message, batchSize), make([]ipv4.Message, batchSize)
	for i := range rx {
		rx[i].Buffers = [][]byte{make([]byte, 2048)}
		tx[i].Buffers = make([][]byte, 1)
	}
	for {
		k, err := e.p.ReadBatch(rx, 0)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		for j := range k {
			tx[j].Buffers[0], tx[j].Addr = rx[j].Buffers[0][:rx[j].N], rx[j].Addr
		}
		sent, _ := e.p.WriteBatch(tx[:k], 0)
		e.pktsIn.Add(uint64(k))
		e.pktsOut.Add(uint64(sent))
	}
}

func (e *rawEcho) addr() string                       { return e.pc.LocalAddr().String() }
func (e *rawEcho) fingerprint() handshake.Fingerprint { return handshake.Fingerprint{} }
func (e *rawEcho) close()                             { e.pc.Close(); e.wg.Wait() }
func (e *rawEcho) stats() childStats {
	return childStats{pktsIn: e.pktsIn.Load(), pktsOut: e.pktsOut.Load()}
}

// measureRawIdle runs the baseline: n sockets here each send the echo server a 64-byte
// datagram once a second, spread evenly; it returns the server's CPU over window, in %
// of one core, and its datagrams in and out per second.
func measureRawIdle(b *testing.B, n int, window time.Duration) (cpu, in, out float64) {
	child := startBenchChild(b, "idle-raw", 0)
	defer child.stop()
	to, err := netip.ParseAddrPort(child.addr)
	if err != nil {
		b.Fatal(err)
	}
	socks := make([]*net.UDPConn, n)
	for i := range socks {
		if socks[i], err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			b.Fatal(err)
		}
		defer socks[i].Close()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	// n datagrams a second: per tick, n/1000 of them every millisecond, or one every
	// 1/n s when there are fewer than a thousand sockets.
	period, per := time.Millisecond, n/1000
	if n < 1000 {
		period, per = time.Second/time.Duration(n), 1
	}
	wg.Go(func() {
		msg := make([]byte, 64)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for next := 0; ; {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range per {
				socks[next].WriteToUDPAddrPort(msg, to) // replies are left unread
				next = (next + 1) % n
			}
		}
	})
	time.Sleep(2 * time.Second) // reach the steady rate
	s0, t0 := child.stat(), time.Now()
	time.Sleep(window)
	s1 := child.stat()
	secs := time.Since(t0).Seconds()
	return 100 * (s1.cpu - s0.cpu).Seconds() / secs,
		float64(s1.pktsIn-s0.pktsIn) / secs, float64(s1.pktsOut-s0.pktsOut) / secs
}
