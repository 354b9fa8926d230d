package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
)

// A peer is one load-generating client of a relay.
type peer interface {
	// send raises payload to the other members of the peer's room.
	send(payload []byte) error
	// joinRoom joins (or creates) room number room.
	joinRoom(ctx context.Context, room int) error
	// joinRandom joins or creates a random room of at most size members.
	joinRandom(ctx context.Context, size int) (room string, created bool, err error)
	// keepalive sends what keeps an idle peer known to its relay, if the peer's
	// protocol does not do it by itself.
	keepalive()
	// transportCounts returns the peer's reliable segments sent again and the
	// packets from the relay it never got, so far (zero for raw peers: they have no
	// reliability and no packet numbers).
	transportCounts() (retransmits, lost uint64)
	close()
}

// A dialer connects peers to one relay. recv is called with each payload the peer
// receives, on a goroutine of the peer's, one payload at a time; fail with each error
// the relay reports outside a request (say, an event refused by a rate limit).
type dialer interface {
	name() string
	dial(ctx context.Context, recv func([]byte), fail func(error)) (peer, error)
}

// errNoAnswer is what a raw peer's request returns when no answer came in time.
var errNoAnswer = errors.New("no answer from the relay")

// bosonDialer connects real clients (relay/client) to a Boson relay.
type bosonDialer struct {
	addr       string
	fp         handshake.Fingerprint
	unreliable bool
}

func (d *bosonDialer) name() string { return "boson" }

func (d *bosonDialer) dial(ctx context.Context, recv func([]byte), fail func(error)) (peer, error) {
	c, err := client.Dial(ctx, d.addr, &client.Options{
		AppID: "loadgen", Nickname: "lg", Auth: client.Auth{Type: auth.None},
		Fingerprints: []handshake.Fingerprint{d.fp}, EventChannels: 1,
		Handler: func(e client.Event) {
			switch e := e.(type) {
			case *client.CustomEvent:
				recv(e.Payload)
			case *client.ErrorInfoEvent:
				fail(fmt.Errorf("relay error %d: %s", e.Code, e.Message))
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &bosonPeer{c: c, opts: &client.EventOptions{Unreliable: d.unreliable}}, nil
}

type bosonPeer struct {
	c    *client.Client
	opts *client.EventOptions
}

func (p *bosonPeer) send(b []byte) error { return p.c.RaiseEvent(1, b, p.opts) }
func (p *bosonPeer) keepalive()          {} // the transport keeps the connection alive
func (p *bosonPeer) close()              { p.c.Close() }

func (p *bosonPeer) transportCounts() (uint64, uint64) {
	st := p.c.Conn().Stats()
	return st.Retransmits, st.PacketsLost
}

func (p *bosonPeer) joinRoom(ctx context.Context, room int) error {
	_, err := p.c.JoinOrCreateRoom(ctx, fmt.Sprintf("lg-%d", room), nil, nil)
	return err
}

func (p *bosonPeer) joinRandom(ctx context.Context, size int) (string, bool, error) {
	r, err := p.c.JoinOrCreateRandomRoom(ctx, "", &client.RandomOptions{MaxPlayers: size},
		&client.RoomOptions{MaxPlayers: size}, nil)
	if err != nil {
		return "", false, err
	}
	return r.Name, r.Created, nil
}

// rawDialer connects plain UDP sockets to the raw relay.
type rawDialer struct {
	addr *net.UDPAddr
}

func (d *rawDialer) name() string { return "raw" }

func (d *rawDialer) dial(_ context.Context, recv func([]byte), _ func(error)) (peer, error) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	p := &rawPeer{pc: pc, to: d.addr, recv: recv, acks: make(chan []byte, 1)}
	p.wg.Go(p.readLoop)
	return p, nil
}

type rawPeer struct {
	pc   *net.UDPConn
	to   *net.UDPAddr
	recv func([]byte)
	acks chan []byte
	room atomic.Uint32
	wg   sync.WaitGroup
	buf  []byte // send buffer; send is called from one goroutine at a time
	mu   sync.Mutex
}

func (p *rawPeer) readLoop() {
	buf := make([]byte, 2048)
	for {
		n, err := p.pc.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		switch {
		case n > rawHeader && buf[0] == rawData:
			p.recv(buf[rawHeader:n])
		case n > rawHeader && buf[0] == rawAck:
			select {
			case p.acks <- append([]byte(nil), buf[:n]...):
			default:
			}
		}
	}
}

func (p *rawPeer) send(b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(append(p.buf[:0], rawData, 0, 0, 0, 0), b...)
	binary.BigEndian.PutUint32(p.buf[1:], p.room.Load())
	_, err := p.pc.WriteToUDP(p.buf, p.to)
	return err
}

func (p *rawPeer) keepalive() {
	p.pc.WriteToUDP([]byte{rawPing, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, p.to)
}

func (p *rawPeer) close() { p.pc.Close(); p.wg.Wait() }

func (p *rawPeer) transportCounts() (uint64, uint64) { return 0, 0 }

// request sends op arg until the relay answers (every 200 ms) or ctx ends.
func (p *rawPeer) request(ctx context.Context, op byte, arg uint32) ([]byte, error) {
	req := make([]byte, rawHeader+1)
	req[0] = op
	binary.BigEndian.PutUint32(req[1:], arg)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := p.pc.WriteToUDP(req, p.to); err != nil {
			return nil, err
		}
		select {
		case a := <-p.acks:
			return a, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("raw %c: %w", op, orErr(context.Cause(ctx), errNoAnswer))
		case <-t.C:
		}
	}
}

func (p *rawPeer) joinRoom(ctx context.Context, room int) error {
	if _, err := p.request(ctx, rawJoin, uint32(room)); err != nil {
		return err
	}
	p.room.Store(uint32(room))
	return nil
}

func (p *rawPeer) joinRandom(ctx context.Context, size int) (string, bool, error) {
	a, err := p.request(ctx, rawRandom, uint32(size))
	if err != nil {
		return "", false, err
	}
	room := binary.BigEndian.Uint32(a[1:])
	p.room.Store(room)
	return fmt.Sprint(room), len(a) > rawHeader && a[rawHeader] == 1, nil
}
