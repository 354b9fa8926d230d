// Boson is a command-line client for a Boson relay: it connects, creates or joins a
// room, prints every event that arrives, one line each, and runs the commands it reads
// from standard input. It is for trying a relay out, for scripts and for debugging.
//
// Usage:
//
//	boson -relay 127.0.0.1:7350 -fingerprint sha256:... -app myapp [-app-version v]
//	      [-user id] [-nick name] [-auth-type none|custom|steam|...] [-auth-params q]
//	      [-auth-data s] [-json] [-timeout 10s] [-direct-loopback] <command> [args]
//
// Commands:
//
//	create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode] [...]
//	join <room> [-key K] [-as user|moderator|owner] [-wait 5m]
//	join-or-create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode]
//	direct-check <room> [-peers 2] [-direct all-to-others] [-messages 20] [-wait 30s]
//	lobby [name] [-type default|sql|async]
//
// create and join-or-create also take -lobby name and -lobby-type default|sql|async (the
// lobby the room is listed in). lobby stays in a lobby, printing its room list and
// updates, until a command joins a room.
//
// -direct sets the room's direct mode (none, all-to-others, master-to-others,
// all-to-all, master-to-all): the players then open WebRTC links to each other (see
// package directmode), signalled through the relay and helped by its STUN/TURN.
//
// direct-check answers "can the players of this room reach each other directly?": it
// joins (or creates) the room, waits for -peers players, sends -messages messages on
// each data channel of each link and counts what arrives, then prints one line per
// player and exits with status 0 if every link came up and carried the messages:
//
//	direct-check actor=2 result=direct local=host remote=prflx setup=1230ms sent=20 reliable=20 unreliable=20 done=true
//
// (result is direct, relayed through TURN, or failed). The NAT-traversal harness in
// testdata/natlab runs it on both sides of two NATs.
//
// Each of create, join and join-or-create joins the room and stays in it until SIGINT or the end of standard input,
// printing the events. While it runs, each line of standard input is a command:
//
//	raise <code> <text> [-unreliable] [-channel N] [-cache add|global|remove] [-to 1,2]
//	      [-receivers others|all|master] [-group N]
//	send-direct <text> [-to 1,2] [-unreliable] [-no-relay]
//	join-lobby [name] [-type default|sql|async] | leave-lobby
//	join-random [-lobby name] [-type t] [-expect k=v] [-max N] [-mode fill|serial|random] [-sql filter]
//	join-or-create-random [the same] [-room-max N]
//	room-list "<sql filter>" [-lobby name]
//	find-friends user1,user2
//	web-rpc <path> [json] [-cookie]
//	join-group <name> | leave-group
//	post (-to <user> | -group <name>) <text> [-title T -body B [-always]]
//	list-groups [-by name|users] [-cond op] [value] [-range X] [-limit N] [-cursor C]
//	group-users <group> [-user U] [-limit N] [-cursor C]
//	push-key | push-subscribe|push-unsubscribe <endpoint> <p256dh> <auth> | push -title T -body B [user,...]
//	set-room k=v ... [-expect k=v]
//	set-player k=v ... [-actor N] [-expect k=v]
//	master N [-expect M]
//	groups [-add 1,2] [-remove 3|all]
//	leave [-come-back]
//	create|join|join-or-create|rejoin <room> ...
//	quit
//
// Words may be quoted with ' or ". Property values are read as an integer, a float,
// true or false, null (deletes the key where the room allows it), or else a string.
//
// Output is one line per event, stable for scripts:
//
//	joined room=lobby actor=1 master=1 actors=1 created=true
//	join actor=2 name=bob actors=1,2
//	event code=5 from=1 channel=0 reliable=true data="hello"
//	props target=0 from=1 {"k":1}
//	master 2 (was 1)
//	error OperationLimitReached: too many events
//	leave actor=2 inactive=false actors=1
//	cache-slice 3
//	left room=lobby
//	disconnected: <reason>
//	direct up actor=2 via=host/prflx relayed=false setup=1.23s
//	direct failed actor=2: <reason>
//	direct closed actor=2
//	direct-message from=2 reliable=true relay=false data="hello"
//	room-list lobby="" room=arena open=true players=1/4 removed=false {"map":"docks"}
//	app-stats in-rooms=3 outside=1 rooms=1
//	friend ada online=true room=arena
//	message from=ada conn=0f3c9a7e12b4d560 group=chat data="hello" [title=T body=B always=false]
//	groups cursor="" chat=2 lobby=5
//
// With -json each line is a JSON object with a "type" field instead. Errors go to
// standard error as "error: ...". A failed connection or join, or a disconnection by
// the relay, exits with status 1; a usage error with status 2.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
