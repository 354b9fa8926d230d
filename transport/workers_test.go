package transport

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// sameChannelEcho sends every message back on its channel, from the relay's workers.
type sameChannelEcho struct{}

func (sameChannelEcho) Connected(*Conn) {}
func (sameChannelEcho) Message(c *Conn, ch int, msg []byte) {
	c.Send(ch, msg)
}
func (sameChannelEcho) Closed(*Conn, error) {}

// TestManyClientsOnSeveralWorkers has workers flush at the same time: each must have
// its own batch state, and every message must come back intact.
func TestManyClientsOnSeveralWorkers(t *testing.T) {
	l := startRelay(t, "127.0.0.1:0", ListenConfig{Workers: 4, Handler: sameChannelEcho{}, HandshakesPerIP: 1000})
	const clients, msgs = 16, 200
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), loopbackTimeout)
			defer cancel()
			c, err := Dial(ctx, l.Addr().String(), &DialConfig{Channels: []Mode{ReliableOrdered},
				Fingerprints: []handshake.Fingerprint{l.cfg.Identity.Fingerprint}})
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			defer c.Close()
			for k := range msgs {
				msg := fmt.Appendf(nil, "client %d message %d %s", i, k, bytes.Repeat([]byte{'x'}, k))
				if err := c.Send(0, msg); err != nil {
					t.Errorf("client %d: Send: %v", i, err)
					return
				}
				m, err := c.Receive(ctx)
				if err != nil || !bytes.Equal(m.Data, msg) {
					t.Errorf("client %d message %d: got %q, %v", i, k, m.Data, err)
					return
				}
			}
			if s := c.Stats(); s.AuthFailures != 0 || s.Replays != 0 {
				t.Errorf("client %d: %d auth failures, %d replays; want none", i, s.AuthFailures, s.Replays)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(loopbackTimeout):
		t.Fatal("clients did not finish")
	}
}
