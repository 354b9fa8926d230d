package directmode

import (
	"context"
	"sync/atomic"

	"github.com/bosonrt/boson/relay/client"
)

// Dial connects to a relay with [client.Dial] and starts a mesh on the client, with the
// client's events wired through [Mesh.HandleEvent]: opts.Handler receives only the
// events the mesh does not consume. Closing the mesh closes the client.
func Dial(ctx context.Context, address string, opts *client.Options, cfg *Config) (*Mesh, error) {
	var mesh atomic.Pointer[Mesh]
	o := *opts
	next := o.Handler
	o.Handler = func(e client.Event) {
		if m := mesh.Load(); m != nil && m.HandleEvent(e) {
			return
		}
		if next != nil {
			next(e)
		}
	}
	c, err := client.Dial(ctx, address, &o)
	if err != nil {
		return nil, err
	}
	m, err := New(c, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	m.ownsClient = true
	mesh.Store(m)
	return m, nil
}

// Client returns the client the mesh rides on.
func (m *Mesh) Client() *client.Client { return m.c }
