package relay

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// Limits of a post's notification, in bytes: with the other fields its JSON must fit
// a Web Push payload (push.MaxPayload, 3993 bytes).
const (
	maxTitleBytes = 256
	maxBodyBytes  = 2048
)

// postRequest is a decoded Post.
type postRequest struct {
	user  string // recipient user, or
	group string // recipient group
	data  any
	note  *notification
}

// notification is a Web Push notification sent along with a post or by PushNotify.
type notification struct {
	title, body string
	always      bool // push even to users that got the message
}

// readPost decodes a Post's parameters.
func readPost(p protocol.Params, maxData int) (*postRequest, error) {
	req := &postRequest{data: p[protocol.ParamData]}
	var errs [3]error
	req.user, errs[0] = p.Str(protocol.ParamUserID, "")
	req.group, errs[1] = p.Str(protocol.ParamGroup, "")
	var note map[string]any
	note, errs[2] = p.Map(protocol.ParamNotification)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if (req.user == "") == (req.group == "") {
		return nil, errors.New("relay: a post names exactly one recipient: a user id or a group")
	}
	if len(req.user) > 128 || len(req.group) > maxGroupName {
		return nil, errors.New("relay: a user id or group name is at most 128 bytes")
	}
	if b, err := protocol.AppendValue(nil, req.data); err != nil || len(b) > maxData {
		return nil, errors.New("relay: a post's data is at most " + itoa64(int64(maxData)) + " bytes encoded")
	}
	if note != nil {
		n, err := readNotification(note)
		if err != nil {
			return nil, err
		}
		req.note = n
	}
	return req, nil
}

// readNotification decodes a post's notification map {"title", "body", "always"}.
func readNotification(m map[string]any) (*notification, error) {
	n := &notification{}
	for k, v := range m {
		var ok bool
		switch k {
		case "title":
			n.title, ok = v.(string)
		case "body":
			n.body, ok = v.(string)
		case "always":
			n.always, ok = v.(bool)
		default:
			return nil, errors.New("relay: unknown notification key " + quote(k) + " (want title, body, always)")
		}
		if !ok {
			return nil, errors.New("relay: notification " + quote(k) + " has the wrong type")
		}
	}
	return n, n.check()
}

func (n *notification) check() error {
	if n.title == "" {
		return errors.New("relay: a notification needs a title")
	}
	if len(n.title) > maxTitleBytes || len(n.body) > maxBodyBytes {
		return errors.New("relay: a notification's title is at most " + itoa64(maxTitleBytes) +
			" bytes and its body at most " + itoa64(maxBodyBytes))
	}
	return nil
}

// post sends a message to every connection of a user, or to every other member of
// the sender's group, and pushes its notification to users that need it.
func (sess *session) post(p protocol.Params) *protocol.Response {
	req, err := readPost(p, sess.s.cfg.Groups.MaxDataBytes)
	if err != nil {
		return badParam(err)
	}
	if req.note != nil && !sess.s.pushOn() {
		return fail(protocol.CodePushUnavailable, "this relay has no web push: post without a notification")
	}
	if req.note != nil {
		if resp := checkPushable(req.note, sess.postOrigin(req)); resp != nil {
			return resp
		}
	}
	if req.group != "" {
		return sess.postToGroup(req)
	}
	return sess.postToUser(req)
}

// postToUser delivers to every connection of the user, the sender's own included.
// A user with none gets only the notification, if it has a push subscription.
func (sess *session) postToUser(req *postRequest) *protocol.Response {
	to := sess.s.connectionsOf(sess.key, req.user, sess.grp.fanout[:0])
	sess.grp.fanout = to
	defer clear(sess.grp.fanout)
	var users []string
	if req.note != nil && (len(to) == 0 || req.note.always) {
		users = []string{req.user}
	}
	if len(to) == 0 && (users == nil || !sess.s.pushSubscribed(sess.key.app, req.user)) {
		return fail(protocol.CodeUserOffline, "user "+quote(req.user)+" is not connected")
	}
	if resp := sess.chargeDeliveries(len(to), nil); resp != nil {
		return resp
	}
	if resp := sess.chargePushes(len(users), len(to), nil); resp != nil {
		return resp
	}
	sess.deliver(to, req)
	return sess.pushPost(req, users)
}

// postToGroup delivers to every member of the sender's group but the sender; with an
// "always" notification it also pushes to each member's user (but the sender's).
// The deliveries are charged before the members are copied, so a post the sender
// cannot afford costs no per-member work under the groups lock.
func (sess *session) postToGroup(req *postRequest) *protocol.Response {
	t := &sess.s.groups
	t.mu.Lock()
	g := sess.grp.group
	if g == nil || g.name != req.group {
		t.mu.Unlock()
		return fail(protocol.CodeNotInGroup, "User has not joined to the recipient group "+quote(req.group))
	}
	n := len(g.members) - 1 // the sender is a member
	if resp := sess.chargeDeliveries(n, &g.rate); resp != nil {
		t.mu.Unlock()
		return resp
	}
	to, users := sess.grp.fanout[:0], sess.grp.users[:0]
	for m := range g.members {
		if m != sess {
			to = append(to, m)
		}
		if req.note != nil && req.note.always && m.userID != sess.userID {
			users = append(users, m.userID)
		}
	}
	slices.Sort(users)
	users = slices.Compact(users)
	resp := sess.chargePushes(len(users), n, &g.rate)
	t.mu.Unlock()
	sess.grp.fanout, sess.grp.users = to, users
	defer clear(sess.grp.fanout)
	defer clear(sess.grp.users)
	if resp != nil {
		return resp
	}
	sess.deliver(to, req)
	return sess.pushPost(req, users)
}

// chargeDeliveries takes n deliveries from the sender's budget and the group's, if
// any, both or neither.
func (sess *session) chargeDeliveries(n int, group *bucket) *protocol.Response {
	t, d := now(), &sess.grp.deliveries
	if !d.take(t, float64(n)) {
		return fail(protocol.CodeOperationLimitReached, "post: over this connection's message deliveries a second (Groups.PostDeliveryRate)")
	}
	if group != nil && !group.take(t, float64(n)) {
		d.tokens += float64(n)
		return fail(protocol.CodeOperationLimitReached, "post: the group is over its message deliveries a second (Groups.GroupDeliveryRate)")
	}
	return nil
}

// chargePushes takes pushes from the sender's push budget; if it cannot, it gives
// back the post's deliveries (charged by chargeDeliveries) and refuses the post.
func (sess *session) chargePushes(pushes, deliveries int, group *bucket) *protocol.Response {
	if pushes == 0 || sess.grp.pushes.take(now(), float64(pushes)) {
		return nil
	}
	sess.grp.deliveries.tokens += float64(deliveries)
	if group != nil {
		group.tokens += float64(deliveries)
	}
	return fail(protocol.CodeOperationLimitReached, "post: over this connection's push notifications a second (Groups.PushRate)")
}

// deliver sends the Message event to each session.
func (sess *session) deliver(to []*session, req *postRequest) {
	if len(to) == 0 {
		return
	}
	params := protocol.Params{protocol.ParamUserID: sess.userID, protocol.ParamConnID: sess.grp.cid,
		protocol.ParamData: req.data}
	if req.group != "" {
		params[protocol.ParamGroup] = req.group
	}
	if n := req.note; n != nil {
		params[protocol.ParamNotification] = map[string]any{"title": n.title, "body": n.body, "always": n.always}
	}
	b, err := protocol.AppendEvent(sess.scratch[:0], &protocol.Event{Code: protocol.EventMessage, Params: params})
	if err != nil { // readPost checked the data encodes
		return
	}
	sess.scratch = b
	for _, m := range to {
		// A receiver whose reliable queue is full is disconnected by sendReliable; one
		// that is closing misses the message. The others get it.
		if sendReliable(m.conn, 0, b) == nil {
			sess.s.stats.eventsOut.Add(1)
		}
	}
}

// pushPost queues the post's notification for users and answers the post.
func (sess *session) pushPost(req *postRequest, users []string) *protocol.Response {
	pushed := 0
	if len(users) > 0 {
		pushed = sess.s.pushNotify(sess.key.app, users, req.note, sess.postOrigin(req))
	}
	return &protocol.Response{Params: protocol.Params{protocol.ParamPushed: int64(pushed)}}
}

// postOrigin is the data a post's push carries: who sent it, and to which group.
func (sess *session) postOrigin(req *postRequest) map[string]any {
	m := sess.pushOrigin()
	if req.group != "" {
		m["group"] = req.group
	}
	return m
}

// pushOrigin is the data a PushNotify's push carries: who sent it.
func (sess *session) pushOrigin() map[string]any {
	return map[string]any{"userId": sess.userID, "cid": sess.grp.cid}
}

// connectionsOf appends the sessions of user in the world to out.
func (s *Server) connectionsOf(key worldKey, user string, out []*session) []*session {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	if p := s.presence[key]; p != nil {
		for sess := range p.users[user] {
			out = append(out, sess)
		}
	}
	return out
}
