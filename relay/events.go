package relay

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// cachedEvent is an event in a room's cache, kept encoded as it is delivered.
type cachedEvent struct {
	code   uint8
	sender int32 // 0: the room's (global) cache
	slice  int64
	msg    []byte // the CustomEvent message
}

func (ev *cachedEvent) payload() []byte {
	e, err := protocol.ReadCustomEvent(ev.msg)
	if err != nil {
		return nil
	}
	return e.Payload
}

// raiseOptions are a Raise's options.
type raiseOptions struct {
	receivers protocol.Receivers
	targets   []int64
	group     int64
	caching   protocol.Caching
	slice     int64
	forward   bool // to the Event webhook
}

func readRaiseOptions(p protocol.Params) (*raiseOptions, error) {
	o := &raiseOptions{}
	var errs [6]error
	var recv, caching int64
	recv, errs[0] = p.IntIn(protocol.ParamReceivers, 0, 0, int64(protocol.ReceiversMaster))
	o.targets, errs[1] = p.Ints(protocol.ParamTargetActors)
	o.group, errs[2] = p.IntIn(protocol.ParamInterestGroup, 0, 0, 255)
	caching, errs[3] = p.IntIn(protocol.ParamCache, 0, 0, 255)
	o.slice, errs[4] = p.IntIn(protocol.ParamCacheSliceIndex, 0, 0, 1<<31-1)
	o.forward, errs[5] = p.Bool(protocol.ParamWebForward, false)
	o.receivers, o.caching = protocol.Receivers(recv), protocol.Caching(caching)
	return o, errors.Join(errs[:]...)
}

// raise handles a Raise from the client on transport channel ch.
func (sess *session) raise(ch int, msg []byte) {
	r, err := protocol.ReadRaise(msg)
	if err != nil {
		sess.errorInfo(protocol.CodeInvalidRequest, "raise event: "+err.Error())
		return
	}
	opts, err := readRaiseOptions(r.Options)
	if err != nil {
		sess.raiseResult(r, protocol.CodeInvalidRequest, "raise event: "+err.Error())
		return
	}
	sess.mu.Lock()
	a, ready := sess.actor, sess.state == stateReady
	sess.mu.Unlock()
	if !ready {
		sess.raiseResult(r, protocol.CodeOperationNotAllowedInState, "raise event: authenticate first")
		return
	}
	if a == nil {
		sess.raiseResult(r, protocol.CodeNotInRoom, "raise event: join a room first")
		return
	}
	code, why := a.room.raise(sess, a, ch, r, opts)
	sess.raiseResult(r, code, why)
}

// raiseResult answers a Raise: a response if it asked for one, else an ErrorInfo
// event when it failed.
func (sess *session) raiseResult(r *protocol.Raise, code protocol.Code, why string) {
	switch {
	case r.ID != 0:
		respond(sess.conn, &protocol.Response{Op: protocol.OpRaiseEvent, ID: r.ID, Code: code, Message: why})
	case code == protocol.CodeOperationLimitReached: // at most one a second: not a flood of its own
		if t := now(); t.Sub(sess.lastInfo) >= time.Second {
			sess.lastInfo = t
			sess.errorInfo(code, why)
		}
	case code != protocol.OK:
		sess.errorInfo(code, why)
	}
}

// raise routes, caches or applies a cache operation, and returns the sender's result.
func (r *room) raise(sess *session, a *actor, ch int, ev *protocol.Raise, o *raiseOptions) (protocol.Code, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.sess != sess || r.closed {
		return protocol.CodeNotInRoom, "raise event: not in the room"
	}
	if !r.rate.take(now(), 1) {
		r.s.stats.refused.Add(1)
		return protocol.CodeOperationLimitReached, "raise event: the room is over its event rate"
	}
	switch o.caching {
	case protocol.DoNotCache, protocol.AddToRoomCache, protocol.AddToRoomCacheGlobal:
	case protocol.RemoveFromRoomCache:
		r.removeMatchingLocked(ev.Code, o.targets, ev.Payload)
		return protocol.OK, ""
	case protocol.RemoveFromRoomCacheForGone:
		r.removeCachedLocked(func(c *cachedEvent) bool { return c.sender != 0 && r.actorLocked(c.sender) == nil })
		return protocol.OK, ""
	case protocol.SliceIncreaseIndex, protocol.SliceSetIndex, protocol.SlicePurgeIndex, protocol.SlicePurgeUpToIndex:
		r.sliceLocked(o)
		return protocol.OK, ""
	default:
		return protocol.CodeInvalidRequest, "raise event: unknown caching option " + itoa64(int64(o.caching))
	}
	r.s.stats.events.Add(1)
	if o.forward {
		args := actorArgs(a)
		args["EvCode"], args["Data"] = ev.Code, slices.Clone(ev.Payload) // the payload as base64; the message buffer is reused
		r.hookLocked(hookEvent, "Event", args)
	}
	sender := a.nr
	sess.scratch = protocol.AppendCustomEvent(sess.scratch[:0], &protocol.CustomEvent{Code: ev.Code, Sender: sender, Payload: ev.Payload})
	if err := r.deliverLocked(a, ch, sess.scratch, o); err != nil {
		return protocol.CodeTooLarge, "raise event: " + err.Error()
	}
	if o.caching != protocol.DoNotCache && o.receivers != protocol.ReceiversMaster && o.targets == nil && o.group == 0 {
		return r.cacheLocked(ev, a, o.caching == protocol.AddToRoomCacheGlobal)
	}
	return protocol.OK, ""
}

// deliverLocked sends an encoded custom event to its receivers, on the event channel
// it came on (or the receiver's last one), reliable if it came reliable.
func (r *room) deliverLocked(from *actor, ch int, msg []byte, o *raiseOptions) error {
	pair, unreliable := ch/2, ch%2
	send := func(to *actor) error {
		if to == nil || to.sess == nil || (o.group != 0 && !to.inGroup(o.group)) {
			return nil
		}
		p := min(pair, to.sess.pairs-1)
		// A receiver whose limits are smaller (its own MaxMessageSize or MTU) misses an
		// event too large for it; one whose reliable queue is full is disconnected by
		// sendReliable; one that is closing misses it. The others get it.
		if sendReliable(to.sess.conn, 2*p+unreliable, msg) == nil {
			r.s.stats.eventsOut.Add(1)
		}
		return nil
	}
	switch {
	case o.targets != nil:
		for _, nr := range o.targets {
			if nr > 0 && nr < int64(r.nextActor) {
				if err := send(r.actorLocked(int32(nr))); err != nil {
					return err
				}
			}
		}
	case o.receivers == protocol.ReceiversMaster:
		return send(r.actorLocked(r.master))
	default:
		for _, to := range r.actors {
			if to != from || o.receivers == protocol.ReceiversAll {
				if err := send(to); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (a *actor) inGroup(g int64) bool { return a.groups[g/64]&(1<<(g%64)) != 0 }

// cacheLocked adds an event to the room's cache. The event that would overflow it
// closes the room instead, and everyone is told.
func (r *room) cacheLocked(ev *protocol.Raise, a *actor, global bool) (protocol.Code, string) {
	sender := a.nr
	if global {
		sender = 0
	}
	msg := protocol.AppendCustomEvent(nil, &protocol.CustomEvent{Code: ev.Code, Sender: sender, Payload: ev.Payload})
	if len(r.cache) >= r.s.cfg.MaxCachedEvents || r.cacheBytes+len(msg) > r.s.cfg.MaxCachedBytes {
		if !r.cacheClosed {
			r.cacheClosed = true
			r.opts.open = false
			r.relistLocked()
			why := "the room's event cache is full (" + itoa64(int64(r.s.cfg.MaxCachedEvents)) + " events or " +
				itoa64(int64(r.s.cfg.MaxCachedBytes)) + " bytes): the room is closed"
			r.broadcastLocked(&protocol.Event{Code: protocol.EventErrorInfo, Params: protocol.Params{
				protocol.ParamErrorCode: int64(protocol.CodeEventCacheFull), protocol.ParamMessage: why,
			}}, nil)
		}
		return protocol.CodeEventCacheFull, "raise event: the event was delivered but not cached: the cache is full"
	}
	r.cache = append(r.cache, cachedEvent{code: ev.Code, sender: sender, slice: r.slice, msg: msg})
	r.cacheBytes += len(msg)
	return protocol.OK, ""
}

// removeMatchingLocked removes cached events by code (0: any), senders (nil: any; 0 is
// the global cache) and payload prefix (empty: any).
func (r *room) removeMatchingLocked(code uint8, senders []int64, prefix []byte) {
	r.removeCachedLocked(func(c *cachedEvent) bool {
		return (code == 0 || c.code == code) &&
			(senders == nil || slices.Contains(senders, int64(c.sender))) &&
			(len(prefix) == 0 || bytes.HasPrefix(c.payload(), prefix))
	})
}

func (r *room) removeCachedLocked(match func(*cachedEvent) bool) {
	r.cache = slices.DeleteFunc(r.cache, func(c cachedEvent) bool {
		if match(&c) {
			r.cacheBytes -= len(c.msg)
			return true
		}
		return false
	})
}

// sliceLocked applies a cache-slice operation; index changes are announced.
func (r *room) sliceLocked(o *raiseOptions) {
	switch o.caching {
	case protocol.SliceIncreaseIndex:
		r.slice++
	case protocol.SliceSetIndex:
		r.slice = o.slice
	case protocol.SlicePurgeIndex:
		r.removeCachedLocked(func(c *cachedEvent) bool { return c.slice == o.slice })
		return
	case protocol.SlicePurgeUpToIndex:
		r.removeCachedLocked(func(c *cachedEvent) bool { return c.slice < o.slice })
		return
	}
	r.broadcastLocked(&protocol.Event{Code: protocol.EventCacheSliceChanged, Params: protocol.Params{
		protocol.ParamCacheSliceIndex: r.slice,
	}}, nil)
}
