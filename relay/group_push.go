package relay

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/relay/push"
)

// maxPushUsers bounds the users of one PushNotify.
const maxPushUsers = 100

// startPush creates the Web Push service, if the relay has one.
func (s *Server) startPush() error {
	if s.cfg.Push == nil {
		return nil
	}
	cfg := *s.cfg.Push
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	svc, err := push.New(&cfg)
	if err != nil {
		return fmt.Errorf("%w: push: %w", ErrBadConfig, err)
	}
	s.push = svc
	return nil
}

// stopPush closes the Web Push service (saving its subscriptions), if any.
func (s *Server) stopPush() {
	if s.push != nil {
		if err := s.push.Close(); err != nil {
			s.log.Warn("closing web push", "err", err)
		}
	}
}

func (s *Server) pushOn() bool { return s.push != nil }

// pushSubscribed reports whether user of app has a push subscription.
func (s *Server) pushSubscribed(app, user string) bool {
	return s.push != nil && s.push.Subscribed(app, user)
}

// pushNotify queues n for every subscription of users of app and returns how many
// it queued (none when the queue is full). It never blocks.
func (s *Server) pushNotify(app string, users []string, n *notification, data map[string]any) int {
	if s.push == nil {
		return 0
	}
	return s.push.Enqueue(app, users, n.message(data))
}

// pushInvitation tells invitees who are not connected of their invitation by Web
// Push (those with a subscription): title "Invitation", body "<inviter> invited you",
// data {"type": "invitation", "room": room}. It never blocks; the push service's lock
// is a leaf, so room.mu may be held.
func (s *Server) pushInvitation(key worldKey, users []string, room, inviter string) {
	if s.push == nil || len(users) == 0 {
		return
	}
	if inviter == "" {
		inviter = "a player"
	}
	s.push.Enqueue(key.app, users, push.Message{Title: "Invitation", Body: inviter + " invited you to a game",
		Data: map[string]any{"type": "invitation", "room": room}})
}

// message is the push of n with data.
func (n *notification) message(data map[string]any) push.Message {
	return push.Message{Title: n.title, Body: n.body, Data: data}
}

// checkPushable refuses a notification whose push would not fit a Web Push
// payload once JSON-encoded (escaping can multiply its size), which the push
// queue would otherwise drop silently.
func checkPushable(n *notification, data map[string]any) *protocol.Response {
	if err := push.CheckMessage(n.message(data)); err != nil {
		return fail(protocol.CodeInvalidRequest, "the notification does not fit a web push once JSON-encoded: "+err.Error())
	}
	return nil
}

// pushOp serves PushKey, PushSubscribe, PushUnsubscribe and PushNotify.
func (sess *session) pushOp(r *protocol.Request) *protocol.Response {
	if sess.s.push == nil {
		return fail(protocol.CodePushUnavailable, "this relay has no web push")
	}
	switch r.Op {
	case protocol.OpPushKey:
		return &protocol.Response{Params: protocol.Params{protocol.ParamVAPIDKey: sess.s.push.PublicKey()}}
	case protocol.OpPushSubscribe, protocol.OpPushUnsubscribe:
		return sess.pushSubscribe(r.Op == protocol.OpPushSubscribe, r.Params)
	case protocol.OpPushNotify:
		return sess.pushNotifyOp(r.Params)
	}
	return fail(protocol.CodeInvalidOperation, "unknown operation "+r.Op.String())
}

// pushSubscribe adds (or removes) a push subscription of the session's user in its
// app. Each takes one push from the session's PushRate budget: they rewrite the
// subscriptions file.
func (sess *session) pushSubscribe(add bool, p protocol.Params) *protocol.Response {
	var sub push.Subscription
	var errs [3]error
	sub.Endpoint, errs[0] = p.Str(protocol.ParamEndpoint, "")
	sub.P256dh, errs[1] = p.Str(protocol.ParamPushP256dh, "")
	sub.Auth, errs[2] = p.Str(protocol.ParamPushAuth, "")
	if err := errors.Join(errs[:]...); err != nil {
		return badParam(err)
	}
	if !sess.grp.pushes.take(now(), 1) {
		return fail(protocol.CodeOperationLimitReached, "over this connection's pushes a second (Groups.PushRate)")
	}
	var err error
	if add {
		err = sess.s.push.Subscribe(sess.key.app, sess.userID, sub)
	} else {
		_, err = sess.s.push.Unsubscribe(sess.key.app, sess.userID, sub)
	}
	switch {
	case err == nil:
		return &protocol.Response{}
	case errors.Is(err, push.ErrBadSubscription):
		return fail(protocol.CodeInvalidRequest, err.Error())
	case errors.Is(err, push.ErrFull):
		return fail(protocol.CodeServerFull, "the relay has as many push subscribers as it allows")
	}
	return fail(protocol.CodeInternalServerError, err.Error())
}

// pushNotifyOp answers PushNotify: a notification to users of the app (none: the
// caller's own user).
func (sess *session) pushNotifyOp(p protocol.Params) *protocol.Response {
	n := &notification{}
	var errs [3]error
	var users []string
	n.title, errs[0] = p.Str(protocol.ParamTitle, "")
	n.body, errs[1] = p.Str(protocol.ParamBody, "")
	users, errs[2] = p.Strings(protocol.ParamUserIDs)
	if err := errors.Join(errs[:]...); err != nil {
		return badParam(err)
	}
	if err := n.check(); err != nil {
		return badParam(err)
	}
	if resp := checkPushable(n, sess.pushOrigin()); resp != nil {
		return resp
	}
	if users == nil {
		users = []string{sess.userID}
	}
	if len(users) > maxPushUsers {
		return fail(protocol.CodeInvalidRequest, "at most "+itoa64(maxPushUsers)+" users per PushNotify")
	}
	for _, u := range users {
		if u == "" || len(u) > 128 {
			return fail(protocol.CodeInvalidRequest, "a user id is 1 to 128 bytes")
		}
	}
	users = slices.Compact(slices.Sorted(slices.Values(users)))
	if !sess.grp.pushes.take(now(), float64(len(users))) {
		return fail(protocol.CodeOperationLimitReached, "over this connection's pushes a second (Groups.PushRate)")
	}
	if u := sess.pushForbidden(users); u != "" {
		return fail(protocol.CodePushNotPermitted, "user "+quote(u)+" is not in this connection's room or message group (Groups.PushToAnyUser is off)")
	}
	pushed := sess.s.pushNotify(sess.key.app, users, n, sess.pushOrigin())
	return &protocol.Response{Params: protocol.Params{protocol.ParamPushed: int64(pushed)}}
}

// pushForbidden returns the first of users (sorted) that the session may not push
// to, or "": unless Groups.PushToAnyUser, only its own user and users with an actor
// in its room or a connection in its group. It takes sess.mu, then the room's mu,
// then presMu and groups.mu, one at a time.
func (sess *session) pushForbidden(users []string) string {
	if sess.s.cfg.Groups.PushToAnyUser {
		return ""
	}
	need := make(map[string]bool, len(users))
	for _, u := range users {
		if u != sess.userID {
			need[u] = true
		}
	}
	sess.dropRoomMates(need)
	sess.dropGroupMates(need)
	for _, u := range users {
		if need[u] {
			return u
		}
	}
	return ""
}

// dropRoomMates deletes from need the users with an actor, active or inactive, in
// the session's room, and the users it invited who have not answered yet.
func (sess *session) dropRoomMates(need map[string]bool) {
	sess.mu.Lock()
	a := sess.actor
	sess.mu.Unlock()
	if a == nil || len(need) == 0 {
		return
	}
	r := a.room
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.actors {
		if x != nil {
			delete(need, x.userID)
		}
	}
	if r.status != nil { // invited participants (seed 003): the room may nudge them
		for u := range need {
			if r.invitedLocked(u) {
				delete(need, u)
			}
		}
	}
}

// dropGroupMates deletes from need the users with a connection in the session's
// message group.
func (sess *session) dropGroupMates(need map[string]bool) {
	if len(need) == 0 {
		return
	}
	conns := sess.grp.fanout[:0]
	for u := range need {
		conns = sess.s.connectionsOf(sess.key, u, conns)
	}
	sess.grp.fanout = conns
	defer clear(sess.grp.fanout)
	t := &sess.s.groups
	t.mu.Lock()
	defer t.mu.Unlock()
	g := sess.grp.group
	for _, m := range conns {
		if g != nil && m.grp.group == g {
			delete(need, m.userID)
		}
	}
}

// VAPIDPublicKey returns the relay's Web Push VAPID public key (base64url, for
// pushManager.subscribe's applicationServerKey), or "" if it has no Web Push.
func (s *Server) VAPIDPublicKey() string {
	if s.push == nil {
		return ""
	}
	return s.push.PublicKey()
}
