package relay

import (
	"slices"
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

// statusRequest encodes a request of op with p (a fuzz seed).
func statusRequest(f *testing.F, op protocol.Op, p protocol.Params) []byte {
	f.Helper()
	b, err := protocol.AppendRequest(nil, &protocol.Request{Op: op, ID: 1, Params: p})
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzPeerReport feeds any ReportPeerStatus request to its decoder and filter: what
// is accepted is at most maxReportedPeers numbers, and the peers kept are distinct
// numbers given in the room, never the reporter's own.
func FuzzPeerReport(f *testing.F) {
	f.Add(statusRequest(f, protocol.OpReportPeerStatus, protocol.Params{protocol.ParamConnectedActors: []int{1, 2, 2, 3, 9}}))
	f.Add(statusRequest(f, protocol.OpReportPeerStatus, protocol.Params{protocol.ParamConnectedActors: []int{-1, 0, 1 << 40},
		protocol.ParamRoomName: "r"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := protocol.ReadRequest(b)
		if err != nil {
			return
		}
		_, list, err := readPeerReport(r.Params)
		if err != nil {
			return
		}
		if len(list) > maxReportedPeers {
			t.Fatalf("%d actors accepted", len(list))
		}
		const self, next = 2, 5
		peers := reportedPeers(list, self, next)
		for i, nr := range peers {
			if nr == self || nr < 1 || nr >= next || slices.Contains(peers[:i], nr) {
				t.Fatalf("peers %v kept from %v", peers, list)
			}
		}
	})
}

// FuzzLeaveReason feeds any LeaveRoom request to the leave reason decoder: it accepts
// only the reasons a client may give.
func FuzzLeaveReason(f *testing.F) {
	f.Add(statusRequest(f, protocol.OpLeaveRoom, protocol.Params{protocol.ParamLeaveReason: "GAME_LEFT"}))
	f.Add(statusRequest(f, protocol.OpLeaveRoom, protocol.Params{protocol.ParamLeaveReason: "PRESENCE_FAILURE"}))
	f.Add(statusRequest(f, protocol.OpLeaveRoom, protocol.Params{protocol.ParamWillComeBack: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := protocol.ReadRequest(b)
		if err != nil {
			return
		}
		reason, err := readLeaveReason(r.Params)
		if err != nil {
			return
		}
		switch reason {
		case protocol.LeavePlayerLeft, protocol.LeaveGameLeft, protocol.LeaveAbandoned,
			protocol.LeavePeerConnectionFailure, protocol.LeaveServerError, protocol.LeaveTimeout:
		default:
			t.Fatalf("reason %q accepted", reason)
		}
	})
}
