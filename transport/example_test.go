package transport_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport"
)

// A relay on loopback and a client that pins its fingerprint, as in the README.
func ExampleDial() {
	dir, _ := os.MkdirTemp("", "boson-example")
	defer os.RemoveAll(dir)
	id, _, err := handshake.LoadOrCreateIdentity(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	relay, err := transport.ListenUDP("127.0.0.1:0", &transport.ListenConfig{Identity: id})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer relay.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pin, _ := handshake.ParseFingerprint(id.Fingerprint.String()) // what the relay prints
	conn, err := transport.Dial(ctx, relay.Addr().String(), &transport.DialConfig{
		Channels:     []transport.Mode{transport.ReliableOrdered, transport.UnreliableSequenced},
		Fingerprints: []handshake.Fingerprint{pin},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	if err := conn.Send(0, []byte("hello")); err != nil {
		fmt.Println(err)
		return
	}

	peer, _ := relay.Accept(ctx)
	msg, _ := peer.Receive(ctx)
	fmt.Printf("relay got %q on channel %d\n", msg.Data, msg.Channel)
	// Output: relay got "hello" on channel 0
}
