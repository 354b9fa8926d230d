package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// expectPrefix waits for a line of output starting with prefix and returns it.
func (u *user) expectPrefix(prefix string) string {
	u.t.Helper()
	for {
		line := u.next()
		if strings.HasPrefix(line, prefix) {
			return line
		}
		u.t.Logf("%s: %s", u.name, line)
	}
}

func TestSendDirectGoesOverTheDirectLink(t *testing.T) {
	_, flags := startRelay(t)
	a := startUser(t, "a", append(flags, "-direct-loopback", "join-or-create", "duel", "-direct", "all-to-others")...)
	a.expect("joined room=duel actor=1 master=1 actors=1 created=true")
	b := startUser(t, "b", append(flags, "-direct-loopback", "join-or-create", "duel")...)
	b.expect("joined room=duel actor=2 master=1 actors=1,2 created=false")
	a.expectPrefix("direct up actor=2 via=host/host relayed=false")
	b.expectPrefix("direct up actor=1 via=host/host relayed=false")
	a.send("send-direct hello")
	b.expect(`direct-message from=1 reliable=true relay=false data="hello"`)
	b.send("send-direct 'hi back' -unreliable -to 1")
	a.expect(`direct-message from=2 reliable=false relay=false data="hi back"`)
}

func TestDirectCheckReportsEachLink(t *testing.T) {
	_, flags := startRelay(t)
	check := append(flags, "-direct-loopback", "-json", "direct-check", "probe", "-peers", "2", "-messages", "5", "-wait", "8s")
	a := startUser(t, "a", check...)
	a.expectPrefix(`{"type":"joined"`)
	b := startUser(t, "b", check...)
	for _, u := range []*user{a, b} {
		line := u.expectPrefix(`{"type":"direct-check"`)
		var pc peerCheck
		if err := json.Unmarshal([]byte(line), &pc); err != nil {
			t.Fatalf("%s: %q: %v", u.name, line, err)
		}
		if pc.Result != "direct" || pc.Sent != 5 || pc.Reliable != 5 || pc.Unreliable < 1 || !pc.Done {
			t.Errorf("%s: %+v, want a direct link that carried 5 reliable messages and some unreliable ones", u.name, pc)
		}
		if code := u.wait(); code != exitOK {
			t.Errorf("%s: exit status %d, want 0; stderr: %s", u.name, code, u.stderr)
		}
	}
}

func TestLobbyRandomJoinAndFriendsFromTheCommandLine(t *testing.T) {
	_, flags := startRelay(t)
	host := startUser(t, "host", append(flags, "-user", "host", "join-or-create", "arena", "-max", "4")...)
	host.expect("joined room=arena actor=1 master=1 actors=1 created=true")
	watcher := startUser(t, "watcher", append(flags, "-user", "watcher", "lobby")...)
	watcher.expect(`room-list lobby="" room=arena open=true players=1/4 removed=false null`)
	watcher.send("find-friends host,nobody")
	watcher.expect(`friend host online=true room=""`)
	watcher.expect(`friend nobody online=false room=""`)
	watcher.send("join-random -mode serial")
	watcher.expect("joined room=arena actor=2 master=1 actors=1,2 created=false")
}

func TestSQLRoomListFromTheCommandLine(t *testing.T) {
	_, flags := startRelay(t)
	host := startUser(t, "host", append(flags, "create", "ranked-1", "-max", "4", "-lobby", "ranked", "-lobby-type", "sql")...)
	host.expect("joined room=ranked-1 actor=1 master=1 actors=1 created=true")
	host.send("set-room C0=450 C1=docks")
	host.expect(`props target=0 from=1 {"C0":450,"C1":"docks"}`)
	asker := startUser(t, "asker", append(flags, "lobby", "ranked", "-type", "sql")...)
	asker.expect("in-lobby name=ranked")
	asker.send(`room-list "C0 BETWEEN 400 AND 500 AND C1 = 'docks'" -lobby ranked`)
	asker.expect("room-list lobby=ranked room=ranked-1 open=true players=1/4 removed=false null")
	asker.send(`room-list "C0 = 1 OR DROP" -lobby ranked`)
	asker.send("find-friends nobody") // a marker: errors go to stderr
	asker.expect(`friend nobody online=false room=""`)
	if !strings.Contains(asker.stderr.String(), "forbidden word DROP") {
		t.Errorf("stderr %q, want the forbidden word refused", asker.stderr)
	}
}
