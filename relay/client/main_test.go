package client_test

import (
	"testing"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport"
	"go.uber.org/goleak"
)

func relayTransport(id *handshake.Identity) transport.ListenConfig {
	return transport.ListenConfig{Identity: id}
}

// TestMain fails the package if a goroutine outlives the tests (kcp-go's global
// scheduler aside: it starts when the package loads and the transport never uses it).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).sched"),
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).prepend"),
	)
}
