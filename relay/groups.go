package relay

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/bosonrt/boson/relay/protocol"
)

// GroupConfig bounds message groups and posts (seed 002). The zero value is valid:
// each field documents its default.
type GroupConfig struct {
	// MaxMembers bounds the connections in one message group; further joins fail
	// with GroupFull. If zero, 10000.
	MaxMembers int
	// MaxGroups bounds the message groups of one world (app id and version); a join
	// that would create one more fails with GroupLimitReached. If zero, 10000.
	MaxGroups int
	// MaxDataBytes bounds the encoded Data of one post (InvalidRequest above it).
	// If zero, 8192.
	MaxDataBytes int
	// GroupDeliveryRate bounds the messages delivered per second in one group: a
	// post to a group of n other members takes n (burst: one second's worth). A post
	// over it is refused, as a whole, with OperationLimitReached. If zero, 100000.
	GroupDeliveryRate int
	// PostDeliveryRate bounds the messages one connection's posts deliver per second
	// (a group post to n members or a user post to n connections takes n; burst: one
	// second's worth); posts over it are refused with OperationLimitReached. If zero,
	// 20000.
	PostDeliveryRate int
	// PushRate bounds the Web Push notifications one connection may cause per second:
	// each user a PushNotify or a post's notification goes to takes one (burst: one
	// second's worth). Over it the request is refused with OperationLimitReached. If
	// zero, 100 (the most users one PushNotify may name).
	PushRate int
	// PushToAnyUser lets PushNotify name any user of the app. If false (the
	// default), it may name only the caller's own user and users that have an
	// actor (active or inactive) in the caller's room or a connection in the
	// caller's message group; others fail the request with PushNotPermitted.
	PushToAnyUser bool
}

func (c *GroupConfig) withDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxMembers, 10000)
	def(&c.MaxGroups, 10000)
	def(&c.MaxDataBytes, 8192)
	def(&c.GroupDeliveryRate, 100000)
	def(&c.PostDeliveryRate, 20000)
	def(&c.PushRate, maxPushUsers)
}

func (c *GroupConfig) validate() error {
	if c.MaxMembers < 0 || c.MaxGroups < 0 || c.MaxDataBytes < 0 || c.GroupDeliveryRate < 0 ||
		c.PostDeliveryRate < 0 || c.PushRate < 0 {
		return fmt.Errorf("%w: negative limit in Groups", ErrBadConfig)
	}
	if c.PushRate < maxPushUsers {
		return fmt.Errorf("%w: Groups.PushRate %d is below %d, the users one PushNotify may name", ErrBadConfig, c.PushRate, maxPushUsers)
	}
	return nil
}

// maxGroupName bounds a message group's name, in bytes.
const maxGroupName = 128

// groupTable holds the message groups of every world.
type groupTable struct {
	mu     sync.Mutex // guards the following fields and every session's grp.group; a leaf lock
	worlds map[worldKey]map[string]*msgGroup
}

// msgGroup is a message group: it exists while it has members.
type msgGroup struct {
	name    string
	members map[*session]struct{}
	rate    bucket // GroupDeliveryRate
}

// sessionGroups is a session's message-group state.
type sessionGroups struct {
	cid string // connection id, set once at authentication

	// Owned by the connection's worker rounds.
	deliveries bucket     // PostDeliveryRate
	pushes     bucket     // PushRate
	fanout     []*session // scratch: a post's recipients
	users      []string   // scratch: a post's push recipients

	group *msgGroup // guarded by Server.groups.mu
}

// groupsAdmittedLocked gives a session that just authenticated its connection id and
// post budgets (sess.mu held), and returns the id.
func (sess *session) groupsAdmittedLocked() string {
	var b [8]byte
	rand.Read(b[:])
	cfg, t := &sess.s.cfg.Groups, now()
	sess.grp.cid = hex.EncodeToString(b[:])
	sess.grp.deliveries = newBucket(float64(cfg.PostDeliveryRate), t)
	sess.grp.pushes = newBucket(float64(cfg.PushRate), t)
	return sess.grp.cid
}

// groupOp serves message groups, user messaging and Web Push (seed 002).
func (sess *session) groupOp(r *protocol.Request) *protocol.Response {
	switch r.Op {
	case protocol.OpJoinGroup:
		return sess.joinGroup(r.Params)
	case protocol.OpPost:
		return sess.post(r.Params)
	case protocol.OpListGroups:
		return sess.listGroups(r.Params)
	case protocol.OpListGroupUsers:
		return sess.listGroupUsers(r.Params)
	}
	return sess.pushOp(r)
}

// joinGroup moves the session to the group named by ParamGroup, or out of its group
// if that is absent or empty.
func (sess *session) joinGroup(p protocol.Params) *protocol.Response {
	name, err := p.Str(protocol.ParamGroup, "")
	if err != nil {
		return badParam(err)
	}
	if len(name) > maxGroupName {
		return fail(protocol.CodeInvalidRequest, "a group name is at most "+itoa64(maxGroupName)+" bytes")
	}
	if resp := sess.s.groups.move(sess, name); resp != nil {
		return resp
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamGroup: name}}
}

// move puts sess in group name ("": in none), leaving its current group.
func (t *groupTable) move(sess *session, name string) *protocol.Response {
	cfg := &sess.s.cfg.Groups
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := sess.grp.group
	if cur != nil && cur.name == name {
		return nil
	}
	groups := t.worlds[sess.key]
	if name != "" {
		g := groups[name]
		switch {
		case g == nil && len(groups) >= cfg.MaxGroups && (cur == nil || len(cur.members) > 1):
			return fail(protocol.CodeGroupLimitReached, "the app has "+itoa64(int64(cfg.MaxGroups))+" message groups, the most this relay allows")
		case g != nil && len(g.members) >= cfg.MaxMembers:
			return fail(protocol.CodeGroupFull, "group "+quote(name)+" has "+itoa64(int64(cfg.MaxMembers))+" members, the most this relay allows")
		}
	}
	t.leaveLocked(sess)
	if name == "" {
		return nil
	}
	if groups == nil {
		groups = map[string]*msgGroup{}
		t.worlds[sess.key] = groups
	}
	g := groups[name]
	if g == nil {
		g = &msgGroup{name: name, members: map[*session]struct{}{}, rate: newBucket(float64(cfg.GroupDeliveryRate), now())}
		groups[name] = g
	}
	g.members[sess] = struct{}{}
	sess.grp.group = g
	return nil
}

// leaveLocked takes sess out of its group (t.mu held); an emptied group, and an
// emptied world, are forgotten.
func (t *groupTable) leaveLocked(sess *session) {
	g := sess.grp.group
	if g == nil {
		return
	}
	sess.grp.group = nil
	delete(g.members, sess)
	if len(g.members) > 0 {
		return
	}
	groups := t.worlds[sess.key]
	delete(groups, g.name)
	if len(groups) == 0 {
		delete(t.worlds, sess.key)
	}
}

// leaveGroup takes a closing session out of its group.
func (sess *session) leaveGroup() {
	t := &sess.s.groups
	t.mu.Lock()
	t.leaveLocked(sess)
	t.mu.Unlock()
}
