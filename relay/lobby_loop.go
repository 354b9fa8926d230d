package relay

import (
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// lobbyLoop sends room list updates and stats on their intervals until the relay closes.
func (s *Server) lobbyLoop() {
	defer s.wg.Done()
	lists := time.NewTicker(s.cfg.RoomListInterval)
	defer lists.Stop()
	stats := time.NewTicker(s.cfg.StatsInterval)
	defer stats.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-lists.C:
			s.updateLobbies()
		case <-stats.C:
			s.sendStats()
		}
	}
}

// allLobbies returns a snapshot of the lobbies.
func (s *Server) allLobbies() []*lobby {
	s.lobbyMu.Lock()
	defer s.lobbyMu.Unlock()
	out := make([]*lobby, 0, len(s.lobbies))
	for _, l := range s.lobbies {
		out = append(out, l)
	}
	return out
}

// updateLobbies sends each default lobby's members the rooms that changed since the
// last update, and drops lobbies with neither rooms nor members.
func (s *Server) updateLobbies() {
	for _, l := range s.allLobbies() {
		l.mu.Lock()
		var changes []any
		if l.key.typ == protocol.LobbyDefault && len(l.members) > 0 {
			changes = l.changesLocked(s.cfg.MaxRoomListEntries)
		} else { // nobody to tell: the next member gets the whole list
			clear(l.sent)
			l.removed = nil
		}
		members := make([]*session, 0, len(l.members))
		for m := range l.members {
			members = append(members, m)
		}
		empty := len(l.rooms) == 0 && len(l.members) == 0
		l.mu.Unlock()
		if len(changes) > 0 && len(members) > 0 && l.key.typ == protocol.LobbyDefault {
			e := &protocol.Event{Code: protocol.EventRoomListUpdate, Params: protocol.Params{
				protocol.ParamLobbyName: l.key.name, protocol.ParamLobbyType: int64(l.key.typ),
				protocol.ParamRoomList: changes,
			}}
			for _, m := range members {
				sendEvent(m.conn, e)
			}
		}
		if empty {
			s.dropLobby(l)
		}
	}
}

// changesLocked returns the entries of rooms whose listing changed since the last
// call (at most max, the rest wait for the next), and removed entries for rooms no
// longer listed (l.mu held).
func (l *lobby) changesLocked(max int) []any {
	var out []any
	budget := maxListBytes
	for _, name := range l.removed {
		out = append(out, map[string]any{"name": name, "removed": true})
		budget -= len(name) + 16
	}
	l.removed = nil
	changed, n := 0, len(l.rooms)
	// Round robin from where the last update stopped, so that busy rooms cannot keep
	// the others out.
	for i := range n {
		idx := (l.cursor + i) % n
		r := l.rooms[idx]
		li := r.listing.Load()
		if li == nil {
			continue
		}
		prev, was := l.sent[r]
		switch listed := li.visible && !li.closed; {
		case listed && prev != li.version:
			e := roomEntry(r.name, li)
			size := encodedSize(e)
			if changed >= max || size > budget {
				l.cursor = idx // the rest go in the next update
				return out
			}
			out = append(out, e)
			l.sent[r] = li.version
			changed++
			budget -= size
		case !listed && was:
			out = append(out, map[string]any{"name": r.name, "removed": true})
			delete(l.sent, r)
		}
	}
	return out
}

// dropLobby forgets a lobby that is still empty.
func (s *Server) dropLobby(l *lobby) {
	s.lobbyMu.Lock()
	defer s.lobbyMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.rooms) == 0 && len(l.members) == 0 && s.lobbies[l.key] == l {
		l.dead = true
		delete(s.lobbies, l.key)
	}
}

// sendStats sends app stats to the clients outside rooms and lobby stats to the
// clients that asked for them, world by world.
func (s *Server) sendStats() {
	lobbies := s.allLobbies()
	for _, key := range s.presentWorlds() {
		sessions := s.sessionsOf(key)
		var inRooms int
		outside := sessions[:0:0]
		var wantLobbies []*session
		for _, sess := range sessions {
			sess.mu.Lock()
			in, want := sess.actor != nil, sess.lobbyStats
			sess.mu.Unlock()
			if in {
				inRooms++
			} else {
				outside = append(outside, sess)
			}
			if want {
				wantLobbies = append(wantLobbies, sess)
			}
		}
		app := &protocol.Event{Code: protocol.EventAppStats, Params: protocol.Params{
			protocol.ParamPlayersInRooms: int64(inRooms), protocol.ParamPlayersOutside: int64(len(outside)),
			protocol.ParamRoomCount: int64(s.roomCount(key)),
		}}
		sendSnapshot(outside, app)
		if len(wantLobbies) > 0 {
			sendSnapshot(wantLobbies, &protocol.Event{Code: protocol.EventLobbyStats, Params: protocol.Params{
				protocol.ParamLobbyStats: lobbyStats(key, lobbies),
			}})
		}
	}
}

// presentWorlds lists the worlds with connected clients.
func (s *Server) presentWorlds() []worldKey {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	out := make([]worldKey, 0, len(s.presence))
	for k := range s.presence {
		out = append(out, k)
	}
	return out
}

// roomCount is the number of rooms of a world.
func (s *Server) roomCount(key worldKey) int {
	w := s.world(key, false)
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.rooms)
}

// maxLobbyStats bounds the lobbies of one LobbyStats event (names are at most 128
// bytes, so it fits one message).
const maxLobbyStats = 200

// lobbyStats describes the lobbies of a world: name, type, players (members and
// active players of its rooms) and rooms.
func lobbyStats(key worldKey, lobbies []*lobby) []any {
	var out []any
	for _, l := range lobbies {
		if l.key.world != key {
			continue
		}
		l.mu.Lock()
		players := len(l.members)
		for _, r := range l.rooms {
			if li := r.listing.Load(); li != nil {
				players += li.players
			}
		}
		out = append(out, map[string]any{"name": l.key.name, "type": int64(l.key.typ),
			"players": int64(players), "rooms": int64(len(l.rooms))})
		l.mu.Unlock()
		if len(out) == maxLobbyStats {
			break
		}
	}
	return out
}
