package relay

import (
	"sync"

	"github.com/bosonrt/boson/relay/protocol"
)

// worldKey names a world: clients of one app id and app version. Worlds never meet.
type worldKey struct{ app, version string }

// world holds the rooms of one app id and version. A world exists while it has rooms.
type world struct {
	key worldKey

	mu    sync.Mutex // guards the following fields
	rooms map[string]*room
	dead  bool // its last room went: it is no longer in Server.worlds
}

// world returns the world of key, creating it if create is set (else it may be nil).
// The caller must check dead under w.mu.
func (s *Server) world(key worldKey, create bool) *world {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.worlds[key]
	if w == nil && create {
		w = &world{key: key, rooms: map[string]*room{}}
		s.worlds[key] = w
	}
	return w
}

// findOrCreate returns the room called name, creating it with opts when create is set
// and it does not exist. created says whether it did; a created room is returned with
// its mutex held, so that its creator joins it before anyone else can. A nil room with
// a nil response means "not found".
func (s *Server) findOrCreate(key worldKey, name string, create bool, opts *roomOptions) (r *room, created bool, resp *protocol.Response) {
	w := s.world(key, create)
	if w == nil {
		return nil, false, nil
	}
	w.mu.Lock()
	for w.dead { // emptied and dropped since we looked it up
		w.mu.Unlock()
		if w = s.world(key, create); w == nil {
			return nil, false, nil
		}
		w.mu.Lock()
	}
	defer w.mu.Unlock()
	if r = w.rooms[name]; r != nil || !create {
		return r, false, nil
	}
	if !s.reserveRoom(w.key.app) {
		s.dropIfEmptyLocked(w)
		return nil, false, fail(protocol.CodeRoomLimitReached, "the app has "+itoa64(int64(s.cfg.MaxRoomsPerApp))+" rooms, the most this relay allows")
	}
	r = newRoom(s, w, name, opts)
	r.mu.Lock() // world.mu → room.mu: the documented order
	if err := s.addRoomToLobby(r); err != nil {
		r.mu.Unlock()
		s.releaseRoom(w.key.app)
		s.dropIfEmptyLocked(w)
		return nil, false, columnError(err)
	}
	w.rooms[name] = r
	s.stats.rooms.Add(1)
	return r, true, nil
}

// reserveRoom counts a new room against its app's limit.
func (s *Server) reserveRoom(app string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.appRooms[app] >= s.cfg.MaxRoomsPerApp {
		return false
	}
	s.appRooms[app]++
	return true
}

// releaseRoom gives back a room reserved with reserveRoom.
func (s *Server) releaseRoom(app string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.appRooms[app]--; s.appRooms[app] <= 0 {
		delete(s.appRooms, app)
	}
}

// removeRoom forgets a closed room (called without room.mu held).
func (s *Server) removeRoom(r *room) {
	r.removeFromLobby()
	w := r.world
	w.mu.Lock()
	if w.rooms[r.name] == r {
		delete(w.rooms, r.name)
		s.stats.rooms.Add(-1)
		s.releaseRoom(w.key.app)
		s.dropIfEmptyLocked(w)
	}
	w.mu.Unlock()
}

// dropIfEmptyLocked forgets a world without rooms (w.mu held): worlds cost memory only
// while they have rooms.
func (s *Server) dropIfEmptyLocked(w *world) {
	if len(w.rooms) > 0 {
		return
	}
	s.mu.Lock()
	if s.worlds[w.key] == w {
		w.dead = true
		delete(s.worlds, w.key)
	}
	s.mu.Unlock()
}
