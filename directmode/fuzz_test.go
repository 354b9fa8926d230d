package directmode_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// FuzzDecodeSignal throws any relay value at the signalling decoder: it must refuse
// or accept without panicking, and what it accepts must survive a round trip. Seeds
// are in testdata/fuzz/FuzzDecodeSignal.
func FuzzDecodeSignal(f *testing.F) {
	for _, s := range []directmode.Signal{
		{Kind: directmode.SignalOffer, Session: 1, SDP: "v=0\r\n"},
		{Kind: directmode.SignalAnswer, Session: -1, SDP: "v=0\r\n"},
		{Kind: directmode.SignalCandidate, Session: 0x1234, Candidate: "candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host", MID: "0", UsernameFragment: "abcd"},
		{Kind: directmode.SignalRestart, Session: 42},
		{Kind: directmode.SignalBye, Session: 42},
	} {
		b, err := protocol.AppendValue(nil, s.Map())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := protocol.ReadValue(b)
		if err != nil {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		s, err := directmode.DecodeSignal(m)
		if err != nil {
			return
		}
		again, err := directmode.DecodeSignal(s.Map())
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", s, err)
		}
		if diff := cmp.Diff(s, again); diff != "" {
			t.Fatalf("round trip changed the signal (-first +second):\n%s", diff)
		}
	})
}

func TestDecodeSignalRefusesBadMessages(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]any
	}{
		{"no kind", map[string]any{"s": "1"}},
		{"unknown kind", map[string]any{"t": "hello", "s": "1"}},
		{"zero session", map[string]any{"t": "bye", "s": "0"}},
		{"session not hex", map[string]any{"t": "bye", "s": "xyz"}},
		{"session too long", map[string]any{"t": "bye", "s": "10000000000000000"}},
		{"offer without sdp", map[string]any{"t": "offer", "s": "1"}},
		{"sdp not a string", map[string]any{"t": "offer", "s": "1", "sdp": int64(3)}},
		{"candidate without index", map[string]any{"t": "candidate", "s": "1", "c": "x", "mid": "0", "u": ""}},
		{"negative index", map[string]any{"t": "candidate", "s": "1", "c": "x", "mid": "0", "u": "", "i": int64(-1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := directmode.DecodeSignal(tt.m); err == nil {
				t.Fatalf("DecodeSignal(%v) = %+v, want an error", tt.m, s)
			}
		})
	}
}
