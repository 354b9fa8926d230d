package relay

import (
	"github.com/bosonrt/boson/relay/protocol"
)

// presence is who is connected in one world, for find-friends and the stats.
type presence struct {
	sessions map[*session]struct{}
	users    map[string]map[*session]struct{}
}

// present adds (or removes) an authenticated session to its world's presence.
func (s *Server) present(sess *session, on bool) {
	key, user := sess.key, sess.userID // set once at authentication
	s.presMu.Lock()
	defer s.presMu.Unlock()
	p := s.presence[key]
	if p == nil {
		if !on {
			return
		}
		p = &presence{sessions: map[*session]struct{}{}, users: map[string]map[*session]struct{}{}}
		s.presence[key] = p
	}
	if on {
		p.sessions[sess] = struct{}{}
		if p.users[user] == nil {
			p.users[user] = map[*session]struct{}{}
		}
		p.users[user][sess] = struct{}{}
		return
	}
	delete(p.sessions, sess)
	if delete(p.users[user], sess); len(p.users[user]) == 0 {
		delete(p.users, user)
	}
	if len(p.sessions) == 0 {
		delete(s.presence, key)
	}
}

// sessionsOf returns the sessions of a world.
func (s *Server) sessionsOf(key worldKey) []*session {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	p := s.presence[key]
	if p == nil {
		return nil
	}
	out := make([]*session, 0, len(p.sessions))
	for sess := range p.sessions {
		out = append(out, sess)
	}
	return out
}

// maxFriends bounds the user ids of one FindFriends.
const maxFriends = 256

// findFriends says, for each user id, whether the user is connected and the room it
// is in (only for rooms that publish user ids; "" otherwise).
func (sess *session) findFriends(p protocol.Params) *protocol.Response {
	ids, err := p.Strings(protocol.ParamUserIDs)
	if err != nil {
		return badParam(err)
	}
	if len(ids) > maxFriends {
		return fail(protocol.CodeInvalidRequest, "at most "+itoa64(maxFriends)+" user ids per FindFriends")
	}
	online, rooms := make([]any, len(ids)), make([]any, len(ids))
	for i, id := range ids {
		on, room := sess.s.whereIs(sess.key, id)
		online[i], rooms[i] = on, room
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamOnline: online, protocol.ParamRoomNames: rooms}}
}

// whereIs reports whether user is connected in the world, and its room if that room
// publishes user ids.
func (s *Server) whereIs(key worldKey, user string) (online bool, roomName string) {
	s.presMu.Lock()
	var found []*session
	if p := s.presence[key]; p != nil {
		for sess := range p.users[user] {
			found = append(found, sess)
		}
	}
	s.presMu.Unlock()
	for _, sess := range found {
		sess.mu.Lock()
		a := sess.actor
		sess.mu.Unlock()
		if a != nil && a.room.opts.publishUserID {
			return true, a.room.name
		}
	}
	return len(found) > 0, ""
}
