package relay

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// maxSearchLimit bounds the rooms of one SearchRooms page.
const maxSearchLimit = 100

// roomSearch is a SearchRooms request.
type roomSearch struct {
	tags   []string
	all    bool
	prefix string
	limit  int
	after  *searchCursor // nil: from the newest room
}

// searchCursor is where a page ends: rooms older than (created, name) come next.
type searchCursor struct {
	created int64
	name    string
}

// found is a room that matched, with what the caller may see of it.
type found struct {
	created time.Time
	name    string
	entry   map[string]any
	owners  []string // friends rooms: whose friends may see it
}

func readRoomSearch(p protocol.Params) (*roomSearch, error) {
	rs := &roomSearch{}
	var errs [5]error
	var limit int64
	var cursor string
	rs.tags, errs[0] = readTags(p)
	rs.all, errs[1] = p.Bool(protocol.ParamMatchAllTags, false)
	rs.prefix, errs[2] = p.Str(protocol.ParamRoomName, "")
	limit, errs[3] = p.IntIn(protocol.ParamLimit, 20, 1, maxSearchLimit)
	cursor, errs[4] = p.Str(protocol.ParamCursor, "")
	if err := firstErr(errs[:]...); err != nil {
		return nil, err
	}
	rs.limit = int(limit)
	if cursor != "" {
		c, err := parseCursor(cursor)
		if err != nil {
			return nil, err
		}
		rs.after = c
	}
	return rs, nil
}

// A cursor is "<unix nanos>:<room name>".
func parseCursor(s string) (*searchCursor, error) {
	ns, name, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil {
		return nil, errBadCursor
	}
	return &searchCursor{created: n, name: name}, nil
}

var errBadCursor = errors.New("relay: a bad search cursor")

func (c *found) cursor() string {
	return strconv.FormatInt(c.created.UnixNano(), 10) + ":" + c.name
}

// newer orders rooms newest first, by name when they were created at once.
func newer(a, b *found) int {
	return cmp.Or(b.created.Compare(a.created), strings.Compare(a.name, b.name))
}

// before says whether f comes after the cursor in the newest-first order.
func (rs *roomSearch) afterCursor(f *found) bool {
	if rs.after == nil {
		return true
	}
	c := &found{created: time.Unix(0, rs.after.created), name: rs.after.name}
	return newer(c, f) < 0
}

// searchRooms answers SearchRooms: visible public rooms, and friends rooms of owners
// who count the caller as a friend, matching the tags and name prefix, newest first.
// Owners' friend lists not known yet are fetched first (on a goroutine).
func (sess *session) searchRooms(req *protocol.Request) *protocol.Response {
	rs, err := readRoomSearch(req.Params)
	if err != nil {
		return badParam(err)
	}
	sess.mu.Lock()
	key, userID := sess.key, sess.userID
	sess.mu.Unlock()
	rooms := sess.s.matchingRooms(key, rs)
	var owners []string
	for _, f := range rooms {
		for _, o := range f.owners {
			if !slices.Contains(owners, o) {
				owners = append(owners, o)
			}
		}
	}
	lists, missing := sess.s.lookupFriends(key, owners)
	if len(missing) == 0 {
		return searchPage(rs, rooms, lists, userID)
	}
	op, id := req.Op, req.ID
	if !sess.s.spawn(func() {
		resp := fail(protocol.CodeFriendsUnavailable, "the friends service is unavailable; try again later")
		if err := sess.s.fetchFriends(key, missing); err == nil {
			lists, _ := sess.s.lookupFriends(key, owners)
			resp = searchPage(rs, rooms, lists, userID)
		}
		resp.Op, resp.ID = op, id
		respond(sess.conn, resp)
	}) {
		return fail(protocol.CodeInternalServerError, "the relay is shutting down")
	}
	return nil
}

// searchPage keeps the rooms the caller may see and cuts the page.
func searchPage(rs *roomSearch, rooms []*found, lists map[string][]string, userID string) *protocol.Response {
	list, next := []any{}, ""
	var last *found
	for _, f := range rooms {
		if f.owners != nil && !slices.Contains(f.owners, userID) && !isFriendOfAny(lists, f.owners, userID) {
			continue
		}
		if len(list) == rs.limit {
			next = last.cursor()
			break
		}
		list, last = append(list, f.entry), f
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamRoomList: list, protocol.ParamCursor: next}}
}

func isFriendOfAny(lists map[string][]string, owners []string, user string) bool {
	for _, o := range owners {
		if slices.Contains(lists[o], user) {
			return true
		}
	}
	return false
}

// matchingRooms returns the world's searchable rooms that match, newest first, after
// the cursor. It locks the world, then each room on its own (never two rooms).
func (s *Server) matchingRooms(key worldKey, rs *roomSearch) []*found {
	w := s.world(key, false)
	if w == nil {
		return nil
	}
	w.mu.Lock()
	rooms := make([]*room, 0, len(w.rooms))
	for name, r := range w.rooms {
		if strings.HasPrefix(name, rs.prefix) {
			rooms = append(rooms, r)
		}
	}
	w.mu.Unlock()
	var out []*found
	for _, r := range rooms {
		if f := r.searchEntry(rs); f != nil && rs.afterCursor(f) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, newer)
	return out
}

// searchEntry describes the room to a search, or returns nil if it does not match.
func (r *room) searchEntry(rs *roomSearch) *found {
	ao := r.access()
	if ao.access == protocol.AccessPrivate || !matchTags(ao.tags, rs.tags, rs.all) {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || ao.access == protocol.AccessPublic && !r.opts.visible {
		return nil
	}
	f := &found{created: r.created, name: r.name}
	if ao.access == protocol.AccessFriends {
		f.owners = r.ownersLocked()
		if f.owners == nil {
			f.owners = []string{}
		}
	}
	f.entry = map[string]any{"name": r.name, "description": ao.description, "tags": stringsAny(ao.tags),
		"players": int64(len(r.activeLocked())), "maxPlayers": int64(r.opts.maxPlayers), "access": int64(ao.access),
		"metas": ao.metasFor(protocol.UserEveryone), "open": r.opts.open}
	return f
}

// matchTags says whether a room's tags have any (all: every) of the wanted ones.
func matchTags(have, want []string, all bool) bool {
	if len(want) == 0 {
		return true
	}
	for _, t := range want {
		in := slices.Contains(have, t)
		if in && !all {
			return true
		}
		if !in && all {
			return false
		}
	}
	return all
}
