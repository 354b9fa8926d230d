package client_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// startExampleRelay runs a relay on loopback, as `go run ./cmd/relay` would.
func startExampleRelay() (*relay.Server, func()) {
	dir, _ := os.MkdirTemp("", "boson-example")
	id, _, err := handshake.LoadOrCreateIdentity(dir)
	if err != nil {
		panic(err)
	}
	s, err := relay.ListenUDP("127.0.0.1:0", &relay.Config{Transport: relayTransport(id)})
	if err != nil {
		panic(err)
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }
}

// Two players meet in a room; one raises an event, the other prints it as it arrives.
func Example() {
	s, stop := startExampleRelay()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	got := make(chan string, 1)
	opts := func(name string, handler func(client.Event)) *client.Options {
		return &client.Options{
			AppID: "my-game", AppVersion: "1.0", Nickname: name,
			Auth:         client.Auth{Type: auth.None},
			Fingerprints: []handshake.Fingerprint{s.Fingerprint()}, // printed by the relay at start
			Handler:      handler,
		}
	}
	host, err := client.Dial(ctx, s.Addr().String(), opts("host", func(e client.Event) {
		if ev, ok := e.(*client.CustomEvent); ok {
			got <- fmt.Sprintf("event %d from actor %d: %s", ev.Code, ev.Sender, ev.Payload)
		}
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	room, _ := host.CreateRoom(ctx, "arena", &client.RoomOptions{MaxPlayers: 4}, nil)
	fmt.Println("host is actor", room.ActorNr, "in", room.Name)

	guest, err := client.Dial(ctx, s.Addr().String(), opts("guest", nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer guest.Close()
	room, _ = guest.JoinRoom(ctx, "arena", nil)
	fmt.Println("guest is actor", room.ActorNr)
	guest.RaiseEvent(7, []byte("hello"), nil) // to the others, reliably

	fmt.Println(<-got)
	_, err = guest.JoinRoom(ctx, "elsewhere", nil)
	fmt.Println(err)
	// Output:
	// host is actor 1 in arena
	// guest is actor 2
	// event 7 from actor 2: hello
	// relay: JoinRoom: JoinFailedPeerAlreadyJoined (32750): already in a room: leave it first
}

// A game loop that handles events on its own goroutine uses Poll and Service.
func ExampleClient_Service() {
	s, stop := startExampleRelay()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, s.Addr().String(), &client.Options{
		AppID: "my-game", Auth: client.Auth{Type: auth.None},
		Fingerprints: []handshake.Fingerprint{s.Fingerprint()},
		Poll:         true,
		Handler: func(e client.Event) { // runs only inside Service
			if ev, ok := e.(*client.CustomEvent); ok {
				fmt.Printf("update: %s\n", ev.Payload)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.CreateRoom(ctx, "", nil, nil)
	c.RaiseEvent(1, []byte("tick"), &client.EventOptions{Receivers: protocol.ReceiversAll, Unreliable: true})
	for frame := 0; frame < 1000 && c.Service() == 0; frame++ {
		time.Sleep(time.Millisecond) // the rest of the frame
	}
	// Output: update: tick
}
