//go:build linux

package transport

import (
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bosonrt/boson/crypto/handshake"
	"golang.org/x/net/ipv4"
)

// benchRelaySocket opens a relay socket on 127.0.0.1 with large buffers.
func benchRelaySocket() (*net.UDPConn, error) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	pc.SetReadBuffer(relaySockBuf)
	pc.SetWriteBuffer(relaySockBuf)
	return pc, nil
}

// bosonForwarder is the Boson relay: its Handler forwards each data message, on the
// channel it came on, to the next client.
type bosonForwarder struct {
	l        *Listener
	id       *handshake.Identity
	n        int
	fwd      atomic.Uint64
	sendErrs atomic.Uint64 // forwards refused by Send (reliable queue full)

	mu    sync.Mutex // guards conns and reg
	conns []*Conn
	reg   int

	table atomic.Pointer[[]*Conn] // conns, once all registered
}

func newBosonForwarder(id *handshake.Identity, n int) (*bosonForwarder, error) {
	pc, err := benchRelaySocket()
	if err != nil {
		return nil, err
	}
	f := &bosonForwarder{id: id, n: n, conns: make([]*Conn, n)}
	f.l, err = Listen(pc, &ListenConfig{Identity: id, Handler: f, Workers: *fwdWorkers, HandshakesPerIP: 1e6, MaxHalfOpen: 4096})
	if err != nil {
		pc.Close()
		return nil, err
	}
	return f, nil
}

func (f *bosonForwarder) Connected(*Conn)     {}
func (f *bosonForwarder) Closed(*Conn, error) {}

func (f *bosonForwarder) Message(c *Conn, ch int, m []byte) {
	if len(m) < fwdHeader {
		return
	}
	i := int(binary.BigEndian.Uint16(m[1:]))
	if i >= f.n {
		return
	}
	if m[0] == kindRegister {
		f.register(i, c)
		return
	}
	t := f.table.Load()
	if t == nil {
		return
	}
	if (*t)[(i+1)%f.n].Send(ch, m) == nil {
		f.fwd.Add(1)
	} else {
		f.sendErrs.Add(1)
	}
}

func (f *bosonForwarder) register(i int, c *Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns[i] == nil {
		f.reg++
	}
	f.conns[i] = c
	if f.reg == f.n {
		t := slices.Clone(f.conns)
		f.table.Store(&t)
	}
}

func (f *bosonForwarder) addr() string                       { return f.l.Addr().String() }
func (f *bosonForwarder) fingerprint() handshake.Fingerprint { return f.id.Fingerprint }
func (f *bosonForwarder) close()                             { f.l.Close() }
func (f *bosonForwarder) listener() *Listener                { return f.l }

func (f *bosonForwarder) stats() childStats {
	s := f.l.Stats()
	f.mu.Lock()
	reg := f.reg
	f.mu.Unlock()
	return childStats{
		conns: int64(s.Conns), halfOpen: int64(s.HalfOpen), registered: int64(reg),
		pktsIn: s.PacketsReceived, pktsOut: s.PacketsSent, forwarded: f.fwd.Load(),
	}
}

// rawForwarder is the baseline relay: one goroutine that reads up to 64 datagrams per
// recvmmsg and forwards them, unchanged, with one sendmmsg.
type rawForwarder struct {
	pc                   *net.UDPConn
	p                    *ipv4.PacketConn
	n                    int
	reg                  atomic.Int64
	fwd, pktsIn, pktsOut atomic.Uint64
	wg                   sync.WaitGroup
}

func newRawForwarder(n int) (*rawForwarder, error) {
	pc, err := benchRelaySocket()
	if err != nil {
		return nil, err
	}
	f := &rawForwarder{pc: pc, p: ipv4.NewPacketConn(pc), n: n}
	f.wg.Add(1)
	go f.loop()
	return f, nil
}

func (f *rawForwarder) loop() {
	defer f.wg.Done()
	rx, tx := make([]ipv4.Message, batchSize), make([]ipv4.Message, batchSize)
	for i := range rx {
		rx[i].Buffers = [][]byte{make([]byte, 2048)}
		tx[i].Buffers = make([][]byte, 1)
	}
	addrs := make([]net.Addr, f.n)
	for {
		k, err := f.p.ReadBatch(rx, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		f.pktsIn.Add(uint64(k))
		m, fwd := 0, uint64(0)
		for j := range k {
			b := rx[j].Buffers[0][:rx[j].N]
			if len(b) < fwdHeader {
				continue
			}
			i := int(binary.BigEndian.Uint16(b[1:]))
			if i >= f.n {
				continue
			}
			to := rx[j].Addr
			if b[0] == kindRegister {
				if addrs[i] == nil {
					f.reg.Add(1)
				}
				addrs[i] = to // echo the registration as its acknowledgement
			} else if to = addrs[(i+1)%f.n]; to == nil {
				continue
			} else {
				fwd++
			}
			tx[m].Buffers[0], tx[m].Addr = b, to
			m++
		}
		f.fwd.Add(fwd)
		f.pktsOut.Add(uint64(f.writeAll(tx[:m])))
	}
}

// writeAll sends ms, skipping a datagram the kernel refuses.
func (f *rawForwarder) writeAll(ms []ipv4.Message) int {
	sent := 0
	for i := 0; i < len(ms); {
		n, err := f.p.WriteBatch(ms[i:], 0)
		sent += n
		i += n
		if err != nil {
			i++
		}
	}
	return sent
}

func (f *rawForwarder) addr() string                       { return f.pc.LocalAddr().String() }
func (f *rawForwarder) fingerprint() handshake.Fingerprint { return handshake.Fingerprint{} }

func (f *rawForwarder) close() {
	f.pc.Close()
	f.wg.Wait()
}

func (f *rawForwarder) stats() childStats {
	return childStats{
		conns: f.reg.Load(), registered: f.reg.Load(),
		pktsIn: f.pktsIn.Load(), pktsOut: f.pktsOut.Load(), forwarded: f.fwd.Load(),
	}
}
