package directmode

import (
	"slices"
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

func TestPeersFollowTheTopology(t *testing.T) {
	active := []int{1, 2, 3, 5}
	tests := []struct {
		mode         protocol.DirectMode
		self, master int
		want         []int
	}{
		{protocol.DirectNone, 1, 1, nil},
		{protocol.DirectAllToOthers, 2, 1, []int{1, 3, 5}},
		{protocol.DirectAllToAll, 5, 1, []int{1, 2, 3}},
		{protocol.DirectMasterToOthers, 1, 1, []int{2, 3, 5}}, // the master links to all
		{protocol.DirectMasterToOthers, 3, 1, []int{1}},       // the others to the master only
		{protocol.DirectMasterToAll, 3, 5, []int{5}},
		{protocol.DirectMasterToAll, 5, 5, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		if got := peers(tt.mode, tt.self, tt.master, active); !slices.Equal(got, tt.want) {
			t.Errorf("peers(%v, self %d, master %d) = %v, want %v", tt.mode, tt.self, tt.master, got, tt.want)
		}
	}
	for _, m := range []protocol.DirectMode{protocol.DirectAllToAll, protocol.DirectMasterToAll} {
		if !deliversToSelf(m) {
			t.Errorf("%v does not deliver to self", m)
		}
	}
	if deliversToSelf(protocol.DirectAllToOthers) || deliversToSelf(protocol.DirectMasterToOthers) {
		t.Error("a *_TO_OTHERS mode delivers to self")
	}
	if !offers(1, 2) || offers(2, 1) {
		t.Error("the lower actor must offer")
	}
}
