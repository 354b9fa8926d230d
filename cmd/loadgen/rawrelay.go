package main

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/net/ipv4"
)

// The raw UDP relay is the baseline every Boson figure is compared with: the same
// fan-out with nothing else. A datagram is one op byte and a 4-byte big-endian room id
// (or argument), then the payload:
//
//	'J' room      join room; the relay answers 'A' room 0
//	'D' room data forward the whole datagram to the room's other members
//	'P' ...       echo (the idle keepalive)
//	'R' max       join the open room, filled up to max, or a new one; answers 'A' room created
//
// No encryption, no reliability, no sessions beyond an address per member. Like the
// Boson relay it reads and writes in batches (recvmmsg/sendmmsg on Linux), with one
// reader per core.
const (
	rawJoin   = 'J'
	rawAck    = 'A'
	rawData   = 'D'
	rawPing   = 'P'
	rawRandom = 'R'
	rawHeader = 5
	rawBatch  = 64
)

type rawRelay struct {
	pc *net.UDPConn
	p  *ipv4.PacketConn
	wg sync.WaitGroup

	pktsIn, pktsOut atomic.Uint64
	reads, writes   atomic.Uint64 // system calls that moved datagrams

	mu       sync.RWMutex // guards the following fields
	rooms    map[uint32][]*net.UDPAddr
	members  map[netip.AddrPort]uint32
	nextRoom uint32
	open     uint32 // the room join-random fills, 0 if none
}

func listenRaw(addr string) (*rawRelay, error) {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, err
	}
	pc, err := net.ListenUDP("udp4", ua)
	if err != nil {
		return nil, err
	}
	pc.SetReadBuffer(4 << 20) // as the Boson relay asks
	pc.SetWriteBuffer(4 << 20)
	r := &rawRelay{pc: pc, p: ipv4.NewPacketConn(pc), rooms: map[uint32][]*net.UDPAddr{},
		members: map[netip.AddrPort]uint32{}, nextRoom: 1 << 31}
	for range runtime.GOMAXPROCS(0) {
		r.wg.Go(r.readLoop)
	}
	return r, nil
}

func (r *rawRelay) addr() string        { return r.pc.LocalAddr().String() }
func (r *rawRelay) fingerprint() string { return "" }
func (r *rawRelay) close()              { r.pc.Close(); r.wg.Wait() }

func (r *rawRelay) packets() (in, out uint64)     { return r.pktsIn.Load(), r.pktsOut.Load() }
func (r *rawRelay) calls() (reads, writes uint64) { return r.reads.Load(), r.writes.Load() }

func (r *rawRelay) sessions() int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return int64(len(r.members))
}

func (r *rawRelay) readLoop() {
	rx := make([]ipv4.Message, rawBatch)
	for i := range rx {
		rx[i].Buffers = [][]byte{make([]byte, 2048)}
	}
	var tx []ipv4.Message
	for {
		k, err := r.p.ReadBatch(rx, 0)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		r.pktsIn.Add(uint64(k))
		r.reads.Add(1)
		tx = tx[:0]
		for i := range k {
			tx = r.handle(tx, rx[i].Buffers[0][:rx[i].N], rx[i].Addr.(*net.UDPAddr))
		}
		// The replies and copies point into rx's buffers: send them before the next read.
		for len(tx) > 0 {
			n, err := r.p.WriteBatch(tx, 0)
			r.pktsOut.Add(uint64(max(n, 0)))
			r.writes.Add(1)
			if err != nil || n == 0 {
				break
			}
			tx = tx[n:]
		}
	}
}

// handle appends the datagrams b from addr causes to tx.
func (r *rawRelay) handle(tx []ipv4.Message, b []byte, from *net.UDPAddr) []ipv4.Message {
	if len(b) < rawHeader {
		return tx
	}
	arg := binary.BigEndian.Uint32(b[1:])
	switch b[0] {
	case rawData:
		r.mu.RLock()
		for _, a := range r.rooms[arg] {
			if !a.IP.Equal(from.IP) || a.Port != from.Port {
				tx = append(tx, ipv4.Message{Buffers: [][]byte{b}, Addr: a})
			}
		}
		r.mu.RUnlock()
	case rawPing:
		tx = append(tx, ipv4.Message{Buffers: [][]byte{b}, Addr: from})
	case rawJoin:
		r.join(arg, from)
		tx = append(tx, ack(b, arg, false, from))
	case rawRandom:
		room, created := r.joinRandom(int(arg), from)
		tx = append(tx, ack(b, room, created, from))
	}
	return tx
}

// ack overwrites the request b (which must be at least rawHeader+1 long, or is
// extended within its buffer's capacity) with the answer.
func ack(b []byte, room uint32, created bool, to *net.UDPAddr) ipv4.Message {
	b = b[:rawHeader+1]
	b[0] = rawAck
	binary.BigEndian.PutUint32(b[1:], room)
	b[5] = 0
	if created {
		b[5] = 1
	}
	return ipv4.Message{Buffers: [][]byte{b}, Addr: to}
}

func (r *rawRelay) join(room uint32, from *net.UDPAddr) {
	ap := from.AddrPort()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.members[ap]; ok {
		if old == room {
			return // a retried join
		}
		r.rooms[old] = removeAddr(r.rooms[old], ap)
	}
	r.members[ap] = room
	r.rooms[room] = append(r.rooms[room], from)
}

func (r *rawRelay) joinRandom(size int, from *net.UDPAddr) (room uint32, created bool) {
	ap := from.AddrPort()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.members[ap]; ok {
		return old, false // a retried request
	}
	if r.open == 0 || len(r.rooms[r.open]) >= size {
		r.nextRoom++
		r.open, created = r.nextRoom, true
	}
	r.members[ap] = r.open
	r.rooms[r.open] = append(r.rooms[r.open], from)
	return r.open, created
}

func removeAddr(as []*net.UDPAddr, ap netip.AddrPort) []*net.UDPAddr {
	for i, a := range as {
		if a.AddrPort() == ap {
			return append(as[:i], as[i+1:]...)
		}
	}
	return as
}
