package relay_test

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
)

// udpProxy stands for a NAT in front of one client: it forwards the client's datagrams
// to the relay from an outside socket, and the relay's back to the client's latest
// address. rebind moves to a new outside socket (a new NAT mapping); cut drops
// everything until it is undone.
type udpProxy struct {
	front  *net.UDPConn
	target *net.UDPAddr
	cut    atomic.Bool
	wg     sync.WaitGroup

	mu     sync.Mutex // guards the following fields
	out    *net.UDPConn
	client *net.UDPAddr
}

func newUDPProxy(t *testing.T, target net.Addr) *udpProxy {
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	must(t, err)
	p := &udpProxy{front: front, target: target.(*net.UDPAddr)}
	p.rebind(t)
	p.wg.Add(1)
	go p.upLoop()
	t.Cleanup(func() {
		front.Close()
		p.mu.Lock()
		p.out.Close()
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *udpProxy) rebind(t *testing.T) {
	out, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	must(t, err)
	p.mu.Lock()
	old := p.out
	p.out = out
	p.mu.Unlock()
	if old != nil {
		old.Close() // its downLoop ends
	}
	p.wg.Add(1)
	go p.downLoop(out)
}

func (p *udpProxy) upLoop() {
	defer p.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := p.front.ReadFromUDP(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.client = from
		out := p.out
		p.mu.Unlock()
		if !p.cut.Load() {
			out.WriteToUDP(buf[:n], p.target)
		}
	}
}

func (p *udpProxy) downLoop(out *net.UDPConn) {
	defer p.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, _, err := out.ReadFromUDP(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		to := p.client
		p.mu.Unlock()
		if to != nil && !p.cut.Load() {
			p.front.WriteToUDP(buf[:n], to)
		}
	}
}

func TestAClientKeepsItsRoomAcrossNATRebindingAndABriefOutage(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	host := connect(t, s, "host")
	mustRoom(t)(host.CreateRoom(ctx, "r", nil, nil))
	proxy := newUDPProxy(t, s.Addr())
	guest := &player{t: t, name: "guest", events: make(chan client.Event, 1024)}
	c, err := client.Dial(ctx, proxy.front.LocalAddr().String(), &client.Options{
		AppID: "game", AppVersion: "1", Nickname: "guest", Auth: client.Auth{Type: auth.None},
		Fingerprints: []handshake.Fingerprint{s.Fingerprint()},
		Handler:      func(e client.Event) { guest.events <- e },
	})
	must(t, err)
	t.Cleanup(func() { c.Close() })
	guest.Client = c
	mustRoom(t)(guest.JoinRoom(ctx, "r", nil))
	next[*client.JoinEvent](host)

	exchange := func(what string) {
		t.Helper()
		must(t, guest.RaiseEvent(1, []byte(what), nil))
		if e := custom(host); string(e.Payload) != what || e.Sender != 2 {
			t.Fatalf("host got %q from %d, want %q from 2", e.Payload, e.Sender, what)
		}
		must(t, host.RaiseEvent(2, []byte(what), nil))
		if e := custom(guest); string(e.Payload) != what {
			t.Fatalf("guest got %q, want %q", e.Payload, what)
		}
	}
	exchange("before")
	proxy.rebind(t) // the NAT gives the guest a new outside port
	exchange("after rebinding")
	proxy.cut.Store(true) // a brief outage, shorter than the idle timeout
	time.Sleep(2 * time.Second)
	proxy.cut.Store(false)
	exchange("after the outage")
	select {
	case e := <-host.events:
		t.Fatalf("host saw %#v: the guest's trouble should be invisible to the room", e)
	default:
	}
}
