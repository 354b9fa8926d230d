package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/transport"
)

// waitFor bounds how long a test waits for one line of output.
const waitFor = 10 * time.Second

// startRelay runs a relay on a loopback port until the test ends and returns the
// global flags that reach it.
func startRelay(t *testing.T) (*relay.Server, []string) {
	t.Helper()
	id, _, err := handshake.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := relay.ListenUDP("127.0.0.1:0", &relay.Config{
		Transport: transport.ListenConfig{Identity: id, Workers: 1},
		Logger:    log,
	})
	if err != nil {
		t.Fatalf("relay.ListenUDP: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, []string{"-relay", srv.Addr().String(), "-fingerprint", srv.Fingerprint().String(), "-app", "test"}
}

// user is one run of the command line, fed and read through pipes.
type user struct {
	t      *testing.T
	name   string
	stdin  *io.PipeWriter
	lines  chan string // stdout
	stderr *syncBuffer
	done   chan int // the exit status
}

// startUser runs the CLI with args until the test ends (or it exits).
func startUser(t *testing.T, name string, args ...string) *user {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	u := &user{t: t, name: name, stdin: inW, lines: make(chan string, 100), stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		code := run(ctx, args, inR, outW, u.stderr)
		outW.Close()
		inR.Close() // ends the goroutine reading stdin
		u.done <- code
	}()
	go func() {
		defer close(u.lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			u.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		u.wait()
	})
	return u
}

// expect waits for a line of output equal to want, skipping others.
func (u *user) expect(want string) {
	u.t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case line, ok := <-u.lines:
			if !ok {
				u.t.Fatalf("%s: output ended before %q; stderr: %s", u.name, want, u.stderr)
			}
			if line == want {
				return
			}
			u.t.Logf("%s: %s", u.name, line)
		case <-timeout:
			u.t.Fatalf("%s: no line %q after %v; stderr: %s", u.name, want, waitFor, u.stderr)
		}
	}
}

// next returns the next line of output.
func (u *user) next() string {
	u.t.Helper()
	select {
	case line, ok := <-u.lines:
		if !ok {
			u.t.Fatalf("%s: output ended; stderr: %s", u.name, u.stderr)
		}
		return line
	case <-time.After(waitFor):
		u.t.Fatalf("%s: no output after %v; stderr: %s", u.name, waitFor, u.stderr)
		return ""
	}
}

// send writes one line to the user's standard input.
func (u *user) send(line string) {
	u.t.Helper()
	if _, err := io.WriteString(u.stdin, line+"\n"); err != nil {
		u.t.Fatalf("%s: write %q: %v", u.name, line, err)
	}
}

// wait returns the exit status, once the run is over.
func (u *user) wait() int {
	u.t.Helper()
	select {
	case code := <-u.done:
		u.done <- code // for a later wait
		return code
	case <-time.After(waitFor):
		u.t.Fatalf("%s: still running after %v", u.name, waitFor)
		return -1
	}
}

func TestTwoUsersMeetRaiseAndSetProperties(t *testing.T) {
	_, relayFlags := startRelay(t)
	alice := startUser(t, "alice", append(relayFlags, "-nick", "alice", "create", "lobby", "-max", "4")...)
	alice.expect("joined room=lobby actor=1 master=1 actors=1 created=true")
	bob := startUser(t, "bob", append(relayFlags, "-nick", "bob", "join", "lobby")...)
	bob.expect("joined room=lobby actor=2 master=1 actors=1,2 created=false")
	alice.expect("join actor=2 name=bob actors=1,2")

	bob.send("raise 5 hello world")
	alice.expect(`event code=5 from=2 channel=0 reliable=true data="hello world"`)
	bob.send(`set-room score=3 title="a b" ratio=0.5 on=true`)
	alice.expect(`props target=0 from=2 {"on":true,"ratio":0.5,"score":3,"title":"a b"}`)
	alice.send("master 2")
	bob.expect("master 2 (was 1)")
	alice.send("raise 7 to-master -receivers master -unreliable")
	bob.expect(`event code=7 from=1 channel=0 reliable=false data="to-master"`)

	bob.send("quit")
	if code := bob.wait(); code != exitOK {
		t.Errorf("bob quit: exit status %d, want 0; stderr: %s", code, bob.stderr)
	}
	alice.expect("leave actor=2 inactive=false actors=1")
	alice.expect("master 1 (was 2)")
	alice.stdin.Close() // end of input
	if code := alice.wait(); code != exitOK {
		t.Errorf("alice at end of input: exit status %d, want 0; stderr: %s", code, alice.stderr)
	}
}

func TestJoinErrorsExitWithStatus1(t *testing.T) {
	_, relayFlags := startRelay(t)
	full := startUser(t, "full", append(relayFlags, "-nick", "alone", "create", "full", "-max", "1")...)
	full.expect("joined room=full actor=1 master=1 actors=1 created=true")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing room", []string{"join", "nowhere"}, "error: relay: JoinRoom: GameDoesNotExist (32758): "},
		{"full room", []string{"join", "full"}, "error: relay: JoinRoom: GameFull (32765): "},
		{"taken name", []string{"create", "full"}, "error: relay: CreateRoom: GameIdAlreadyExists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append(relayFlags, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if code != exitError {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.HasPrefix(stderr.String(), tt.want) {
				t.Errorf("stderr: got %q, want it to start with %q", stderr.String(), tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: got %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRelayShutdownEndsTheRunWithStatus1(t *testing.T) {
	srv, relayFlags := startRelay(t)
	u := startUser(t, "u", append(relayFlags, "join-or-create", "r")...)
	u.expect("joined room=r actor=1 master=1 actors=1 created=true")
	srv.Close()
	line := u.next()
	if !strings.HasPrefix(line, "disconnected: ") || !strings.Contains(line, "shutting down") {
		t.Errorf("after the relay closed: got %q, want a disconnected line for the shutdown", line)
	}
	if code := u.wait(); code != exitError {
		t.Errorf("exit status %d, want 1", code)
	}
}

func TestJSONOutput(t *testing.T) {
	_, relayFlags := startRelay(t)
	a := startUser(t, "a", append(relayFlags, "-json", "-nick", "a", "join-or-create", "j")...)
	a.expect(`{"type":"joined","room":"j","actor":1,"master":1,"actors":[1],"created":true}`)
	b := startUser(t, "b", append(relayFlags, "-nick", "b b", "join-or-create", "j")...)
	b.expect(`joined room=j actor=2 master=1 actors=1,2 created=false`)
	a.expect(`{"type":"join","actor":2,"name":"b b","actors":[1,2]}`)
	b.send("raise 1 hi")
	a.expect(`{"type":"event","code":1,"from":2,"channel":0,"reliable":true,"data":"hi"}`)
	b.send("raise 250 reserved") // refused by the client: printed, not fatal
	b.send("set-player -actor 1 hp=10")
	a.expect(`{"type":"props","target":1,"from":2,"properties":{"hp":10}}`)
	if !strings.Contains(b.stderr.String(), "error: client: event code 250 is reserved") {
		t.Errorf("bob's stderr: got %q, want the refused event code", b.stderr)
	}
}

func TestUsageErrorsExitWithStatus2(t *testing.T) {
	fp := strings.Repeat("ab", 32)
	base := []string{"-relay", "127.0.0.1:9", "-fingerprint", fp, "-app", "x"}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", base, "missing command"},
		{"no app", []string{"-fingerprint", fp, "join", "r"}, "-app is required"},
		{"no fingerprint", []string{"-app", "x", "join", "r"}, "-fingerprint is required"},
		{"bad fingerprint", []string{"-app", "x", "-fingerprint", "zz", "join", "r"}, "-fingerprint"},
		{"bad auth type", append([]string{"-auth-type", "magic"}, base...), "-auth-type"},
		{"unknown command", append(base, "rooms"), `unknown command "rooms"`},
		{"no room", append(base, "join"), "usage: join <room>"},
		{"two rooms", append(base, "join", "a", "b"), "usage: join <room>"},
		{"bad option", append(base, "create", "r", "-max", "many"), "-max"},
		{"option of create", append(base, "join", "r", "-max", "2"), "-max"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), io.Discard, &stderr)
			if code != exitUsage {
				t.Errorf("exit status %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInviteAndAccept(t *testing.T) {
	_, relayFlags := startRelay(t)
	bob := startUser(t, "bob", append(relayFlags, "-user", "bob", "-nick", "bob", "lobby")...)
	bob.expect("in-lobby name=\"\"")
	alice := startUser(t, "alice", append(relayFlags, "-user", "alice", "-nick", "alice", "create", "r1", "-invite", "bob,carol")...)
	alice.expect("joined room=r1 actor=1 master=1 actors=1 created=true")
	bob.expect("invitation room=r1 status=ROOM_INVITING version=1 inviter=p_1 p_1:alice:JOINED:1 p_2:bob:INVITED p_3:carol:INVITED")
	bob.send("invitations")
	bob.expect("invitations 1")
	bob.send("join r1")
	bob.expect("joined room=r1 actor=2 master=1 actors=1,2 created=false")
	alice.expect("status room=r1 status=ROOM_INVITING version=2 inviter=p_1 p_1:alice:JOINED:1 p_2:bob:JOINED:2 p_3:carol:INVITED")
	carol := startUser(t, "carol", append(relayFlags, "-user", "carol", "-json", "lobby")...)
	carol.send("decline r1")
	carol.expect(`{"room":"r1","type":"declined"}`)
	alice.expect("status room=r1 status=ROOM_CONNECTING version=3 inviter=p_1 p_1:alice:JOINED:1 p_2:bob:JOINED:2 p_3:carol:DECLINED")
	alice.send("report-peers 2")
	bob.send("report-peers 1")
	bob.expect("status room=r1 status=ROOM_ACTIVE version=4 inviter=p_1 p_1:alice:JOINED:1:connected p_2:bob:JOINED:2:connected p_3:carol:DECLINED")
	bob.send("leave -reason game_left")
	alice.expect("status room=r1 status=ROOM_ACTIVE version=5 inviter=p_1 p_1:alice:JOINED:1:connected p_2:bob:LEFT:2:GAME_LEFT p_3:carol:DECLINED")
}
