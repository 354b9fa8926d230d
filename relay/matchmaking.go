package relay

import (
	"errors"
	"math/rand/v2"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// maxMatchAttempts bounds the rooms one join-random tries: a picked room can fill or
// close before the joiner gets in, and then the next one is tried.
const maxMatchAttempts = 8

// randomParams are what a join-random request asks for.
type randomParams struct {
	lobby      lobbyKey
	expected   []keyValue // listed room properties the room must have
	maxPlayers int        // the room's max players option must be this; 0: any
	mode       protocol.MatchmakingMode
	filters    []roomFilter // SQL lobbies: tried in order
	extra      int          // expected users the joiner brings
	create     bool         // create a room when none fits
	budget     int64        // SQL evaluation steps left
}

// keyValue is an expected property. A slice of them, not a map: ranging over a map for
// each of thousands of rooms costs more than the comparisons (its random start).
type keyValue struct {
	key   string
	value any
}

// roomFilter is one SQL filter, compiled.
type roomFilter func(*listing) bool

func readRandomParams(key worldKey, p protocol.Params) (*randomParams, error) {
	rp := &randomParams{}
	var errs [7]error
	var typ, mode, maxPlayers, join int64
	var sql string
	rp.lobby.world = key
	rp.lobby.name, errs[0] = p.Str(protocol.ParamLobbyName, "")
	typ, errs[1] = p.IntIn(protocol.ParamLobbyType, 0, 0, 255)
	var expected map[string]any
	expected, errs[2] = p.Map(protocol.ParamExpectedProps)
	for k, v := range expected {
		rp.expected = append(rp.expected, keyValue{k, v})
	}
	maxPlayers, errs[3] = p.IntIn(protocol.ParamExpectedMaxPlayers, 0, 0, 1<<16)
	mode, errs[4] = p.IntIn(protocol.ParamMatchmakingMode, 0, 0, int64(protocol.RandomMatching))
	sql, errs[5] = p.Str(protocol.ParamSQLFilter, "")
	join, errs[6] = p.IntIn(protocol.ParamJoinMode, 0, 0, int64(protocol.RejoinOnly))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if err := checkLobby(rp.lobby.name, typ); err != nil {
		return nil, err
	}
	rp.lobby.typ, rp.mode, rp.maxPlayers = protocol.LobbyType(typ), protocol.MatchmakingMode(mode), int(maxPlayers)
	rp.create = protocol.JoinMode(join) == protocol.JoinOrCreate
	if sql != "" {
		if rp.lobby.typ != protocol.LobbySQL {
			return nil, errors.New("relay: SQL filters are for SQL lobbies (lobby type 2)")
		}
		var err error
		rp.budget = sqlBudget
		if rp.filters, err = compileSQL(sql, &rp.budget); err != nil {
			return nil, err
		}
	}
	return rp, nil
}

// joinRandom joins a room of the lobby that fits the request, picked by its
// matchmaking mode; with JoinOrCreate it creates one in the lobby when none fits.
func (sess *session) joinRandom(id uint32, p protocol.Params) *protocol.Response {
	sess.mu.Lock()
	key, busy := sess.key, sess.actor != nil
	sess.mu.Unlock()
	if busy {
		return fail(protocol.CodeJoinFailedPeerAlreadyJoined, "already in a room: leave it first")
	}
	rp, err := readRandomParams(key, p)
	if err != nil {
		return badParam(err)
	}
	if rp.filters != nil {
		if resp := sess.chargeQuery(); resp != nil {
			return resp
		}
	}
	jp, err := readJoinParams(p)
	if err != nil {
		return badParam(err)
	}
	rp.extra = len(jp.expectedUsers)
	var opts *roomOptions
	if rp.create {
		if opts, err = readRoomOptions(p, &sess.s.cfg); err != nil {
			return badParam(err)
		}
		if opts.status != nil {
			return fail(protocol.CodeInvalidRequest, "invitees and auto-matching are for CreateRoom")
		}
		opts.lobbyName, opts.lobbyType = rp.lobby.name, int64(rp.lobby.typ)
	}
	l := sess.s.lobbyOf(rp.lobby, rp.create)
	if l != nil && rp.create {
		l = sess.s.lockMatching(l) // concurrent join-or-create-randoms fill one room rather than each making one
		defer l.matchMu.Unlock()
	}
	name, create := jp.name, jp.mode
	jp.op, jp.id, jp.mode = protocol.OpJoinRandomRoom, id, protocol.JoinOnly
	if l != nil {
		tried := map[*room]bool{}
		for range maxMatchAttempts {
			if rp.filters != nil && rp.budget <= 0 {
				return fail(protocol.CodeInvalidRequest, errFilterCost.Error())
			}
			r := l.pick(rp, tried)
			if r == nil {
				break
			}
			tried[r] = true
			jp.name = r.name
			resp, retry := r.join(sess, false, jp)
			if !retry && (resp == nil || !unavailable(resp.Code)) {
				return resp
			}
		}
	}
	if rp.filters != nil && rp.budget <= 0 {
		return fail(protocol.CodeInvalidRequest, errFilterCost.Error())
	}
	if !rp.create {
		return fail(protocol.CodeNoRandomMatchFound, "no room in the lobby fits")
	}
	jp.name, jp.mode = name, create
	if jp.name == "" {
		jp.name = randomID()
	}
	return sess.enter(opts, true, jp)
}

// unmatchedLocked says whether random matching skips the room: a join-random takes
// a room at once, so not one whose joins wait for an approval, nor an auto-matching
// room, whose slots are for the players the relay's auto-matching brings.
func (r *room) unmatchedLocked() bool {
	return r.access().approval || r.opts.status != nil && r.opts.status.auto != nil
}

// unavailable says a join failed because the room filled, closed or went away
// meanwhile: the next room may do.
func unavailable(c protocol.Code) bool {
	switch c {
	case protocol.CodeGameFull, protocol.CodeGameClosed, protocol.CodeGameDoesNotExist, protocol.CodeSlotError:
		return true
	}
	return false
}

// pick chooses a room for rp among those not tried, or nil. Without SQL filters it
// scans under the lobby's lock (the checks are cheap); SQL filters, which may cost up
// to their budget, run on a snapshot of the rooms without it.
func (l *lobby) pick(rp *randomParams, tried map[*room]bool) *room {
	if len(rp.filters) == 0 {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.pickFrom(l.rooms, rp, nil, tried)
	}
	l.mu.Lock()
	rooms := slices.Clone(l.rooms)
	l.mu.Unlock()
	for _, f := range rp.filters { // the first filter that matches a room wins
		if r := l.pickFrom(rooms, rp, f, tried); r != nil {
			return r
		}
	}
	return nil
}

// pickFrom picks among rooms (the lobby's, or a snapshot of them).
func (l *lobby) pickFrom(rooms []*room, rp *randomParams, f roomFilter, tried map[*room]bool) *room {
	n := len(rooms)
	start := 0
	if rp.mode == protocol.SerialMatching && n > 0 {
		start = int(l.serial.Load() % int64(n))
	}
	var chosen *room
	seen := 0
	for i := range n {
		idx := (start + i) % n
		r := rooms[idx]
		if !l.fits(r.listing.Load(), rp, f) || tried[r] { // most rooms fail the cheap checks
			continue
		}
		switch rp.mode {
		case protocol.RandomMatching: // reservoir sampling: each fitting room equally likely
			if seen++; rand.IntN(seen) == 0 {
				chosen = r
			}
			continue
		case protocol.SerialMatching:
			l.serial.Store(int64(idx + 1))
		}
		return r
	}
	return chosen
}

// fits says whether a room's listing fits the request (l.key is immutable).
func (l *lobby) fits(li *listing, rp *randomParams, f roomFilter) bool {
	if li == nil || li.closed || !li.open || !li.visible || li.unmatched || !li.fits(rp.extra) {
		return false
	}
	if li.players == 0 && (l.key.typ != protocol.LobbyAsyncRandom || li.inactive == 0) {
		return false // only async-random lobbies match rooms whose players are all away
	}
	if rp.maxPlayers != 0 && li.maxPlayers != rp.maxPlayers {
		return false
	}
	for _, kv := range rp.expected {
		have, ok := li.props[kv.key]
		if !ok || !protocol.Equal(have, kv.value) {
			return false
		}
	}
	return f == nil || f(li)
}

// lockMatching takes the lobby's matchmaking lock. A lobby dropped meanwhile (it was
// empty) is replaced by the live lobby of its key, where the rooms now go.
func (s *Server) lockMatching(l *lobby) *lobby {
	for {
		l.matchMu.Lock()
		l.mu.Lock()
		dead := l.dead
		l.mu.Unlock()
		if !dead {
			return l
		}
		l.matchMu.Unlock()
		l = s.lobbyOf(l.key, true)
	}
}
