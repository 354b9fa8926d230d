package directmode_test

import (
	"sync/atomic"
	"testing"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
)

// rawPeer is a client without Dial's wiring: the test decides which mesh (if any)
// gets its events, so a mesh can be closed and replaced while the client stays.
type rawPeer struct {
	c      *client.Client
	mesh   atomic.Pointer[directmode.Mesh]
	events chan directmode.Event // mesh events of the current mesh
	relay  chan client.Event     // client events no mesh consumed
}

func (w *world) rawConnect(name string) *rawPeer {
	w.t.Helper()
	rp := &rawPeer{events: make(chan directmode.Event, 8192), relay: make(chan client.Event, 8192)}
	o := &client.Options{AppID: "direct", AppVersion: "1", UserID: name, Nickname: name,
		Auth: client.Auth{Type: auth.None}, Fingerprints: []handshake.Fingerprint{w.relay.Fingerprint()},
		Handler: func(e client.Event) {
			if m := rp.mesh.Load(); m != nil && m.HandleEvent(e) {
				return
			}
			select {
			case rp.relay <- e:
			default:
			}
		}}
	if w.listen != nil {
		o.PacketConn = w.listen()
	}
	c, err := client.Dial(testContext(w.t), w.addr, o)
	if err != nil {
		w.t.Fatalf("%s: dial: %v", name, err)
	}
	w.t.Cleanup(func() { c.Close() })
	rp.c = c
	return rp
}

// newMesh starts a mesh on rp's client and makes it the one that gets its events.
func (rp *rawPeer) newMesh(t testing.TB, w *world, cfg directmode.Config) *directmode.Mesh {
	t.Helper()
	cfg.Net, cfg.IncludeLoopback = w.mesh.Net, w.mesh.IncludeLoopback
	cfg.Logger = testLogger(t)
	cfg.Handler = func(e directmode.Event) { rp.events <- e }
	m, err := directmode.New(rp.c, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	rp.mesh.Store(m)
	m.Sync()
	return m
}

// asPeer wraps rp's current mesh as a *peer, for the package's wait helpers.
func (rp *rawPeer) asPeer(t testing.TB, name string) *peer {
	return &peer{Mesh: rp.mesh.Load(), name: name, t: t, events: rp.events, relayEvents: rp.relay}
}
