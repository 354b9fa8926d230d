package main

import (
	"regexp"
	"testing"
)

func TestGroupMessagesFromTheCommandLine(t *testing.T) {
	_, flags := startRelay(t)
	ann := startUser(t, "ann", append(flags, "-user", "ann", "lobby")...)
	ann.expect(`room-list lobby="" empty`)
	bob := startUser(t, "bob", append(flags, "-json", "-user", "bob", "lobby")...)
	bob.expect(`{"rooms":[],"type":"room-list"}`)
	ann.send("join-group chat")
	ann.expect("group chat")
	bob.send("join-group chat")
	bob.expect(`{"type":"group","group":"chat"}`)
	bob.send(`post -group chat "hello there"`)
	bob.expect(`{"type":"posted","pushed":0}`)
	ann.expectMatch(`^message from=bob conn=[0-9a-f]{16} group=chat data="hello there"$`)
	ann.send("post -to bob hi")
	ann.expect("posted pushed=0")
	bob.expectMatch(`^\{"type":"message","from":"ann","conn":"[0-9a-f]{16}","group":"","data":"hi"\}$`)
	ann.send("list-groups -by users 2")
	ann.expect(`groups cursor="" chat=2`)
	ann.send("group-users chat -user bob")
	ann.expectMatch(`^group-users group=chat cursor="" bob/[0-9a-f]{16}$`)
	ann.send("leave-group")
	ann.expect(`group ""`)
	bob.send(`post -group chat "anyone?"`)
	bob.expect(`{"type":"posted","pushed":0}`)
	ann.send("list-groups")
	ann.expect(`groups cursor="" chat=1`)
	ann.send("push-key")
	ann.send("post -to nobody x")
	ann.send("quit")
	ann.wait()
	for _, want := range []string{"error: relay: PushKey: PushUnavailable", "error: relay: Post: UserOffline"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(ann.stderr.String()) {
			t.Errorf("ann's stderr %q, want %q", ann.stderr, want)
		}
	}
}

// expectMatch waits for a line of output matching the regular expression re.
func (u *user) expectMatch(re string) {
	u.t.Helper()
	r := regexp.MustCompile(re)
	for {
		line := u.next()
		if r.MatchString(line) {
			return
		}
		u.t.Logf("%s: %s", u.name, line)
	}
}
