package relay

import (
	"errors"
	"maps"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// propertyChange is a SetProperties request.
type propertyChange struct {
	target    int64
	props     map[string]any
	expected  map[string]any
	broadcast bool
	forward   bool            // to the GameProperties webhook
	options   protocol.Params // room options changed with the room's properties
}

func readPropertyChange(p protocol.Params) (*propertyChange, error) {
	c := &propertyChange{options: protocol.Params{}}
	var errs [5]error
	c.target, errs[0] = p.IntIn(protocol.ParamActorNr, 0, 0, 1<<31-1)
	c.props, errs[1] = p.Map(protocol.ParamProperties)
	c.expected, errs[2] = p.Map(protocol.ParamExpectedValues)
	c.broadcast, errs[3] = p.Bool(protocol.ParamBroadcast, true)
	c.forward, errs[4] = p.Bool(protocol.ParamWebForward, false)
	for _, k := range []protocol.Param{protocol.ParamIsOpen, protocol.ParamIsVisible, protocol.ParamMaxPlayers, protocol.ParamExpectedUsers} {
		if v, ok := p[k]; ok {
			c.options[k] = v
		}
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if c.target != 0 && len(c.options) > 0 {
		return nil, errors.New("relay: room options change only with the room's properties (actor 0)")
	}
	return c, nil
}

// setProperties sets room (actor 0) or actor properties, compare-and-set when
// expected values are given, and tells the room.
func (r *room) setProperties(a *actor, p protocol.Params) *protocol.Response {
	c, err := readPropertyChange(p)
	if err != nil {
		return badParam(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if resp := r.broadcasterLocked(a); resp != nil {
		return resp
	}
	current, limit := r.opts.props, r.s.cfg.MaxRoomPropertiesBytes
	var target *actor
	if c.target != 0 {
		if target = r.actorLocked(int32(c.target)); target == nil {
			return fail(protocol.CodeInvalidOperation, "no actor "+itoa64(c.target)+" in the room")
		}
		current, limit = target.props, r.s.cfg.MaxActorPropertiesBytes
	}
	for k, want := range c.expected {
		if !matches(current, k, want) {
			return fail(protocol.CodeInvalidOperation, "expected value of "+quote(k)+" did not match: nothing changed")
		}
	}
	next := maps.Clone(current)
	for k, v := range c.props {
		if v == nil && r.opts.deleteNull && c.broadcast {
			delete(next, k)
		} else {
			next[k] = v
		}
	}
	size := encodedSize(next)
	if size > limit {
		return fail(protocol.CodeTooLarge, "properties would take "+itoa64(int64(size))+" bytes, over the limit of "+itoa64(int64(limit)))
	}
	if target == nil {
		if err := r.checkColumnsLocked(next); err != nil {
			return columnError(err)
		}
	}
	if resp := r.applyOptionsLocked(c.options); resp != nil {
		return resp
	}
	if target == nil {
		r.opts.props, r.propsSize = next, size
		r.lockColumnsLocked(next)
		r.relistLocked()
	} else {
		target.props, target.propsSize = next, size
	}
	if c.broadcast {
		r.announceChangeLocked(a, c)
	}
	if len(c.options) > 0 {
		r.statusOptionsLocked(a) // after PropertiesChanged: the queue follows open and slots
	}
	if c.forward {
		args := actorArgs(a)
		args["TargetActor"], args["Properties"] = c.target, c.props
		r.hookLocked(hookGameProperties, "Game", args)
	}
	return &protocol.Response{}
}

// broadcasterLocked checks that a is active in the room and charges the operation,
// which will tell the whole room, to the room's event rate.
func (r *room) broadcasterLocked(a *actor) *protocol.Response {
	if a.sess == nil || r.closed {
		return fail(protocol.CodeNotInRoom, "not in the room")
	}
	if r.rate.take(now(), 1) {
		return nil
	}
	r.s.stats.refused.Add(1)
	return fail(protocol.CodeOperationLimitReached, "the room is over its event rate")
}

// matches is the compare-and-set test: an expected nil matches an absent key.
func matches(m map[string]any, k string, want any) bool {
	have, ok := m[k]
	if !ok {
		return want == nil
	}
	return protocol.Equal(have, want)
}

// applyOptionsLocked changes the room options a SetProperties on the room carries.
func (r *room) applyOptionsLocked(p protocol.Params) *protocol.Response {
	if len(p) == 0 {
		return nil
	}
	open, err1 := p.Bool(protocol.ParamIsOpen, r.opts.open)
	visible, err2 := p.Bool(protocol.ParamIsVisible, r.opts.visible)
	maxPlayers, err3 := p.IntIn(protocol.ParamMaxPlayers, int64(r.opts.maxPlayers), 0, int64(r.s.cfg.MaxPlayers))
	expected, err4 := p.Strings(protocol.ParamExpectedUsers)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return badParam(err)
	}
	if p.Has(protocol.ParamExpectedUsers) {
		max := int(maxPlayers)
		if max == 0 {
			max = r.s.cfg.MaxPlayers
		}
		saved := r.opts.expectedUsers
		r.opts.expectedUsers = expected
		if r.slotsTakenLocked(nil) > max {
			r.opts.expectedUsers = saved
			return fail(protocol.CodeSlotError, "the expected users do not fit in the room")
		}
	}
	r.opts.open, r.opts.visible, r.opts.maxPlayers = open, visible, int(maxPlayers)
	return nil
}

// announceChangeLocked sends PropertiesChanged to the others, and to the sender when
// the room echoes changes (or the change was a compare-and-set).
func (r *room) announceChangeLocked(from *actor, c *propertyChange) {
	p := protocol.Params{
		protocol.ParamTargetActor: c.target, protocol.ParamSenderActor: int64(from.nr),
		protocol.ParamProperties: c.props,
	}
	maps.Copy(p, c.options)
	var skip *actor
	if !r.opts.broadcastAll && c.expected == nil {
		skip = from
	}
	r.broadcastLocked(&protocol.Event{Code: protocol.EventPropertiesChanged, Params: p}, skip)
}

// setMaster hands the master client role to another active actor, optionally only if
// the master is still the one expected.
func (r *room) setMaster(a *actor, p protocol.Params) *protocol.Response {
	nr, err := p.IntIn(protocol.ParamActorNr, 0, 1, 1<<31-1)
	if err != nil {
		return badParam(err)
	}
	expected, err := p.Int(protocol.ParamExpectedMaster, -1)
	if err != nil {
		return badParam(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if resp := r.broadcasterLocked(a); resp != nil {
		return resp
	}
	if expected >= 0 && int64(r.master) != expected {
		return fail(protocol.CodeInvalidOperation, "the master is actor "+itoa64(int64(r.master))+", not the expected "+itoa64(expected))
	}
	to := r.actorLocked(int32(nr))
	if to == nil || to.sess == nil {
		return fail(protocol.CodeInvalidOperation, "actor "+itoa64(nr)+" is not active in the room")
	}
	prev := r.master
	r.master = to.nr
	r.broadcastLocked(&protocol.Event{Code: protocol.EventMasterClientChanged, Params: protocol.Params{
		protocol.ParamMasterActor: int64(r.master), protocol.ParamPreviousMaster: int64(prev),
	}}, nil)
	return &protocol.Response{}
}

// changeGroups subscribes and unsubscribes interest groups: removals first, then
// additions (so adding wins). An empty list means every group; 0 is ignored (every
// actor always gets group 0).
func (r *room) changeGroups(a *actor, p protocol.Params) *protocol.Response {
	remove, err1 := p.Ints(protocol.ParamGroupsRemove)
	add, err2 := p.Ints(protocol.ParamGroupsAdd)
	if err := errors.Join(err1, err2); err != nil {
		return badParam(err)
	}
	for _, g := range slices.Concat(remove, add) {
		if g < 0 || g > 255 {
			return fail(protocol.CodeInvalidRequest, "interest groups are 0 to 255, not "+itoa64(g))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.sess == nil {
		return fail(protocol.CodeNotInRoom, "not in the room")
	}
	a.groups = applyGroups(a.groups, remove, false)
	a.groups = applyGroups(a.groups, add, true)
	return &protocol.Response{}
}

func applyGroups(set [4]uint64, list []int64, on bool) [4]uint64 {
	if list == nil {
		return set
	}
	if len(list) == 0 { // every group
		fill := uint64(0)
		if on {
			fill = ^uint64(0)
		}
		return [4]uint64{fill &^ 1, fill, fill, fill}
	}
	for _, g := range list {
		if g == 0 {
			continue
		}
		if on {
			set[g/64] |= 1 << (g % 64)
		} else {
			set[g/64] &^= 1 << (g % 64)
		}
	}
	return set
}
