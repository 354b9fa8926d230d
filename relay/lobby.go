package relay

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bosonrt/boson/relay/match"
	"github.com/bosonrt/boson/relay/protocol"
)

// lobbyKey names a lobby: a name and a type in a world. The default lobby has an
// empty name and the default type.
type lobbyKey struct {
	world worldKey
	name  string
	typ   protocol.LobbyType
}

// lobby lists the rooms created in it, sends its members room lists (default type)
// and is where random matchmaking looks. It exists while it has rooms or members.
type lobby struct {
	key lobbyKey

	// matchMu serializes join-or-create-random in the lobby, so that concurrent
	// joiners fill the room one of them creates rather than each creating one. It is
	// the outermost lock.
	matchMu sync.Mutex

	mu      sync.Mutex // guards the following fields
	rooms   []*room    // in creation order (the order fill-room matching takes)
	members map[*session]struct{}
	sent    map[*room]uint64 // the listing version last sent to members
	removed []string         // rooms gone since the last update
	serial  atomic.Int64     // where serial matching continues (updated without mu by matchmaking)
	cursor  int              // where the next room list update starts
	columns match.Columns    // SQL lobbies: the types of C0 to C9
	dead    bool             // dropped from Server.lobbies
}

// listing is what a lobby knows of a room: an immutable snapshot the room replaces
// whenever it changes, read without locks.
type listing struct {
	version       uint64
	open, visible bool
	closed        bool
	unmatched     bool // random matching skips it: its joins wait for approval, or it auto-matches
	players       int  // active
	inactive      int
	maxPlayers    int // the room's option, 0 for the relay's limit
	capacity      int // the effective limit
	reserved      int // expected users not in the room
	props         map[string]any
	row           match.Row // SQL lobbies: the columns C0 to C9 of the room's properties
}

// fits reports whether a joiner bringing extra expected users fits: inactive
// players keep their slots.
func (l *listing) fits(extra int) bool {
	return l.taken()+1+extra <= l.capacity
}

// taken is the slots in use or kept: active, inactive and expected players.
func (l *listing) taken() int { return l.players + l.inactive + l.reserved }

// lobbyOf returns the lobby of key, creating it if create is set.
func (s *Server) lobbyOf(key lobbyKey, create bool) *lobby {
	s.lobbyMu.Lock()
	defer s.lobbyMu.Unlock()
	l := s.lobbies[key]
	if l == nil && create {
		l = &lobby{key: key, members: map[*session]struct{}{}, sent: map[*room]uint64{}}
		s.lobbies[key] = l
	}
	return l
}

// addRoomToLobby puts a new room in its lobby (r.mu held). In a SQL lobby, its
// properties must agree with the lobby's column types.
func (s *Server) addRoomToLobby(r *room) error {
	key := lobbyKey{world: r.world.key, name: r.opts.lobbyName, typ: protocol.LobbyType(r.opts.lobbyType)}
	for {
		l := s.lobbyOf(key, true)
		l.mu.Lock()
		if l.dead {
			l.mu.Unlock()
			continue
		}
		if key.typ == protocol.LobbySQL {
			if err := l.columns.Check(r.opts.props); err != nil {
				l.mu.Unlock()
				return err
			} // the types are locked once the creator is in (join)
		}
		l.rooms = append(l.rooms, r)
		r.lobby = l
		l.mu.Unlock()
		return nil
	}
}

// removeRoomFromLobby takes a closed room out of its lobby.
func (r *room) removeFromLobby() {
	l := r.lobby
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.Index(l.rooms, r); i >= 0 {
		l.rooms = slices.Delete(l.rooms, i, i+1)
		if s := l.serial.Load(); s > int64(i) {
			l.serial.CompareAndSwap(s, s-1)
		}
	}
	if _, listed := l.sent[r]; listed {
		delete(l.sent, r)
		l.removed = append(l.removed, r.name)
	}
}

// relistLocked publishes the room's state to its lobby (r.mu held).
func (r *room) relistLocked() {
	r.listVersion++
	li := &listing{version: r.listVersion, open: r.opts.open, visible: r.opts.visible && r.opts.access.listed(), closed: r.closed || r.cacheClosed,
		maxPlayers: r.opts.maxPlayers, capacity: r.maxPlayersLocked(), unmatched: r.unmatchedLocked()}
	for _, a := range r.actors {
		if a.sess != nil {
			li.players++
		} else {
			li.inactive++
		}
	}
	li.reserved = r.slotsTakenLocked(nil) - len(r.actors)
	if len(r.opts.propsInLobby) > 0 {
		li.props = make(map[string]any, len(r.opts.propsInLobby))
		for _, k := range r.opts.propsInLobby {
			if v, ok := r.opts.props[k]; ok {
				li.props[k] = v
			}
		}
	}
	if r.lobby != nil && r.lobby.key.typ == protocol.LobbySQL {
		li.row = match.RowOf(r.opts.props)
	}
	r.listing.Store(li)
}

// joinLobby puts the session in a lobby (leaving any other) and, for default
// lobbies, sends it the room list after the response.
func (sess *session) joinLobby(req *protocol.Request) *protocol.Response {
	name, err1 := req.Params.Str(protocol.ParamLobbyName, "")
	typ, err2 := req.Params.IntIn(protocol.ParamLobbyType, 0, 0, 255)
	if err := cmp.Or(err1, err2); err != nil {
		return badParam(err)
	}
	if err := checkLobby(name, typ); err != nil {
		return badParam(err)
	}
	sess.mu.Lock()
	key, inRoom := sess.key, sess.actor != nil
	sess.mu.Unlock()
	if inRoom {
		return fail(protocol.CodeOperationNotAllowedInState, "leave the room before joining a lobby")
	}
	sess.leaveLobby()
	lk := lobbyKey{world: key, name: name, typ: protocol.LobbyType(typ)}
	for {
		l := sess.s.lobbyOf(lk, true)
		l.mu.Lock()
		if l.dead {
			l.mu.Unlock()
			continue
		}
		first := len(l.members) == 0
		l.members[sess] = struct{}{}
		sess.mu.Lock()
		sess.lobby = l
		sess.mu.Unlock()
		respond(sess.conn, &protocol.Response{Op: req.Op, ID: req.ID})
		if lk.typ == protocol.LobbyDefault {
			sendEvent(sess.conn, &protocol.Event{Code: protocol.EventRoomList, Params: protocol.Params{
				protocol.ParamLobbyName: name, protocol.ParamLobbyType: typ,
				protocol.ParamRoomList: l.listLocked(sess.s.cfg.MaxRoomListEntries, first),
			}})
		}
		l.mu.Unlock()
		return nil
	}
}

// leaveLobby takes the session out of its lobby, if any.
func (sess *session) leaveLobby() {
	sess.mu.Lock()
	l := sess.lobby
	sess.lobby = nil
	sess.mu.Unlock()
	if l != nil {
		l.mu.Lock()
		delete(l.members, sess)
		l.mu.Unlock()
	}
}

// listLocked is the room list: visible rooms, open and not full first, then full,
// then closed, each group oldest first, at most max entries (l.mu held). For the
// lobby's only member (markSent), the listed rooms count as sent: updates then carry
// only what changes after the list.
func (l *lobby) listLocked(max int, markSent bool) []any {
	type item struct {
		r  *room
		li *listing
	}
	var items []item
	for _, r := range l.rooms {
		if li := r.listing.Load(); li != nil && li.visible && !li.closed {
			items = append(items, item{r, li})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(rank(a.li), rank(b.li)) })
	out := make([]any, 0, min(len(items), max))
	budget := maxListBytes
	for _, it := range items[:min(len(items), max)] {
		e := roomEntry(it.r.name, it.li)
		if budget -= encodedSize(e); budget < 0 {
			break // the list fits one message; updates bring the rest
		}
		out = append(out, e)
		if markSent {
			l.sent[it.r] = it.li.version
		}
	}
	return out
}

// maxListBytes bounds the room entries of one room list event, below the transport's
// smallest message size. Entries whose listed properties are larger than
// maxEntryProps are listed without them.
const (
	maxListBytes  = 32 << 10
	maxEntryProps = 4 << 10
)

// rank orders room list entries: joinable, full, closed.
func rank(li *listing) int {
	switch {
	case !li.open:
		return 2
	case li.taken() >= li.capacity:
		return 1
	}
	return 0
}

// roomEntry is a room as room lists carry it.
func roomEntry(name string, li *listing) map[string]any {
	e := map[string]any{
		"name": name, "open": li.open, "visible": li.visible, "players": int64(li.players), "maxPlayers": int64(li.maxPlayers),
	}
	if li.props != nil && encodedSize(li.props) <= maxEntryProps {
		e["props"] = maps.Clone(li.props)
	}
	return e
}

// roomsSnapshot returns a copy of the lobby's rooms, in creation order.
func (l *lobby) roomsSnapshot() []*room {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.rooms)
}
