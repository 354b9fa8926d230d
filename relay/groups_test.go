package relay_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// message returns p's next MessageEvent.
func message(p *player) *client.MessageEvent {
	p.t.Helper()
	return next[*client.MessageEvent](p)
}

// noMessage checks that p got no message before a marker it posts to its own user.
func noMessage(p *player) {
	p.t.Helper()
	if _, err := p.PostToUser(testContext(p.t), p.UserID(), "marker", nil); err != nil {
		p.t.Fatal(err)
	}
	if m := message(p); m.Data != "marker" {
		p.t.Fatalf("%s: got message %+v, want none before the marker", p.name, m)
	}
}

// joinGroups connects one player per member: groups maps a group to its members.
func joinGroups(t *testing.T, s *relay.Server, groups map[string][]string) map[string]*player {
	t.Helper()
	out := map[string]*player{}
	for g, members := range groups {
		for _, name := range members {
			p := connect(t, s, name)
			must(t, p.JoinGroup(testContext(t), g))
			out[name] = p
		}
	}
	return out
}

func groupList(t *testing.T, p *player, q *client.GroupQuery) string {
	t.Helper()
	page, err := p.ListGroups(testContext(t), q)
	if err != nil {
		t.Fatalf("ListGroups(%+v): %v", q, err)
	}
	var out []string
	for _, g := range page.Groups {
		out = append(out, fmt.Sprintf("%s:%d", g.Name, g.Users))
	}
	return strings.Join(out, " ")
}

func TestAuthenticateGivesEachConnectionAnID(t *testing.T) {
	s := startRelay(t, relay.Config{})
	a, b := connect(t, s, "ann"), connect(t, s, "ann")
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	if !hex16.MatchString(a.ConnID()) || !hex16.MatchString(b.ConnID()) || a.ConnID() == b.ConnID() {
		t.Fatalf("connection ids %q and %q, want two different ones of 16 hex digits", a.ConnID(), b.ConnID())
	}
}

func TestJoinGroupLeavesTheGroupBeforeAndEmptyGroupsGo(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ann, bob := connect(t, s, "ann"), connect(t, s, "bob")
	ctx := testContext(t)
	must(t, ann.JoinGroup(ctx, "red"))
	must(t, bob.JoinGroup(ctx, "red"))
	if got := groupList(t, ann, nil); got != "red:2" || ann.Group() != "red" {
		t.Fatalf("groups %q, ann in %q; want red:2, red", got, ann.Group())
	}
	must(t, ann.JoinGroup(ctx, "blue"))
	if got := groupList(t, ann, nil); got != "blue:1 red:1" || ann.Group() != "blue" {
		t.Fatalf("after switching: groups %q, ann in %q; want blue:1 red:1, blue", got, ann.Group())
	}
	must(t, bob.LeaveGroup(ctx))
	must(t, ann.JoinGroup(ctx, "blue")) // joining its own group again changes nothing
	if got := groupList(t, ann, nil); got != "blue:1" || bob.Group() != "" {
		t.Fatalf("after bob left: groups %q, bob in %q; want blue:1 and none", got, bob.Group())
	}
	mustRoom(t)(ann.CreateRoom(ctx, "r", nil, nil))
	mustRoom(t)(bob.JoinRoom(ctx, "r", nil))
	ann.Close()
	next[*client.LeaveEvent](bob) // the relay left ann's group before her room
	if got := groupList(t, bob, nil); got != "" {
		t.Fatalf("after ann disconnected: groups %q, want none", got)
	}
	other := mustConnect(t, s, &client.Options{AppID: "game", AppVersion: "2", UserID: "cat", Nickname: "cat", Auth: client.Auth{Type: auth.None}})
	must(t, other.JoinGroup(ctx, "red"))
	must(t, bob.JoinGroup(ctx, "red"))
	if got := groupList(t, other, nil); got != "red:1" {
		t.Fatalf("app version 2 sees %q, want only its own red:1", got)
	}
}

func mustConnect(t *testing.T, s *relay.Server, o *client.Options) *player {
	t.Helper()
	p, err := tryConnect(t, s, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPostToGroupReachesTheOtherMembersOnly(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ps := joinGroups(t, s, map[string][]string{"red": {"ann", "bob", "cat"}, "blue": {"dan"}})
	ann := ps["ann"]
	ctx := testContext(t)
	pushed, err := ann.PostToGroup(ctx, "red", map[string]any{"text": "hi", "n": 7}, nil)
	if err != nil || pushed != 0 {
		t.Fatalf("PostToGroup: %d, %v; want 0, nil", pushed, err)
	}
	for _, name := range []string{"bob", "cat"} {
		m := message(ps[name])
		want := fmt.Sprint(&client.MessageEvent{From: "ann", FromConn: ann.ConnID(), Group: "red",
			Data: map[string]any{"text": "hi", "n": int64(7)}})
		if fmt.Sprint(m) != want {
			t.Fatalf("%s got %v, want %v", name, m, want)
		}
	}
	noMessage(ann)
	noMessage(ps["dan"])
	_, err = ps["dan"].PostToGroup(ctx, "red", "let me in", nil)
	wantCode(t, err, protocol.CodeNotInGroup)
	_, err = ann.PostToGroup(ctx, "nowhere", "x", nil)
	wantCode(t, err, protocol.CodeNotInGroup)
	noMessage(ps["bob"])
}

func TestPostToUserReachesEachOfItsConnections(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ann, bob1, bob2 := connect(t, s, "ann"), connect(t, s, "bob"), connect(t, s, "bob")
	ctx := testContext(t)
	if _, err := ann.PostToUser(ctx, "bob", "hello", nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*player{bob1, bob2} {
		if m := message(b); m.From != "ann" || m.FromConn != ann.ConnID() || m.Group != "" || m.Data != "hello" {
			t.Fatalf("bob got %+v", m)
		}
	}
	noMessage(ann)
	_, err := ann.PostToUser(ctx, "nobody", "hello", nil)
	wantCode(t, err, protocol.CodeUserOffline)
	_, err = ann.PostToUser(ctx, "bob", "hello", &client.Notification{Title: "t"})
	wantCode(t, err, protocol.CodePushUnavailable)
}

func TestListGroupsByNameAndUsers(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ps := joinGroups(t, s, map[string][]string{"a1": {"u1"}, "a2": {"u2", "u3"}, "b1": {"u4", "u5", "u6"}, "c": {"u7"}})
	for i, tt := range []struct {
		name string
		q    client.GroupQuery
		want string
	}{
		{"all by name", client.GroupQuery{}, "a1:1 a2:2 b1:3 c:1"},
		{"name prefix", client.GroupQuery{Value: "a"}, "a1:1 a2:2"},
		{"name =", client.GroupQuery{Value: "b1", Condition: "="}, "b1:3"},
		{"name eq", client.GroupQuery{Value: "b", Condition: "eq"}, ""},
		{"name >", client.GroupQuery{Value: "a2", Condition: ">"}, "b1:3 c:1"},
		{"name gte", client.GroupQuery{Value: "a2", Condition: "gte"}, "a2:2 b1:3 c:1"},
		{"name <", client.GroupQuery{Value: "b1", Condition: "<"}, "a1:1 a2:2"},
		{"name lte", client.GroupQuery{Value: "b1", Condition: "lte"}, "a1:1 a2:2 b1:3"},
		{"name !=", client.GroupQuery{Value: "c", Condition: "!="}, "a1:1 a2:2 b1:3"},
		{"name range", client.GroupQuery{Value: "a2", Range: "b1"}, "a2:2 b1:3"},
		{"all by users", client.GroupQuery{By: protocol.SearchGroupUsers}, "a1:1 c:1 a2:2 b1:3"},
		{"users default =", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 1}, "a1:1 c:1"},
		{"users gt", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 1, Condition: "gt"}, "a2:2 b1:3"},
		{"users >=", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 2, Condition: ">="}, "a2:2 b1:3"},
		{"users lt", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 3, Condition: "lt"}, "a1:1 c:1 a2:2"},
		{"users <=", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 1, Condition: "<="}, "a1:1 c:1"},
		{"users ne", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 2, Condition: "ne"}, "a1:1 c:1 b1:3"},
		{"users range", client.GroupQuery{By: protocol.SearchGroupUsers, Value: 2, Range: 3}, "a2:2 b1:3"},
	} {
		p := ps[fmt.Sprint("u", i%7+1)] // spread over the players' query budgets
		t.Run(tt.name, func(t *testing.T) {
			if got := groupList(t, p, &tt.q); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListGroupsPages(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ps := joinGroups(t, s, map[string][]string{"a1": {"u1"}, "a2": {"u2", "u3"}, "b1": {"u4", "u5", "u6"}, "c": {"u7"}})
	for i, tt := range []struct {
		q    client.GroupQuery
		want []string
	}{
		{client.GroupQuery{Limit: 1}, []string{"a1:1", "a2:2", "b1:3", "c:1"}},
		{client.GroupQuery{Limit: 3}, []string{"a1:1 a2:2 b1:3", "c:1"}},
		{client.GroupQuery{Limit: 4}, []string{"a1:1 a2:2 b1:3 c:1"}},
		{client.GroupQuery{By: protocol.SearchGroupUsers, Limit: 1}, []string{"a1:1", "c:1", "a2:2", "b1:3"}},
		{client.GroupQuery{Value: 1, By: protocol.SearchGroupUsers, Condition: ">=", Limit: 2}, []string{"a1:1 c:1", "a2:2 b1:3"}},
	} {
		var got []string
		q, p := tt.q, ps[fmt.Sprint("u", i+1)]
		for range 10 {
			page, err := p.ListGroups(testContext(t), &q)
			must(t, err)
			got = append(got, groupNames(page))
			if q.Cursor = page.Cursor; q.Cursor == "" {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Fatalf("%+v: pages %q, want %q", tt.q, got, tt.want)
		}
	}
}

func groupNames(page *client.GroupPage) string {
	var out []string
	for _, g := range page.Groups {
		out = append(out, fmt.Sprintf("%s:%d", g.Name, g.Users))
	}
	return strings.Join(out, " ")
}

func TestListGroupUsersFiltersAndPages(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ps := joinGroups(t, s, map[string][]string{"red": {"ann", "bob", "cat"}})
	bob2 := connect(t, s, "bob")
	must(t, bob2.JoinGroup(testContext(t), "red"))
	var all []string
	cursor := ""
	for range 10 {
		page, err := ps["ann"].ListGroupUsers(testContext(t), "red", "", 3, cursor)
		must(t, err)
		for _, u := range page.Users {
			all = append(all, u.UserID)
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(all) != "[ann bob bob cat]" {
		t.Fatalf("members %v, want [ann bob bob cat]", all)
	}
	page, err := ps["ann"].ListGroupUsers(testContext(t), "red", "bob", 1, "")
	must(t, err)
	first := page.Users
	page, err = ps["ann"].ListGroupUsers(testContext(t), "red", "bob", 1, page.Cursor)
	must(t, err)
	conns := []string{ps["bob"].ConnID(), bob2.ConnID()}
	if got := []string{first[0].ConnID, page.Users[0].ConnID}; len(page.Users) != 1 || page.Cursor != "" ||
		!(got[0] == conns[0] && got[1] == conns[1] || got[0] == conns[1] && got[1] == conns[0]) || got[0] > got[1] {
		t.Fatalf("bob's connections %v, last cursor %q; want %v in order, then no cursor", got, page.Cursor, conns)
	}
	page, err = ps["ann"].ListGroupUsers(testContext(t), "nowhere", "", 0, "")
	if err != nil || len(page.Users) != 0 {
		t.Fatalf("a group that does not exist: %v, %v; want no users", page, err)
	}
}

func TestGroupRequestsWithBadParametersAreRefused(t *testing.T) {
	cfg := relay.Config{}
	cfg.Groups.MaxDataBytes = 64
	s := startRelay(t, cfg)
	ann := connect(t, s, "ann")
	ctx := testContext(t)
	must(t, ann.JoinGroup(ctx, "red"))
	wantCode(t, ann.JoinGroup(ctx, strings.Repeat("g", 129)), protocol.CodeInvalidRequest)
	for name, q := range map[string]client.GroupQuery{
		"range and condition": {Value: "a", Range: "b", Condition: ">"},
		"condition, no value": {Condition: ">"},
		"range, no value":     {Range: "b"},
		"unknown condition":   {Value: "a", Condition: "like"},
		"int for a name":      {Value: 1},
		"string for users":    {By: protocol.SearchGroupUsers, Value: "1"},
		"limit over 100":      {Limit: 101},
		"bad users cursor":    {By: protocol.SearchGroupUsers, Cursor: "x"},
		"unknown search":      {By: 2},
	} {
		_, err := ann.ListGroups(ctx, &q)
		if wantCodeOK(err, protocol.CodeInvalidRequest) {
			continue
		}
		t.Fatalf("%s: got %v, want InvalidRequest", name, err)
	}
	_, err := ann.ListGroupUsers(ctx, "", "", 0, "")
	wantCode(t, err, protocol.CodeInvalidRequest)
	_, err = ann.ListGroupUsers(ctx, "red", "", 0, "short")
	wantCode(t, err, protocol.CodeInvalidRequest)
	_, err = ann.PostToGroup(ctx, "red", strings.Repeat("x", 100), nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	_, err = ann.PostToUser(ctx, "", "x", nil)
	wantCode(t, err, protocol.CodeInvalidRequest)
	_, err = ann.PostToUser(ctx, "ann", "x", &client.Notification{})
	wantCode(t, err, protocol.CodeInvalidRequest) // no title
	noMessage(ann)                                // and the session still works
}

func wantCodeOK(err error, code protocol.Code) bool {
	var re *protocol.Error
	return asError(err, &re) && re.Code == code
}

func TestPostFanOutIsCharged(t *testing.T) {
	cfg := relay.Config{}
	cfg.Groups.GroupDeliveryRate = 2
	s := startRelay(t, cfg)
	ps := joinGroups(t, s, map[string][]string{"red": {"ann", "bob", "cat"}})
	ctx := testContext(t)
	_, err := ps["ann"].PostToGroup(ctx, "red", "one", nil)
	must(t, err)
	_, err = ps["bob"].PostToGroup(ctx, "red", "two", nil) // the group's budget: 2 deliveries a second
	wantCode(t, err, protocol.CodeOperationLimitReached)
	if m := message(ps["bob"]); m.Data != "one" {
		t.Fatalf("bob got %v, want one", m.Data)
	}
	noMessage(ps["ann"]) // nothing of the refused post was delivered
	if m := message(ps["cat"]); m.Data != "one" {
		t.Fatalf("cat got %v, want one", m.Data)
	}
	noMessage(ps["cat"])

	cfg = relay.Config{}
	cfg.Groups.PostDeliveryRate = 3
	s = startRelay(t, cfg)
	ps = joinGroups(t, s, map[string][]string{"red": {"ann", "bob", "cat"}})
	_, err = ps["ann"].PostToGroup(ctx, "red", "one", nil)
	must(t, err)
	_, err = ps["ann"].PostToGroup(ctx, "red", "two", nil) // ann's budget: 3 deliveries a second
	wantCode(t, err, protocol.CodeOperationLimitReached)
	_, err = ps["bob"].PostToGroup(ctx, "red", "three", nil) // bob has his own
	must(t, err)
	if a, b := message(ps["cat"]), message(ps["cat"]); a.Data != "one" || b.Data != "three" {
		t.Fatalf("cat got %v, %v; want one, three", a.Data, b.Data)
	}
}

func TestGroupLimits(t *testing.T) {
	cfg := relay.Config{}
	cfg.Groups.MaxMembers, cfg.Groups.MaxGroups = 2, 2
	s := startRelay(t, cfg)
	ps := joinGroups(t, s, map[string][]string{"red": {"ann", "bob"}, "blue": {"cat"}})
	ctx := testContext(t)
	dan := connect(t, s, "dan")
	wantCode(t, dan.JoinGroup(ctx, "red"), protocol.CodeGroupFull)
	wantCode(t, dan.JoinGroup(ctx, "green"), protocol.CodeGroupLimitReached)
	must(t, ps["cat"].JoinGroup(ctx, "green")) // blue goes as green comes
	must(t, dan.JoinGroup(ctx, "green"))
	if got := groupList(t, dan, nil); got != "green:2 red:2" {
		t.Fatalf("groups %q, want green:2 red:2", got)
	}
}

func asError(err error, target **protocol.Error) bool { return errors.As(err, target) }
