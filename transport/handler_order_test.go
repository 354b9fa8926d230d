package transport

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// orderHandler records, per connection, the order of the Handler's calls.
type orderHandler struct {
	mu     sync.Mutex
	events map[*Conn][]string
}

func (h *orderHandler) add(c *Conn, e string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events[c] = append(h.events[c], e)
}

func (h *orderHandler) Connected(c *Conn) {
	time.Sleep(time.Millisecond) // a slow Connected widens any window
	h.add(c, "connected")
}
func (h *orderHandler) Message(c *Conn, _ int, _ []byte) { h.add(c, "message") }
func (h *orderHandler) Closed(c *Conn, _ error)          { h.add(c, "closed") }

func TestHandlerHearsConnectedBeforeAnyMessage(t *testing.T) {
	h := &orderHandler{events: map[*Conn][]string{}}
	l := startRelay(t, "127.0.0.1:0", ListenConfig{Handler: h, Workers: 2, HandshakesPerIP: 1000})
	const clients = 40
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), loopbackTimeout)
			defer cancel()
			c, err := Dial(ctx, l.Addr().String(), &DialConfig{Channels: []Mode{Unreliable, ReliableOrdered},
				Fingerprints: []handshake.Fingerprint{l.cfg.Identity.Fingerprint}})
			if err != nil {
				t.Error(err)
				return
			}
			c.Send(0, []byte("right away"))
			c.Send(1, []byte("right away, reliably"))
			time.Sleep(50 * time.Millisecond)
			c.Close()
		})
	}
	wg.Wait()
	eventually(t, "every connection to close on the relay", func() bool { return l.Stats().Conns == 0 })
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) != clients {
		t.Fatalf("handler heard of %d connections, want %d", len(h.events), clients)
	}
	for c, ev := range h.events {
		if ev[0] != "connected" || ev[len(ev)-1] != "closed" || count(ev, "connected") != 1 || count(ev, "closed") != 1 {
			t.Fatalf("connection %x: events %v; want connected first, closed last, once each", c.localCID, ev)
		}
	}
}

func count(ss []string, s string) (n int) {
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// closeOnMessage closes the connection from inside its Handler.
type closeOnMessage struct{}

func (closeOnMessage) Connected(*Conn)                  {}
func (closeOnMessage) Message(c *Conn, _ int, _ []byte) { c.Close() }
func (closeOnMessage) Closed(*Conn, error)              {}

func TestClientClosedFromItsHandlerGivesTheSocketBack(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{})
	pc := listenLoopback(t)
	defer pc.Close()
	c, err := DialPacketConn(testContext(t), pc, l.Addr(), &DialConfig{Channels: []Mode{ReliableOrdered},
		Fingerprints: []handshake.Fingerprint{l.cfg.Identity.Fingerprint}, Handler: closeOnMessage{}})
	if err != nil {
		t.Fatal(err)
	}
	mustSend(t, acceptConn(t, l), 0, []byte("goodbye"))
	eventually(t, "the client to close", func() bool { return c.Err() != nil })
	c.w.ep.workerWG.Wait()
	c.w.ep.readerWG.Wait()
	other := listenLoopback(t)
	defer other.Close()
	other.WriteTo([]byte("the socket is mine again"), pc.LocalAddr())
	buf := make([]byte, 64)
	for { // the relay's last DTLS records may be queued before ours
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("reading the caller's socket after the close: %v; want no deadline left behind", err)
		}
		if string(buf[:n]) == "the socket is mine again" {
			return
		}
	}
}
