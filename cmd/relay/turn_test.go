package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

// TestRoomMembersGetCredentialsForTheBuiltInTURN starts the relay as a user would,
// takes TURN credentials as a room member, and allocates a relay with them on the
// built-in TURN service.
func TestRoomMembersGetCredentialsForTheBuiltInTURN(t *testing.T) {
	b, stop := startRelayCmd(t, t.TempDir())
	defer stop()
	if len(b.turn) != 2 {
		t.Fatalf("printed TURN URLs %v, want a stun: and a turn: URL", b.turn)
	}
	c, _ := dialClient(t, b)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.CreateRoom(ctx, "r", nil, nil); err != nil {
		t.Fatal(err)
	}
	tc, err := c.TURNCredentials(ctx)
	if err != nil {
		t.Fatalf("TURNCredentials: %v", err)
	}
	host, port, _ := net.SplitHostPort(b.turn[0][len("stun:"):])
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tcl, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: net.JoinHostPort(host, port), TURNServerAddr: net.JoinHostPort(host, port),
		Conn: pc, Username: tc.Username, Password: tc.Password, Realm: "boson",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tcl.Close()
	if err := tcl.Listen(); err != nil {
		t.Fatal(err)
	}
	relayConn, err := tcl.Allocate()
	if err != nil {
		t.Fatalf("Allocate with the relay's credentials: %v", err)
	}
	relayConn.Close()
}
