//go:build linux

package transport

import (
	"net"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// mmsgConn batches with recvmmsg/sendmmsg through golang.org/x/net. The ipv4 and ipv6
// PacketConns share the same batch message type, so one struct serves both. One read
// loop reads (rx is its own); every worker writes, each with a scratch from txPool.
type mmsgConn struct {
	*plainConn
	read  func([]ipv4.Message, int) (int, error)
	write func([]ipv4.Message, int) (int, error)
	rx    []ipv4.Message
}

// txPool holds sendmmsg scratch: the workers write concurrently.
var txPool = sync.Pool{New: func() any {
	tx := make([]ipv4.Message, batchSize)
	for i := range tx {
		tx[i].Buffers = make([][]byte, 1)
	}
	return &tx
}}

// newBatchConn batches when pc is a *net.UDPConn and falls back to one datagram per
// call otherwise (in-memory test networks, wrappers).
func newBatchConn(pc net.PacketConn) batchConn {
	udp, ok := pc.(*net.UDPConn)
	if !ok {
		return newPlainConn(pc)
	}
	m := &mmsgConn{plainConn: newPlainConn(pc), rx: make([]ipv4.Message, batchSize)}
	for i := range m.rx {
		m.rx[i].Buffers = make([][]byte, 1)
	}
	if la, ok := udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
		p := ipv4.NewPacketConn(udp)
		m.read, m.write = p.ReadBatch, p.WriteBatch
	} else {
		p := ipv6.NewPacketConn(udp)
		m.read, m.write = p.ReadBatch, p.WriteBatch
	}
	return m
}

func (m *mmsgConn) readBatch(ms []rxMsg) (int, error) {
	rx := m.rx[:min(len(ms), len(m.rx))]
	for i := range rx {
		rx[i].Buffers[0] = *ms[i].buf
	}
	n, err := m.read(rx, 0)
	if err != nil {
		return 0, err
	}
	for i := range n {
		ms[i].n = rx[i].N
		ms[i].addr = addrPortOf(rx[i].Addr)
	}
	return n, nil
}

func (m *mmsgConn) calls(n int) int { return (n + batchSize - 1) / batchSize }

func (m *mmsgConn) writeBatch(ms []txMsg) (int, error) {
	if len(ms) == 1 { // sendto costs less than sendmmsg of one
		if err := m.writeTo(*ms[0].buf, ms[0].addr); err != nil {
			return 0, err
		}
		return 1, nil
	}
	scratch := txPool.Get().(*[]ipv4.Message)
	defer func() {
		for i := range *scratch { // drop references to buffers that go back to their pools
			(*scratch)[i].Buffers[0], (*scratch)[i].Addr = nil, nil
		}
		txPool.Put(scratch)
	}()
	sent := 0
	for sent < len(ms) {
		tx := (*scratch)[:min(len(ms)-sent, len(*scratch))]
		for i := range tx {
			t := &ms[sent+i]
			tx[i].Buffers[0] = *t.buf
			tx[i].Addr = t.net
			if t.net == nil {
				tx[i].Addr = net.UDPAddrFromAddrPort(t.addr)
			}
		}
		n, err := m.write(tx, 0)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
