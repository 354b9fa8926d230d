package relay

import (
	"cmp"
	"fmt"

	"github.com/bosonrt/boson/relay/match"
	"github.com/bosonrt/boson/relay/protocol"
)

// compileSQL parses a SQL lobby filter chain (package match) into room filters,
// tried in order.
func compileSQL(text string) ([]roomFilter, error) {
	fs, err := match.Parse(text)
	if err != nil {
		return nil, err
	}
	out := make([]roomFilter, fs.Len())
	for i := range out {
		f := fs.Filter(i)
		out[i] = func(li *listing) bool { return f.Match(&li.row) }
	}
	return out, nil
}

// checkColumnsLocked refuses room properties that give a column C0 to C9 of a SQL
// lobby a type other than the one its first value fixed, and locks the types of new
// columns (r.mu held).
func (r *room) checkColumnsLocked(props map[string]any) error {
	l := r.lobby
	if l == nil || l.key.typ != protocol.LobbySQL {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.columns.Check(props); err != nil {
		return err
	}
	l.columns.Lock(props)
	return nil
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
	filters, err := compileSQL(text)
	if err != nil {
		return badParam(err)
	}
	sess.mu.Lock()
	key := sess.key
	sess.mu.Unlock()
	list := []any{}
	if l := sess.s.lobbyOf(lobbyKey{world: key, name: name, typ: protocol.LobbySQL}, false); l != nil {
		list = l.query(filters, sess.s.cfg.MaxRoomListQuery)
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamRoomList: list}}
}

// query returns up to max joinable rooms matching the first filter that matches any.
func (l *lobby) query(filters []roomFilter, max int) []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	rp := &randomParams{}
	for _, f := range filters {
		var out []any
		for _, r := range l.rooms {
			if li := r.listing.Load(); l.fitsLocked(li, rp, f) {
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
