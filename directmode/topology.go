package directmode

import "github.com/bosonrt/boson/relay/protocol"

// peers returns the players self links to in mode, given the master and the active
// players of the room.
func peers(mode protocol.DirectMode, self, master int, active []int) []int {
	var out []int
	for _, a := range active {
		if a == self {
			continue
		}
		switch mode {
		case protocol.DirectAllToOthers, protocol.DirectAllToAll:
			out = append(out, a)
		case protocol.DirectMasterToOthers, protocol.DirectMasterToAll:
			if self == master || a == master {
				out = append(out, a)
			}
		}
	}
	return out
}

// deliversToSelf says whether a message to everyone also reaches its sender.
func deliversToSelf(mode protocol.DirectMode) bool {
	return mode == protocol.DirectAllToAll || mode == protocol.DirectMasterToAll
}

// offers says whether self makes the offer on its link to peer.
func offers(self, peer int) bool { return self < peer }
