package relay

import (
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

// FuzzStatusOptions feeds any CreateRoom request to the invitee and auto-match
// decoder: it accepts or refuses, never panics, and what it accepts is in bounds.
func FuzzStatusOptions(f *testing.F) {
	for _, p := range []protocol.Params{
		{protocol.ParamInvitees: []string{"bob", "carol"}},
		{protocol.ParamAutoMatch: map[string]any{"min": int64(1), "max": int64(3), "mask": int64(6), "variant": int64(-2)}},
		{protocol.ParamAutoMatch: map[string]any{"min": "1"}, protocol.ParamInvitees: []any{int64(1)}},
	} {
		b, err := protocol.AppendRequest(nil, &protocol.Request{Op: protocol.OpCreateRoom, ID: 1, Params: p})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := protocol.ReadRequest(b)
		if err != nil {
			return
		}
		o := &roomOptions{}
		if readStatusOptions(r.Params, o) != nil || o.status == nil {
			return
		}
		if len(o.status.invitees) > maxInvitees {
			t.Fatalf("%d invitees accepted", len(o.status.invitees))
		}
		if a := o.status.auto; a != nil && (a.min < 1 || a.max < a.min || a.max > maxAutoMatch) {
			t.Fatalf("criteria %+v accepted", a)
		}
	})
}
