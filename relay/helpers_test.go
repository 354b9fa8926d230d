package relay_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// These tests run a real relay and real clients over UDP on 127.0.0.1. Each wait is
// bounded by testTimeout; none sleeps to wait for an outcome.

const testTimeout = 10 * time.Second

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startRelay serves the relay protocol on 127.0.0.1 until the test ends.
func startRelay(t testing.TB, cfg relay.Config) *relay.Server {
	t.Helper()
	id, _, err := handshake.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Transport.Identity = id
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := relay.ListenUDP("127.0.0.1:0", &cfg)
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// player is a client whose events go to a channel the test reads.
type player struct {
	*client.Client
	t      testing.TB
	name   string
	events chan client.Event
}

// connect dials s as an anonymous player called name (also its user id) of app "game" v1.
func connect(t testing.TB, s *relay.Server, name string) *player {
	t.Helper()
	p, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", UserID: name, Nickname: name,
		Auth: client.Auth{Type: auth.None}})
	if err != nil {
		t.Fatalf("%s: Dial: %v", name, err)
	}
	return p
}

func tryConnect(t testing.TB, s *relay.Server, o *client.Options) (*player, error) {
	p := &player{t: t, name: o.Nickname, events: make(chan client.Event, 4096)}
	opts := *o
	opts.Fingerprints = []handshake.Fingerprint{fingerprint(t, s)}
	opts.Handler = func(e client.Event) { p.events <- e }
	c, err := client.Dial(testContext(t), s.Addr().String(), &opts)
	if err != nil {
		return nil, err
	}
	p.Client = c
	t.Cleanup(func() { c.Close() })
	return p, nil
}

func fingerprint(_ testing.TB, s *relay.Server) handshake.Fingerprint {
	return s.Fingerprint()
}

// next returns the next event of type T, skipping others that match skip (nil: none).
func next[T client.Event](p *player) T {
	p.t.Helper()
	timeout := time.After(testTimeout)
	for {
		select {
		case e := <-p.events:
			if v, ok := e.(T); ok {
				return v
			}
			if _, ok := e.(*client.DisconnectedEvent); ok {
				var zero T
				p.t.Fatalf("%s: disconnected while waiting for %T: %v", p.name, zero, e.(*client.DisconnectedEvent).Err)
			}
		case <-timeout:
			var zero T
			p.t.Fatalf("%s: no %T within %v", p.name, zero, testTimeout)
		}
	}
}

// custom returns the next custom event's payload and sender.
func custom(p *player) *client.CustomEvent {
	p.t.Helper()
	return next[*client.CustomEvent](p)
}

// noCustom checks that no custom event arrives before a marker p sends to itself.
func noCustom(p *player) {
	p.t.Helper()
	if err := p.RaiseEvent(199, []byte("marker"), &client.EventOptions{TargetActors: []int{p.Room().ActorNr}}); err != nil {
		p.t.Fatal(err)
	}
	if e := custom(p); e.Code != 199 {
		p.t.Fatalf("%s: got event %d %q, want nothing before the marker", p.name, e.Code, e.Payload)
	}
}

// settle raises a marker to p itself and discards p's events up to it: once it is
// back, the relay has handled everything p sent before.
func settle(p *player) {
	p.t.Helper()
	r := p.Room()
	if r == nil {
		return // left the room: its leave was a request, already answered
	}
	if err := p.RaiseEvent(199, []byte("settle"), &client.EventOptions{TargetActors: []int{r.ActorNr}}); err != nil {
		p.t.Fatal(err)
	}
	for custom(p).Code != 199 {
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustRoom returns a function that checks a join's result: mustRoom(t)(p.JoinRoom(...)).
func mustRoom(t testing.TB) func(*client.Room, error) *client.Room {
	return func(r *client.Room, err error) *client.Room {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// wantCode checks that err is a relay error with code.
func wantCode(t testing.TB, err error, code protocol.Code) {
	t.Helper()
	var re *protocol.Error
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func payload(format string, args ...any) []byte { return fmt.Appendf(nil, format, args...) }
