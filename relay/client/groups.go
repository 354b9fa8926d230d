package client

import (
	"context"
	"errors"

	"github.com/bosonrt/boson/relay/protocol"
)

// Notification is a Web Push notification sent along with a post (see
// [Client.PostToUser]). The relay needs Web Push configured to accept one.
type Notification struct {
	Title string // required, at most 256 bytes
	Body  string // at most 2048 bytes
	// Always pushes it even to users that are connected (and get the message);
	// otherwise only a post to a user with no connection is pushed.
	Always bool
}

// A MessageEvent is a message posted to this client's user ([Client.PostToUser]) or
// to its group ([Client.PostToGroup]).
type MessageEvent struct {
	From         string // the sender's user id
	FromConn     string // the sender's connection id ([Client.ConnID])
	Group        string // the group it was posted to; "" for a message to this user
	Data         any    // as the sender gave it (decoded: ints are int64, maps map[string]any)
	Notification *Notification
}

func (*MessageEvent) isEvent() {}

func readMessageEvent(p protocol.Params) Event {
	e := &MessageEvent{Data: p[protocol.ParamData]}
	e.From, _ = p.Str(protocol.ParamUserID, "")
	e.FromConn, _ = p.Str(protocol.ParamConnID, "")
	e.Group, _ = p.Str(protocol.ParamGroup, "")
	if m, _ := p.Map(protocol.ParamNotification); m != nil {
		n := &Notification{}
		n.Title, _ = m["title"].(string)
		n.Body, _ = m["body"].(string)
		n.Always, _ = m["always"].(bool)
		e.Notification = n
	}
	return e
}

// ConnID returns the connection id the relay gave this connection: 16 hex digits,
// as [MessageEvent.FromConn] and [GroupUser.ConnID] show it to others.
func (c *Client) ConnID() string { return c.connID }

// JoinGroup joins the message group called name (1 to 128 bytes), leaving the group
// the client was in: a connection is in one group at a time. Groups belong to the
// app id and version, and exist while they have members. Errors include
// protocol.CodeGroupFull and CodeGroupLimitReached. An empty name leaves the group.
func (c *Client) JoinGroup(ctx context.Context, name string) error {
	resp, err := c.call(ctx, protocol.OpJoinGroup, protocol.Params{protocol.ParamGroup: name})
	if err != nil {
		return err
	}
	g, _ := resp.Params.Str(protocol.ParamGroup, "")
	c.mu.Lock()
	c.group = g
	c.mu.Unlock()
	return nil
}

// LeaveGroup leaves the client's message group, if any.
func (c *Client) LeaveGroup(ctx context.Context) error { return c.JoinGroup(ctx, "") }

// Group returns the message group the client joined, or "". A client made by
// [Client.ReconnectAndRejoin] joins the group its predecessor was in.
func (c *Client) Group() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.group
}

// PostToUser sends data (any protocol value, at most the relay's post size, 8 KiB
// encoded by default) to every connection of the user in this app id and version,
// this one included if it is the user's. They get a [MessageEvent]. With a
// notification, a user with no connection (or any user, with Always) that has a
// push subscription is sent a Web Push; pushed is how many subscriptions it was
// queued for. A user with no connection and no push fails with
// protocol.CodeUserOffline.
func (c *Client) PostToUser(ctx context.Context, userID string, data any, n *Notification) (pushed int, err error) {
	return c.post(ctx, protocol.Params{protocol.ParamUserID: userID}, data, n)
}

// PostToGroup sends data to every other member of group, which must be the client's
// group (else protocol.CodeNotInGroup). With an Always notification, every member's
// user (but the sender's) that has a push subscription is pushed too. Posts are
// refused with protocol.CodeOperationLimitReached over the relay's delivery budgets
// (a post to n members counts n).
func (c *Client) PostToGroup(ctx context.Context, group string, data any, n *Notification) (pushed int, err error) {
	return c.post(ctx, protocol.Params{protocol.ParamGroup: group}, data, n)
}

func (c *Client) post(ctx context.Context, p protocol.Params, data any, n *Notification) (int, error) {
	p[protocol.ParamData] = data
	if n != nil {
		p[protocol.ParamNotification] = map[string]any{"title": n.Title, "body": n.Body, "always": n.Always}
	}
	resp, err := c.call(ctx, protocol.OpPost, p)
	if err != nil {
		return 0, err
	}
	pushed, _ := resp.Params.Int(protocol.ParamPushed, 0)
	return int(pushed), nil
}

// GroupQuery selects message groups for [Client.ListGroups]. The zero value lists
// every group by name.
type GroupQuery struct {
	// By is protocol.SearchGroupName (the default; groups sorted by name) or
	// SearchGroupUsers (sorted by number of users, then name).
	By protocol.GroupSearch
	// Value is compared with each group: a string for names, an int for users. Nil
	// selects every group.
	Value any
	// Condition is >, >=, =, <, <=, != (or gt, gte, eq, lt, lte, ne). If empty, names
	// match by prefix and numbers of users by equality.
	Condition string
	// Range, if not nil, selects Value <= x <= Range; it cannot go with a Condition.
	Range any
	// Limit is the page size, 1 to 100; 0 means 50.
	Limit int
	// Cursor is the previous page's [GroupPage.Cursor]; "" for the first page.
	Cursor string
}

// GroupInfo is a message group and its number of members (connections).
type GroupInfo struct {
	Name  string
	Users int
}

// GroupPage is a page of [Client.ListGroups].
type GroupPage struct {
	Groups []GroupInfo
	Cursor string // for the next page; "" on the last page
}

// ListGroups returns a page of the message groups of the client's app id and version.
func (c *Client) ListGroups(ctx context.Context, q *GroupQuery) (*GroupPage, error) {
	if q == nil {
		q = &GroupQuery{}
	}
	p := protocol.Params{protocol.ParamSearchFor: int64(q.By), protocol.ParamCursor: q.Cursor}
	if q.Value != nil {
		p[protocol.ParamValue] = q.Value
	}
	if q.Condition != "" {
		p[protocol.ParamCondition] = q.Condition
	}
	if q.Range != nil {
		p[protocol.ParamRange] = q.Range
	}
	if q.Limit != 0 {
		p[protocol.ParamLimit] = int64(q.Limit)
	}
	resp, err := c.call(ctx, protocol.OpListGroups, p)
	if err != nil {
		return nil, err
	}
	page := &GroupPage{}
	page.Cursor, _ = resp.Params.Str(protocol.ParamCursor, "")
	list, _ := resp.Params[protocol.ParamGroups].([]any)
	for _, v := range list {
		m, _ := v.(map[string]any)
		name, _ := m["group"].(string)
		users, _ := m["users"].(int64)
		page.Groups = append(page.Groups, GroupInfo{Name: name, Users: int(users)})
	}
	return page, nil
}

// GroupUser is a member of a message group: one connection of a user.
type GroupUser struct {
	UserID string
	ConnID string
}

// GroupUserPage is a page of [Client.ListGroupUsers].
type GroupUserPage struct {
	Users  []GroupUser // sorted by user id, then connection id
	Cursor string      // for the next page; "" on the last page
}

// ListGroupUsers returns a page of the members of group (only userID's connections if
// userID is not empty). limit is 1 to 100 (0: 50); cursor is the previous page's
// Cursor, or "". A group that does not exist has no members.
func (c *Client) ListGroupUsers(ctx context.Context, group, userID string, limit int, cursor string) (*GroupUserPage, error) {
	p := protocol.Params{protocol.ParamGroup: group, protocol.ParamCursor: cursor}
	if userID != "" {
		p[protocol.ParamUserID] = userID
	}
	if limit != 0 {
		p[protocol.ParamLimit] = int64(limit)
	}
	resp, err := c.call(ctx, protocol.OpListGroupUsers, p)
	if err != nil {
		return nil, err
	}
	page := &GroupUserPage{}
	page.Cursor, _ = resp.Params.Str(protocol.ParamCursor, "")
	list, _ := resp.Params[protocol.ParamUsers].([]any)
	for _, v := range list {
		m, _ := v.(map[string]any)
		u, _ := m["userId"].(string)
		cid, _ := m["cid"].(string)
		page.Users = append(page.Users, GroupUser{UserID: u, ConnID: cid})
	}
	return page, nil
}

// PushSubscription is a browser's Web Push subscription, as PushSubscription.toJSON()
// gives it: the endpoint URL and the keys p256dh and auth (base64url).
type PushSubscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

// VAPIDPublicKey returns the relay's VAPID public key (base64url), for
// pushManager.subscribe's applicationServerKey. It fails with
// protocol.CodePushUnavailable if the relay has no Web Push.
func (c *Client) VAPIDPublicKey(ctx context.Context) (string, error) {
	resp, err := c.call(ctx, protocol.OpPushKey, nil)
	if err != nil {
		return "", err
	}
	key, _ := resp.Params.Str(protocol.ParamVAPIDKey, "")
	if key == "" {
		return "", errors.New("client: the relay sent no VAPID key")
	}
	return key, nil
}

// SubscribePush registers a push subscription for the client's user id in its app.
// A malformed one fails with protocol.CodeInvalidRequest, saying why.
func (c *Client) SubscribePush(ctx context.Context, s PushSubscription) error {
	_, err := c.call(ctx, protocol.OpPushSubscribe, s.params())
	return err
}

// UnsubscribePush removes a push subscription of the client's user id; removing one
// that is not registered is not an error.
func (c *Client) UnsubscribePush(ctx context.Context, s PushSubscription) error {
	_, err := c.call(ctx, protocol.OpPushUnsubscribe, s.params())
	return err
}

func (s PushSubscription) params() protocol.Params {
	return protocol.Params{protocol.ParamEndpoint: s.Endpoint, protocol.ParamPushP256dh: s.P256dh,
		protocol.ParamPushAuth: s.Auth}
}

// PushNotify sends a Web Push notification to users of the client's app (at most 100;
// none: the client's own user) and returns how many subscriptions it was queued for.
// The relay limits the users a connection may push to per second.
func (c *Client) PushNotify(ctx context.Context, title, body string, userIDs []string) (int, error) {
	p := protocol.Params{protocol.ParamTitle: title, protocol.ParamBody: body}
	if userIDs != nil {
		p[protocol.ParamUserIDs] = userIDs
	}
	resp, err := c.call(ctx, protocol.OpPushNotify, p)
	if err != nil {
		return 0, err
	}
	n, _ := resp.Params.Int(protocol.ParamPushed, 0)
	return int(n), nil
}
