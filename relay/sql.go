package relay

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/bosonrt/boson/relay/match"
	"github.com/bosonrt/boson/relay/protocol"
)

// sqlBudget bounds the evaluation steps of one SQL request over all the rooms of a
// lobby (about 50 ms of CPU): a filter costlier than that is refused.
const sqlBudget = 20_000_000

// errFilterCost refuses a SQL request that spent its budget.
var errFilterCost = errors.New("relay: the SQL filter is too costly for this lobby: simplify it (fewer LIKEs)")

// compileSQL parses a SQL lobby filter chain (package match) into room filters,
// tried in order, which share budget.
func compileSQL(text string, budget *int64) ([]roomFilter, error) {
	fs, err := match.Parse(text)
	if err != nil {
		return nil, err
	}
	out := make([]roomFilter, fs.Len())
	for i := range out {
		f := fs.Filter(i)
		out[i] = func(li *listing) bool { return f.MatchWithin(&li.row, budget) }
	}
	return out, nil
}

// checkColumnsLocked refuses room properties that give a column C0 to C9 of a SQL
// lobby a type other than the one its first value fixed (r.mu held).
func (r *room) checkColumnsLocked(props map[string]any) error {
	l := r.lobby
	if l == nil || l.key.typ != protocol.LobbySQL {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.columns.Check(props)
}

// lockColumnsLocked fixes the types of the SQL lobby columns props set first, once a
// creation or a change committed (r.mu held).
func (r *room) lockColumnsLocked(props map[string]any) {
	if l := r.lobby; l != nil && l.key.typ == protocol.LobbySQL {
		l.mu.Lock()
		l.columns.Lock(props)
		l.mu.Unlock()
	}
}

// getRoomList answers a SQL lobby's GetRoomList: the joinable, visible rooms that
// match the first filter of the chain that matches any, at most MaxRoomListQuery.
func (sess *session) getRoomList(p protocol.Params) *protocol.Response {
	name, err1 := p.Str(protocol.ParamLobbyName, "")
	typ, err2 := p.IntIn(protocol.ParamLobbyType, int64(protocol.LobbySQL), 0, 255)
	text, err3 := p.Str(protocol.ParamSQLFilter, "")
	if err := cmp.Or(err1, err2, err3); err != nil {
		return badParam(err)
	}
	if protocol.LobbyType(typ) != protocol.LobbySQL {
		return fail(protocol.CodeInvalidOperation, "GetRoomList is for SQL lobbies (type 2); default lobbies send room lists")
	}
	if text == "" {
		return fail(protocol.CodeInvalidRequest, "GetRoomList needs a SQL filter")
	}
	budget := int64(sqlBudget)
	filters, err := compileSQL(text, &budget)
	if err != nil {
		return badParam(err)
	}
	if resp := sess.chargeQuery(); resp != nil {
		return resp
	}
	sess.mu.Lock()
	key := sess.key
	sess.mu.Unlock()
	list := []any{}
	if l := sess.s.lobbyOf(lobbyKey{world: key, name: name, typ: protocol.LobbySQL}, false); l != nil {
		list = l.query(filters, sess.s.cfg.MaxRoomListQuery)
	}
	if budget <= 0 {
		return fail(protocol.CodeInvalidRequest, errFilterCost.Error())
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamRoomList: list}}
}

// query returns up to max joinable rooms matching the first filter that matches any.
// It evaluates a snapshot of the rooms without holding the lobby's lock.
func (l *lobby) query(filters []roomFilter, max int) []any {
	rooms := l.roomsSnapshot()
	rp := &randomParams{}
	for _, f := range filters {
		var out []any
		for _, r := range rooms {
			if li := r.listing.Load(); l.fits(li, rp, f) {
				out = append(out, roomEntry(r.name, li))
				if len(out) == max {
					break
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []any{}
}

// columnError is the response to properties refused by a SQL lobby's column types.
func columnError(err error) *protocol.Response {
	return fail(protocol.CodeInvalidRequest, fmt.Sprint("room properties: ", err))
}
