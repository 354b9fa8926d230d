package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

const groupsHelp = `  join-group <name>
  leave-group
  post (-to <user> | -group <name>) <text> [-title T -body B [-always]]
  list-groups [-by name|users] [-cond op] [value] [-range X] [-limit N] [-cursor C]
  group-users <group> [-user U] [-limit N] [-cursor C]
  push-key
  push-subscribe <endpoint> <p256dh> <auth>
  push-unsubscribe <endpoint> <p256dh> <auth>
  push -title T -body B [user,...]
`

// joinGroup: join-group <name>.
func (s *session) joinGroup(ctx context.Context, words []string) error {
	if len(words) != 2 {
		return errors.New("usage: join-group <name>")
	}
	if err := s.c.JoinGroup(ctx, words[1]); err != nil {
		return err
	}
	s.out.group(s.c.Group())
	return nil
}

// leaveGroup: leave-group.
func (s *session) leaveGroup(ctx context.Context, words []string) error {
	if len(words) != 1 {
		return errors.New("usage: leave-group")
	}
	if err := s.c.LeaveGroup(ctx); err != nil {
		return err
	}
	s.out.group("")
	return nil
}

// group prints the message group the client is in ("": none).
func (p *printer) group(name string) {
	p.line("group "+word(name), struct {
		Type  string `json:"type"`
		Group string `json:"group"`
	}{"group", name})
}

// post: post (-to <user> | -group <name>) <text> [-title T -body B [-always]].
func (s *session) post(ctx context.Context, words []string) error {
	const usage = "usage: post (-to <user> | -group <name>) <text> [-title T -body B [-always]]"
	var to, group string
	var n client.Notification
	fs := newFlagSet("post")
	fs.StringVar(&to, "to", "", "")
	fs.StringVar(&group, "group", "", "")
	fs.StringVar(&n.Title, "title", "", "")
	fs.StringVar(&n.Body, "body", "", "")
	fs.BoolVar(&n.Always, "always", false, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || (to == "") == (group == "") {
		return errors.New(usage)
	}
	var note *client.Notification
	if n != (client.Notification{}) {
		note = &n
	}
	var pushed int
	if to != "" {
		pushed, err = s.c.PostToUser(ctx, to, pos[0], note)
	} else {
		pushed, err = s.c.PostToGroup(ctx, group, pos[0], note)
	}
	if err != nil {
		return err
	}
	s.out.pushed("posted", pushed)
	return nil
}

// pushed prints how many push subscriptions a post or push reached.
func (p *printer) pushed(kind string, n int) {
	p.line(fmt.Sprintf("%s pushed=%d", kind, n), struct {
		Type   string `json:"type"`
		Pushed int    `json:"pushed"`
	}{kind, n})
}

// listGroups: list-groups [-by name|users] [-cond op] [value] [-range X] [-limit N] [-cursor C].
func (s *session) listGroups(ctx context.Context, words []string) error {
	var q client.GroupQuery
	var by, rng string
	fs := newFlagSet("list-groups")
	fs.StringVar(&by, "by", "name", "")
	fs.StringVar(&q.Condition, "cond", "", "")
	fs.StringVar(&rng, "range", "", "")
	fs.IntVar(&q.Limit, "limit", 0, "")
	fs.StringVar(&q.Cursor, "cursor", "", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errors.New("usage: list-groups [-by name|users] [-cond op] [value] [-range X] [-limit N] [-cursor C]")
	}
	if err := setGroupSearch(&q, by, pos, rng); err != nil {
		return err
	}
	page, err := s.c.ListGroups(ctx, &q)
	if err != nil {
		return err
	}
	s.out.groups(page)
	return nil
}

// setGroupSearch fills the search, the value and the range of q from the command's
// words: values are strings by name and ints by users.
func setGroupSearch(q *client.GroupQuery, by string, pos []string, rng string) error {
	value := func(v string) (any, error) {
		if q.By == protocol.SearchGroupName {
			return v, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("searching by users, %q is not an integer", v)
		}
		return n, nil
	}
	switch by {
	case "name":
		q.By = protocol.SearchGroupName
	case "users":
		q.By = protocol.SearchGroupUsers
	default:
		return fmt.Errorf("-by %q: want name or users", by)
	}
	var err error
	if len(pos) == 1 {
		if q.Value, err = value(pos[0]); err != nil {
			return err
		}
	}
	if rng != "" {
		q.Range, err = value(rng)
	}
	return err
}

// groups prints a page of ListGroups.
func (p *printer) groups(page *client.GroupPage) {
	var b strings.Builder
	list := make([]map[string]any, 0, len(page.Groups))
	for _, g := range page.Groups {
		fmt.Fprintf(&b, " %s=%d", word(g.Name), g.Users)
		list = append(list, map[string]any{"group": g.Name, "users": g.Users})
	}
	p.line("groups cursor="+word(page.Cursor)+b.String(), struct {
		Type   string           `json:"type"`
		Groups []map[string]any `json:"groups"`
		Cursor string           `json:"cursor"`
	}{"groups", list, page.Cursor})
}

// groupUsers: group-users <group> [-user U] [-limit N] [-cursor C].
func (s *session) groupUsers(ctx context.Context, words []string) error {
	var user, cursor string
	var limit int
	fs := newFlagSet("group-users")
	fs.StringVar(&user, "user", "", "")
	fs.IntVar(&limit, "limit", 0, "")
	fs.StringVar(&cursor, "cursor", "", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: group-users <group> [-user U] [-limit N] [-cursor C]")
	}
	page, err := s.c.ListGroupUsers(ctx, pos[0], user, limit, cursor)
	if err != nil {
		return err
	}
	var b strings.Builder
	list := make([]map[string]string, 0, len(page.Users))
	for _, u := range page.Users {
		fmt.Fprintf(&b, " %s/%s", word(u.UserID), u.ConnID)
		list = append(list, map[string]string{"user_id": u.UserID, "cid": u.ConnID})
	}
	s.out.line("group-users group="+word(pos[0])+" cursor="+word(page.Cursor)+b.String(), struct {
		Type   string              `json:"type"`
		Group  string              `json:"group"`
		Users  []map[string]string `json:"users"`
		Cursor string              `json:"cursor"`
	}{"group-users", pos[0], list, page.Cursor})
	return nil
}

// pushKey: push-key.
func (s *session) pushKey(ctx context.Context, words []string) error {
	if len(words) != 1 {
		return errors.New("usage: push-key")
	}
	key, err := s.c.VAPIDPublicKey(ctx)
	if err != nil {
		return err
	}
	s.out.line("push-key "+key, struct {
		Type string `json:"type"`
		Key  string `json:"vapid_public_key"`
	}{"push-key", key})
	return nil
}

// pushSubscribe: push-subscribe <endpoint> <p256dh> <auth>.
func (s *session) pushSubscribe(ctx context.Context, words []string) error {
	if len(words) != 4 {
		return errors.New("usage: push-subscribe <endpoint> <p256dh> <auth>")
	}
	sub := client.PushSubscription{Endpoint: words[1], P256dh: words[2], Auth: words[3]}
	if err := s.c.SubscribePush(ctx, sub); err != nil {
		return err
	}
	s.out.line("push-subscribed", map[string]string{"type": "push-subscribed"})
	return nil
}

// pushUnsubscribe: push-unsubscribe <endpoint> <p256dh> <auth>.
func (s *session) pushUnsubscribe(ctx context.Context, words []string) error {
	if len(words) != 4 {
		return errors.New("usage: push-unsubscribe <endpoint> <p256dh> <auth>")
	}
	sub := client.PushSubscription{Endpoint: words[1], P256dh: words[2], Auth: words[3]}
	if err := s.c.UnsubscribePush(ctx, sub); err != nil {
		return err
	}
	s.out.line("push-unsubscribed", map[string]string{"type": "push-unsubscribed"})
	return nil
}

// push: push -title T -body B [user,...] (no users: the client's own).
func (s *session) push(ctx context.Context, words []string) error {
	var title, body string
	fs := newFlagSet("push")
	fs.StringVar(&title, "title", "", "")
	fs.StringVar(&body, "body", "", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 || title == "" {
		return errors.New("usage: push -title T -body B [user,...]")
	}
	var users []string
	if len(pos) == 1 {
		users = strings.Split(pos[0], ",")
	}
	n, err := s.c.PushNotify(ctx, title, body, users)
	if err != nil {
		return err
	}
	s.out.pushed("push", n)
	return nil
}

// groupEvent prints message events; it reports whether e was one.
func (p *printer) groupEvent(e client.Event) bool {
	m, ok := e.(*client.MessageEvent)
	if !ok {
		return false
	}
	data, err := json.Marshal(m.Data)
	if err != nil {
		data = []byte(strconv.Quote(fmt.Sprint(m.Data)))
	}
	text := fmt.Sprintf("message from=%s conn=%s group=%s data=%s", word(m.From), m.FromConn, word(m.Group), data)
	if n := m.Notification; n != nil {
		text += fmt.Sprintf(" title=%s body=%s always=%t", word(n.Title), word(n.Body), n.Always)
	}
	p.line(text, struct {
		Type         string               `json:"type"`
		From         string               `json:"from"`
		FromConn     string               `json:"conn"`
		Group        string               `json:"group"`
		Data         any                  `json:"data"`
		Notification *client.Notification `json:"notification,omitempty"`
	}{"message", m.From, m.FromConn, m.Group, m.Data, m.Notification})
	return true
}
