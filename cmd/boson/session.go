package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
)

// leaveTimeout bounds the polite LeaveRoom before the client closes.
const leaveTimeout = 2 * time.Second

var errNotInRoom = errors.New("not in a room")

// session is a connected client that prints its events and runs the user's commands.
type session struct {
	cfg    *Config
	c      *client.Client
	m      *directmode.Mesh // the direct links, in rooms with direct mode
	out    *printer
	stderr io.Writer
	gone   chan struct{} // closed when the connection is gone
	// quiet suppresses the disconnected line while Run itself connects or closes.
	quiet atomic.Bool
}

// handle is the client's event handler: it prints the event.
func (s *session) handle(e client.Event) {
	if _, ok := e.(*client.DisconnectedEvent); ok {
		if !s.quiet.Load() {
			s.out.event(e)
		}
		close(s.gone)
		return
	}
	s.out.event(e)
}

// close leaves the room politely, so the others see a leave rather than a lost
// connection, then closes the client.
func (s *session) close() {
	s.quiet.Store(true)
	if s.c.Room() != nil {
		ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
		s.c.LeaveRoom(ctx, false) // best effort: the relay handles a close the same way
		cancel()
	}
	s.m.Close() // closes the client too
}

// loop runs the commands read from lines until ctx ends, lines ends, the user quits
// or the connection is gone, and returns the exit status.
func (s *session) loop(ctx context.Context, lines <-chan string) int {
	for {
		select {
		case <-ctx.Done():
			return exitOK
		case <-s.gone:
			return exitError
		case line, ok := <-lines:
			if !ok {
				return exitOK
			}
			if s.exec(ctx, line) {
				return exitOK
			}
		}
	}
}

// command runs one command of the input with its arguments.
type command func(s *session, ctx context.Context, args []string) error

var commands = map[string]command{
	"raise":                 (*session).raise,
	"set-room":              (*session).setRoom,
	"set-player":            (*session).setPlayer,
	"master":                (*session).master,
	"groups":                (*session).groups,
	"leave":                 (*session).leave,
	"create":                (*session).joinCmd,
	"join":                  (*session).joinCmd,
	"join-or-create":        (*session).joinCmd,
	"rejoin":                (*session).joinCmd,
	"send-direct":           (*session).sendDirect,
	"join-lobby":            (*session).joinLobby,
	"leave-lobby":           (*session).leaveLobby,
	"join-random":           (*session).joinRandom,
	"join-or-create-random": (*session).joinRandom,
	"find-friends":          (*session).findFriends,
	"room-list":             (*session).roomList,
	"web-rpc":               (*session).webRPC,

	// Message groups, user messages and Web Push (cmd/boson/groups.go).
	"join-group":       (*session).joinGroup,
	"leave-group":      (*session).leaveGroup,
	"post":             (*session).post,
	"list-groups":      (*session).listGroups,
	"group-users":      (*session).groupUsers,
	"push-key":         (*session).pushKey,
	"push-subscribe":   (*session).pushSubscribe,
	"push-unsubscribe": (*session).pushUnsubscribe,
	"push":             (*session).push,

	// Invitations and room status (cmd/boson/invitations.go).
	"invitations":  (*session).invitations,
	"decline":      (*session).decline,
	"dismiss":      (*session).dismiss,
	"room-status":  (*session).roomStatus,
	"report-peers": (*session).reportPeers,

	// Access control (cmd/boson/access.go).
	"approve":       (*session).approve,
	"reject":        (*session).approve,
	"set-type":      (*session).setType,
	"transfer":      (*session).transfer,
	"search-rooms":  (*session).searchRooms,
	"join-requests": (*session).joinRequests,
}

const help = `commands:
  raise <code> <text> [-unreliable] [-channel N] [-cache add|global|remove] [-to 1,2]
        [-receivers others|all|master] [-group N]
  set-room k=v ... [-expect k=v]
  set-player k=v ... [-actor N] [-expect k=v]
  master N [-expect M]
  groups [-add 1,2] [-remove 3|all]
  send-direct <text> [-to 1,2] [-unreliable] [-no-relay]
  leave [-come-back]
  create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode]
  join <room>
  join-or-create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode]
  rejoin <room>
  join-lobby [name] [-type default|sql|async]
  leave-lobby
  join-random [-lobby name] [-type t] [-expect k=v] [-max N] [-mode fill|serial|random] [-sql filter]
  join-or-create-random [same flags] [-room-max N]
  room-list '<sql filter>' [-lobby name]
  find-friends user1,user2
  web-rpc <path> [json] [-cookie]
` + groupsHelp + statusHelp + accessHelp + `  quit
`

// exec runs one line of input and reports whether the user quit. Errors are printed.
func (s *session) exec(ctx context.Context, line string) (quit bool) {
	words, err := splitWords(line)
	if err != nil {
		fmt.Fprintln(s.stderr, "error:", err)
		return false
	}
	if len(words) == 0 || strings.HasPrefix(words[0], "#") {
		return false
	}
	switch words[0] {
	case "quit", "exit":
		return true
	case "help":
		fmt.Fprint(s.stderr, help)
		return false
	}
	cmd := commands[words[0]]
	if cmd == nil {
		fmt.Fprintf(s.stderr, "error: unknown command %q (type \"help\")\n", words[0])
		return false
	}
	ctx, cancel := s.commandContext(ctx, words)
	defer cancel()
	if err := cmd(s, ctx, words); err != nil {
		fmt.Fprintln(s.stderr, "error:", err)
	}
	return false
}

// join runs a create, join, join-or-create or rejoin and prints the room joined.
func (s *session) join(ctx context.Context, jc *joinCommand) error {
	ctx, cancel := context.WithTimeout(ctx, jc.joinTimeout(s.cfg.Timeout))
	defer cancel()
	var r *client.Room
	var err error
	switch jc.mode {
	case "create":
		ro := jc.room
		r, err = s.c.CreateRoom(ctx, jc.name, &ro, &jc.join)
	case "join-or-create":
		ro := jc.room
		r, err = s.c.JoinOrCreateRoom(ctx, jc.name, &ro, &jc.join)
	case "rejoin":
		r, err = s.c.RejoinRoom(ctx, jc.name)
	case "lobby":
		l, lerr := jc.lobby.lobby()
		if lerr != nil {
			return lerr
		}
		if err = s.c.JoinLobby(ctx, l); err == nil {
			s.quiet.Store(false)
			s.out.line("in-lobby name="+word(l.Name), map[string]any{"type": "in-lobby", "lobby": l.Name, "lobby_type": int(l.Type)})
		}
		return err
	default:
		r, err = s.c.JoinRoom(ctx, jc.name, &jc.join)
	}
	if err != nil {
		return err
	}
	s.quiet.Store(false)
	if r != nil {
		s.out.joined(r)
	}
	s.m.Sync()
	return nil
}
