package relay

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/bosonrt/boson/relay/protocol"
)

// Page sizes of ListGroups and ListGroupUsers.
const (
	defaultGroupPage = 50
	maxGroupPage     = 100
	maxCursorBytes   = 256
)

// groupOp is a ListGroups comparison.
type groupOp uint8

const (
	opAll    groupOp = iota // no value: every group
	opPrefix                // names only: the name starts with the value (the default for names)
	opEq
	opNe
	opGt
	opGe
	opLt
	opLe
	opRange // value <= x <= range
)

var groupOps = map[string]groupOp{
	"=": opEq, "eq": opEq, "!=": opNe, "ne": opNe, ">": opGt, "gt": opGt,
	">=": opGe, "gte": opGe, "<": opLt, "lt": opLt, "<=": opLe, "lte": opLe,
}

// groupKey is a group's place in a ListGroups order: by name, or by users then name.
type groupKey struct {
	users int64
	name  string
}

// groupQuery is a decoded ListGroups.
type groupQuery struct {
	byUsers  bool
	op       groupOp
	str, hiS string // the value and range end, searching by name
	num, hiN int64  // searching by users
	limit    int
	after    *groupKey // the cursor: the last key of the previous page
}

// readGroupQuery decodes ListGroups' parameters.
func readGroupQuery(p protocol.Params) (*groupQuery, error) {
	by, err := p.IntIn(protocol.ParamSearchFor, int64(protocol.SearchGroupName), 0, int64(protocol.SearchGroupUsers))
	if err != nil {
		return nil, err
	}
	q := &groupQuery{byUsers: protocol.GroupSearch(by) == protocol.SearchGroupUsers}
	if err := q.readCondition(p); err != nil {
		return nil, err
	}
	limit, err := p.IntIn(protocol.ParamLimit, defaultGroupPage, 1, maxGroupPage)
	if err != nil {
		return nil, err
	}
	q.limit = int(limit)
	cursor, err := p.Str(protocol.ParamCursor, "")
	if err != nil || cursor == "" {
		return q, err
	}
	q.after, err = q.readCursor(cursor)
	return q, err
}

// readCondition reads the value, condition and range.
func (q *groupQuery) readCondition(p protocol.Params) error {
	cond, err := p.Str(protocol.ParamCondition, "")
	if err != nil {
		return err
	}
	value, hasValue := p[protocol.ParamValue], p[protocol.ParamValue] != nil
	hi, hasRange := p[protocol.ParamRange], p[protocol.ParamRange] != nil
	switch {
	case cond != "" && hasRange:
		return errors.New("relay: a range cannot be combined with a condition")
	case !hasValue && (cond != "" || hasRange):
		return errors.New("relay: a condition or range needs a value")
	case !hasValue:
		q.op = opAll
		return nil
	case hasRange:
		q.op = opRange
	case cond == "" && q.byUsers:
		q.op = opEq
	case cond == "":
		q.op = opPrefix
	default:
		op, ok := groupOps[cond]
		if !ok {
			return errors.New("relay: unknown condition " + quote(cond) + " (want >, >=, =, <, <=, != or gt, gte, eq, lt, lte, ne)")
		}
		q.op = op
	}
	if err := q.setValue(value, &q.str, &q.num); err != nil {
		return err
	}
	if hasRange {
		return q.setValue(hi, &q.hiS, &q.hiN)
	}
	return nil
}

// setValue stores a value or range end of the search's type.
func (q *groupQuery) setValue(v any, s *string, n *int64) error {
	var ok bool
	if q.byUsers {
		*n, ok = v.(int64)
		if !ok {
			return errors.New("relay: searching by number of users, the value and range are ints")
		}
		return nil
	}
	if *s, ok = v.(string); !ok {
		return errors.New("relay: searching by group name, the value and range are strings")
	}
	if len(*s) > maxGroupName {
		return errors.New("relay: a group name is at most " + itoa64(maxGroupName) + " bytes")
	}
	return nil
}

// readCursor decodes a cursor: the name, or by users "<users>:<name>".
func (q *groupQuery) readCursor(c string) (*groupKey, error) {
	bad := errors.New("relay: not a ListGroups cursor for this search")
	if len(c) > maxCursorBytes {
		return nil, bad
	}
	if !q.byUsers {
		return &groupKey{name: c}, nil
	}
	n, name, ok := strings.Cut(c, ":")
	users, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil {
		return nil, bad
	}
	return &groupKey{users: users, name: name}, nil
}

// cursor encodes k as the cursor of the page it ends.
func (q *groupQuery) cursor(k groupKey) string {
	if q.byUsers {
		return itoa64(k.users) + ":" + k.name
	}
	return k.name
}

// compare orders keys: by name, or by users then name.
func (q *groupQuery) compare(a, b groupKey) int {
	if q.byUsers {
		if c := cmp.Compare(a.users, b.users); c != 0 {
			return c
		}
	}
	return strings.Compare(a.name, b.name)
}

// match reports whether a group is in the query's result, after its cursor.
func (q *groupQuery) match(k groupKey) bool {
	if q.after != nil && q.compare(k, *q.after) <= 0 {
		return false
	}
	if q.byUsers {
		return compareOp(q.op, cmp.Compare(k.users, q.num), cmp.Compare(k.users, q.hiN))
	}
	if q.op == opPrefix {
		return strings.HasPrefix(k.name, q.str)
	}
	return compareOp(q.op, strings.Compare(k.name, q.str), strings.Compare(k.name, q.hiS))
}

// compareOp applies op to c, the comparison of x with the value, and hi, the
// comparison of x with the range end.
func compareOp(op groupOp, c, hi int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opRange:
		return c >= 0 && hi <= 0
	}
	return true // opAll
}

// listGroups answers ListGroups: a page of the world's groups, in the search's order.
func (sess *session) listGroups(p protocol.Params) *protocol.Response {
	q, err := readGroupQuery(p)
	if err != nil {
		return badParam(err)
	}
	if resp := sess.chargeQuery(); resp != nil { // a valid query scans the world's groups
		return resp
	}
	t := &sess.s.groups
	var keys []groupKey
	t.mu.Lock()
	for name, g := range t.worlds[sess.key] {
		if k := (groupKey{users: int64(len(g.members)), name: name}); q.match(k) {
			keys = append(keys, k)
		}
	}
	t.mu.Unlock()
	slices.SortFunc(keys, q.compare)
	next := ""
	if len(keys) > q.limit {
		keys = keys[:q.limit]
		next = q.cursor(keys[len(keys)-1])
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"group": k.name, "users": k.users}
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamGroups: out, protocol.ParamCursor: next}}
}

// memberKey is a group member's place in a ListGroupUsers page: by user id, then
// connection id.
type memberKey struct{ user, cid string }

func compareMembers(a, b memberKey) int {
	return cmp.Or(strings.Compare(a.user, b.user), strings.Compare(a.cid, b.cid))
}

// cidLen is the length of a connection id; a ListGroupUsers cursor is the last
// member's connection id followed by its user id.
const cidLen = 16

// listGroupUsers answers ListGroupUsers: a page of a group's members.
func (sess *session) listGroupUsers(p protocol.Params) *protocol.Response {
	var errs [4]error
	var name, user, cursor string
	var limit int64
	name, errs[0] = p.Str(protocol.ParamGroup, "")
	user, errs[1] = p.Str(protocol.ParamUserID, "")
	limit, errs[2] = p.IntIn(protocol.ParamLimit, defaultGroupPage, 1, maxGroupPage)
	cursor, errs[3] = p.Str(protocol.ParamCursor, "")
	if err := errors.Join(errs[:]...); err != nil {
		return badParam(err)
	}
	if name == "" || len(name) > maxGroupName {
		return fail(protocol.CodeInvalidRequest, "ListGroupUsers needs a group name of 1 to "+itoa64(maxGroupName)+" bytes")
	}
	var after *memberKey
	if cursor != "" {
		if len(cursor) < cidLen || len(cursor) > maxCursorBytes {
			return fail(protocol.CodeInvalidRequest, "not a ListGroupUsers cursor")
		}
		after = &memberKey{cid: cursor[:cidLen], user: cursor[cidLen:]}
	}
	if resp := sess.chargeQuery(); resp != nil { // a valid query scans the group
		return resp
	}
	keys := sess.s.groups.members(sess.key, name, user, after)
	slices.SortFunc(keys, compareMembers)
	next := ""
	if len(keys) > int(limit) {
		keys = keys[:limit]
		last := keys[len(keys)-1]
		next = last.cid + last.user
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"userId": k.user, "cid": k.cid}
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamUsers: out, protocol.ParamCursor: next}}
}

// members returns the members of a group of the world (only user's if user is not
// empty) that come after the cursor, unsorted.
func (t *groupTable) members(key worldKey, name, user string, after *memberKey) []memberKey {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.worlds[key][name]
	if g == nil {
		return nil
	}
	var out []memberKey
	for m := range g.members {
		k := memberKey{user: m.userID, cid: m.grp.cid}
		if (user == "" || k.user == user) && (after == nil || compareMembers(k, *after) > 0) {
			out = append(out, k)
		}
	}
	return out
}
