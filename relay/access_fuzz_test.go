package relay

import (
	"testing"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// accessSeeds are CreateRoom, JoinRoom and SearchRooms requests with the access
// parameters, well and badly formed.
func accessSeeds(f *testing.F) [][]byte {
	f.Helper()
	metas := []any{map[string]any{"key": "k", "value": "v"}, map[string]any{"key": "m", "value": int64(1), "level": int64(2)}}
	var out [][]byte
	for _, p := range []protocol.Params{
		{protocol.ParamDescription: "d", protocol.ParamAccessType: int64(1), protocol.ParamRoomKey: "k",
			protocol.ParamTags: []string{"a", "b", "a"}, protocol.ParamMetas: metas, protocol.ParamJoinApproval: true},
		{protocol.ParamMetas: []any{map[string]any{"key": "", "level": int64(9)}, "x"}, protocol.ParamUserType: int64(3)},
		{protocol.ParamMetas: map[string]any{"key": "k"}, protocol.ParamAccessType: int64(7)},
		{protocol.ParamTags: []string{"t"}, protocol.ParamMatchAllTags: true, protocol.ParamCursor: "1700000000000000000:room:x",
			protocol.ParamLimit: int64(5), protocol.ParamRoomName: "al"},
		{protocol.ParamCursor: "-1:"},
		{protocol.ParamCursor: "nope"},
	} {
		b, err := protocol.AppendRequest(nil, &protocol.Request{Op: protocol.OpCreateRoom, ID: 1, Params: p})
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzAccessParams decodes any request and reads its access options, join params and
// room search: no panic, and whatever is accepted is within the documented bounds.
func FuzzAccessParams(f *testing.F) {
	for _, b := range accessSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := protocol.ReadRequest(msg)
		if err != nil {
			return
		}
		var o roomOptions
		if err := readAccessOptions(r.Params, &o); err == nil {
			checkAccessOptions(t, o.access)
		}
		var jp joinParams
		if err := readAccessJoinParams(r.Params, &jp); err == nil {
			if jp.userType < protocol.UserMember || jp.userType > protocol.UserOwner || len(jp.key) > maxRoomKey {
				t.Fatalf("join params: type %d, key of %d bytes", jp.userType, len(jp.key))
			}
		}
		if rs, err := readRoomSearch(r.Params); err == nil {
			if rs.limit < 1 || rs.limit > maxSearchLimit || len(rs.tags) > maxTags {
				t.Fatalf("search: limit %d, %d tags", rs.limit, len(rs.tags))
			}
		}
	})
}

func checkAccessOptions(t *testing.T, ao *accessOptions) {
	t.Helper()
	if len(ao.description) > maxDescription || len(ao.tags) > maxTags || len(ao.metas) > maxMetas || len(ao.key) > maxRoomKey {
		t.Fatalf("options out of bounds: %+v", ao)
	}
	if ao.access == protocol.AccessPrivate && ao.key == "" || ao.access != protocol.AccessPrivate && ao.key != "" {
		t.Fatalf("access %d with key %q", ao.access, ao.key)
	}
	for _, m := range ao.metas {
		if m.key == "" || len(m.key) > maxMetaKey || m.level > protocol.UserOwner {
			t.Fatalf("meta %+v", m)
		}
	}
	for _, m := range ao.metasFor(protocol.UserEveryone) {
		if m.(map[string]any)["level"] != int64(0) {
			t.Fatalf("metas for everyone hold %v", m)
		}
	}
}

// FuzzSearchCursor parses any cursor: no panic, and a cursor the relay made of a
// parsed one parses back to it.
func FuzzSearchCursor(f *testing.F) {
	for _, s := range []string{"1700000000000000000:room", "0:", "-5:a:b", ":x", "x:y", "99999999999999999999:r", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		again, err := parseCursor((&found{created: time.Unix(0, c.created), name: c.name}).cursor())
		if err != nil || *again != *c {
			t.Fatalf("cursor %q: parsed %+v, again %+v (%v)", s, c, again, err)
		}
	})
}
