package main

import "testing"

// TestJoinApprovalFromTheCommandLine: alice creates a room with join approval; bob's
// join waits (longer than bob's -timeout, thanks to -wait) until alice approves it.
func TestJoinApprovalFromTheCommandLine(t *testing.T) {
	_, relayFlags := startRelay(t)
	alice := startUser(t, "alice", append(relayFlags, "-nick", "alice", "-user", "alice", "create", "gated", "-approval", "-tags", "a,b")...)
	alice.expect("joined room=gated actor=1 master=1 actors=1 created=true")
	bob := startUser(t, "bob", append(relayFlags, "-nick", "bob", "-user", "bob", "join", "gated", "-wait", "30s")...)
	bob.expect("join-pending room=gated id=1")
	alice.expect("join-request id=1 user=bob name=bob as=user")
	alice.send("approve bob")
	bob.expect("joined room=gated actor=2 master=1 actors=1,2 created=false")
	alice.expect("join-decision id=1 user=bob approved=true by=1 outcome=approved")
	alice.send("set-type 2 moderator")
	bob.expect("user-type actor=2 type=moderator")
	carol := startUser(t, "carol", append(relayFlags, "-nick", "carol", "-user", "carol", "join", "gated", "-wait", "30s")...)
	carol.expect("join-pending room=gated id=2")
	alice.expect("join-request id=2 user=carol name=carol as=user")
	alice.send("reject -id 2")
	alice.expect("join-decision id=2 user=carol approved=false by=1 outcome=rejected")
	alice.send("search-rooms -tags b")
	alice.expect("search-end next=\"\"")
}
