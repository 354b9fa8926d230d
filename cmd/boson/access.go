package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

const accessHelp = `  create flags: [-description d] [-access public|private|friends] [-key K] [-tags a,b]
        [-meta key=value[:level]]... [-approval] [-single-room]
  join flags: [-key K] [-as user|moderator|owner] [-wait 5m] (a join waiting for approval)
  approve <user>|-id <request id> [-as user|moderator|owner]
  reject <user>|-id <request id>
  set-type <actor> user|moderator|owner
  transfer <actor>
  search-rooms [-tags a,b] [-all] [-name prefix] [-limit N] [-cursor c]
  join-requests
`

// accessJoinFlags are the create and join flags of access control, kept as text
// until the command line is parsed.
type accessJoinFlags struct {
	access, tags, as string
	metas            metaList
	wait             time.Duration
}

// metaList collects repeated -meta key=value[:level] flags.
type metaList []string

func (m *metaList) String() string     { return strings.Join(*m, " ") }
func (m *metaList) Set(s string) error { *m = append(*m, s); return nil }

func (jc *joinCommand) accessFlags(fs *flag.FlagSet) {
	fs.StringVar(&jc.room.Description, "description", "", "room description")
	fs.StringVar(&jc.access.access, "access", "public", "public, private or friends")
	fs.StringVar(&jc.access.tags, "tags", "", "comma-separated tags")
	fs.Var(&jc.access.metas, "meta", "key=value[:level] (repeatable)")
	fs.BoolVar(&jc.room.JoinApproval, "approval", false, "joins wait for an owner's or moderator's approval")
	fs.BoolVar(&jc.room.SingleRoom, "single-room", false, "a user in this room may be in no other room")
}

func (jc *joinCommand) finishAccessFlags() error {
	switch jc.access.access {
	case "public":
	case "private":
		jc.room.Access = protocol.AccessPrivate
	case "friends":
		jc.room.Access = protocol.AccessFriends
	default:
		return fmt.Errorf("-access %q: want public, private or friends", jc.access.access)
	}
	if jc.access.tags != "" {
		jc.room.Tags = strings.Split(jc.access.tags, ",")
	}
	for _, m := range jc.access.metas {
		meta, err := parseMeta(m)
		if err != nil {
			return err
		}
		jc.room.Metas = append(jc.room.Metas, meta)
	}
	return nil
}

// parseMeta reads key=value[:level]; a value that parses as an integer is one.
func parseMeta(s string) (client.Meta, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return client.Meta{}, fmt.Errorf("-meta %q: want key=value[:level]", s)
	}
	m := client.Meta{Key: k, Value: v}
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		if l, err := strconv.ParseUint(v[i+1:], 10, 8); err == nil && l <= 3 {
			m.Value, m.Level = v[:i], protocol.UserType(l)
		}
	}
	if n, err := strconv.ParseInt(m.Value.(string), 10, 64); err == nil {
		m.Value = n
	}
	return m, nil
}

func (jc *joinCommand) joinAccessFlags(fs *flag.FlagSet) {
	fs.StringVar(&jc.join.Key, "key", "", "a private room's key")
	fs.StringVar(&jc.access.as, "as", "", "user type asked for: user, moderator or owner")
	fs.DurationVar(&jc.access.wait, "wait", 0, "how long a join may wait for approval (default: -timeout)")
}

func (jc *joinCommand) finishJoinAccessFlags() error {
	if jc.access.as == "" {
		return nil
	}
	t, err := parseUserType(jc.access.as)
	jc.join.UserType = t
	return err
}

func parseUserType(s string) (protocol.UserType, error) {
	switch s {
	case "user":
		return protocol.UserMember, nil
	case "moderator":
		return protocol.UserModerator, nil
	case "owner":
		return protocol.UserOwner, nil
	}
	return 0, fmt.Errorf("user type %q: want user, moderator or owner", s)
}

func userTypeName(t protocol.UserType) string {
	switch t {
	case protocol.UserMember:
		return "user"
	case protocol.UserModerator:
		return "moderator"
	case protocol.UserOwner:
		return "owner"
	}
	return strconv.Itoa(int(t))
}

// joinTimeout is how long a join may take: -wait if given, else -timeout.
func (jc *joinCommand) joinTimeout(def time.Duration) time.Duration {
	if jc.access.wait > 0 {
		return jc.access.wait
	}
	return def
}

// commandContext bounds a command by -timeout, except joins given -wait, which
// bound themselves (a join waiting for approval may take minutes).
func (s *session) commandContext(ctx context.Context, words []string) (context.Context, context.CancelFunc) {
	joinCmd := slices.Contains([]string{"create", "join", "join-or-create"}, words[0])
	if joinCmd && slices.ContainsFunc(words, func(w string) bool { return w == "-wait" || strings.HasPrefix(w, "-wait=") }) {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

// approve: approve <user>|-id <request id> [-as type], or reject <user>|-id <request id>.
func (s *session) approve(ctx context.Context, words []string) error {
	fs := newFlagSet(words[0])
	as := fs.String("as", "", "")
	id := fs.String("id", "", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 && (*id == "" || len(pos) != 0) {
		return fmt.Errorf("usage: %s <user>|-id <request id> [-as user|moderator|owner]", words[0])
	}
	var grant protocol.UserType
	if *as != "" {
		if grant, err = parseUserType(*as); err != nil {
			return err
		}
	}
	if *id != "" {
		return s.c.ApproveRequest(ctx, *id, words[0] == "approve", grant)
	}
	return s.c.ApproveJoin(ctx, pos[0], words[0] == "approve", grant)
}

// setType: set-type <actor> user|moderator|owner.
func (s *session) setType(ctx context.Context, words []string) error {
	if len(words) != 3 {
		return errors.New("usage: set-type <actor> user|moderator|owner")
	}
	nr, err := strconv.Atoi(words[1])
	if err != nil {
		return fmt.Errorf("actor %q: want a number", words[1])
	}
	t, err := parseUserType(words[2])
	if err != nil {
		return err
	}
	return s.c.SetUserType(ctx, nr, t)
}

// transfer: transfer <actor>.
func (s *session) transfer(ctx context.Context, words []string) error {
	if len(words) != 2 {
		return errors.New("usage: transfer <actor>")
	}
	nr, err := strconv.Atoi(words[1])
	if err != nil {
		return fmt.Errorf("actor %q: want a number", words[1])
	}
	return s.c.TransferOwnership(ctx, nr)
}

// searchRooms: search-rooms [-tags a,b] [-all] [-name prefix] [-limit N] [-cursor c].
func (s *session) searchRooms(ctx context.Context, words []string) error {
	var rs client.RoomSearch
	var tags string
	fs := newFlagSet("search-rooms")
	fs.StringVar(&tags, "tags", "", "")
	fs.BoolVar(&rs.MatchAll, "all", false, "")
	fs.StringVar(&rs.NamePrefix, "name", "", "")
	fs.IntVar(&rs.Limit, "limit", 0, "")
	fs.StringVar(&rs.Cursor, "cursor", "", "")
	if pos, err := parseArgs(fs, words[1:]); err != nil || len(pos) != 0 {
		return errors.New("usage: search-rooms [-tags a,b] [-all] [-name prefix] [-limit N] [-cursor c]")
	}
	if tags != "" {
		rs.Tags = strings.Split(tags, ",")
	}
	page, err := s.c.SearchRooms(ctx, &rs)
	if err != nil {
		return err
	}
	for _, r := range page.Rooms {
		s.out.line(fmt.Sprintf("found room=%s access=%d players=%d max=%d open=%t tags=%s description=%s",
			word(r.Name), r.Access, r.Players, r.MaxPlayers, r.Open, word(strings.Join(r.Tags, ",")), word(r.Description)),
			map[string]any{"type": "found", "room": r.Name, "access": int(r.Access), "players": r.Players,
				"max_players": r.MaxPlayers, "open": r.Open, "tags": r.Tags, "description": r.Description})
	}
	s.out.line("search-end next="+word(page.Next), map[string]any{"type": "search-end", "next": page.Next})
	return nil
}

// joinRequests: join-requests.
func (s *session) joinRequests(ctx context.Context, _ []string) error {
	reqs, err := s.c.ListJoinRequests(ctx)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		s.out.line(fmt.Sprintf("join-request id=%s user=%s name=%s as=%s", word(r.ID), word(r.UserID), word(r.Nickname), userTypeName(r.UserType)),
			map[string]any{"type": "join-request", "id": r.ID, "user": r.UserID, "name": r.Nickname, "as": userTypeName(r.UserType)})
	}
	return nil
}

// accessEvent prints join request, decision and user type events; it reports whether e was one.
func (p *printer) accessEvent(e client.Event) bool {
	switch e := e.(type) {
	case *client.JoinRequestEvent:
		p.line(fmt.Sprintf("join-request id=%s user=%s name=%s as=%s", word(e.ID), word(e.UserID), word(e.Nickname), userTypeName(e.UserType)),
			map[string]any{"type": "join-request", "id": e.ID, "user": e.UserID, "name": e.Nickname, "as": userTypeName(e.UserType)})
	case *client.JoinDecisionEvent:
		p.line(fmt.Sprintf("join-decision id=%s user=%s approved=%t by=%d outcome=%s", word(e.ID), word(e.UserID), e.Approved, e.By, e.Outcome),
			map[string]any{"type": "join-decision", "id": e.ID, "user": e.UserID, "approved": e.Approved, "by": e.By, "outcome": e.Outcome})
	case *client.JoinPendingEvent:
		p.line("join-pending room="+word(e.Room)+" id="+word(e.ID), map[string]any{"type": "join-pending", "room": e.Room, "id": e.ID})
	case *client.UserTypeChangedEvent:
		p.line(fmt.Sprintf("user-type actor=%d type=%s", e.Actor, userTypeName(e.UserType)),
			map[string]any{"type": "user-type", "actor": e.Actor, "user_type": userTypeName(e.UserType)})
	default:
		return false
	}
	return true
}
