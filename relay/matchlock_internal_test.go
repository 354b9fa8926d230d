package relay

import (
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

// A join-or-create-random that waited on the matchmaking lock of a lobby the lobby
// loop dropped meanwhile (it was empty) continues in the live lobby of the same key,
// where the room the first joiner created went; otherwise each queued joiner would
// find no room and create one.
func TestMatchingContinuesInTheLiveLobby(t *testing.T) {
	s := &Server{lobbies: map[lobbyKey]*lobby{}}
	s.cfg.MaxRoomListEntries = 500
	key := lobbyKey{world: worldKey{"game", "1"}, name: "fresh", typ: protocol.LobbyDefault}
	waiting := s.lobbyOf(key, true) // a joiner waits on its matchMu
	s.updateLobbies()               // a lobby tick drops it: no rooms, no members
	created := s.lobbyOf(key, true) // the first joiner's room goes here
	l := s.lockMatching(waiting)
	defer l.matchMu.Unlock()
	if l != created || l.dead {
		t.Fatalf("matching continued in %p (dead=%v), want the live lobby %p", l, l.dead, created)
	}
}
