package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// joinCommand is a create, join, join-or-create or rejoin.
type joinCommand struct {
	mode   string
	name   string
	room   client.RoomOptions // for create and join-or-create
	join   client.JoinOptions // for every join
	lobby  lobbyFlags         // for lobby
	status statusJoinFlags    // invitation and auto-matching flags, as text
	access accessJoinFlags    // access control flags, as text
}

// parseJoin parses a join command: words[0] is the command, then the room name and,
// for the commands that may create the room, its options.
func parseJoin(words []string) (*joinCommand, error) {
	jc := &joinCommand{mode: words[0]}
	fs := newFlagSet(jc.mode)
	switch jc.mode {
	case "create", "join-or-create":
		fs.IntVar(&jc.room.MaxPlayers, "max", 0, "max players (0: the relay's limit)")
		fs.BoolVar(&jc.room.Hidden, "hidden", false, "not listed in lobbies")
		fs.Var((*ttlValue)(&jc.room.PlayerTTL), "ttl", "how long a player who left may rejoin (forever: no limit)")
		fs.DurationVar(&jc.room.EmptyRoomTTL, "empty-ttl", 0, "how long the room outlives its last player")
		fs.Var((*directModeValue)(&jc.room.DirectMode), "direct", "direct mode: none, all-to-others, master-to-others, all-to-all, master-to-all")
		fs.StringVar(&jc.lobby.name, "lobby", "", "lobby the room is listed in")
		fs.StringVar(&jc.lobby.typ, "lobby-type", "default", "its type: default, sql or async")
		jc.statusFlags(fs)
		jc.accessFlags(fs)
		jc.joinAccessFlags(fs)
	case "join":
		jc.joinAccessFlags(fs)
	case "rejoin":
	case "lobby":
		fs.StringVar(&jc.lobby.typ, "type", "default", "lobby type: default, sql or async")
	default:
		return nil, fmt.Errorf("unknown command %q (want create, join, join-or-create or lobby)", jc.mode)
	}
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return nil, err
	}
	if jc.mode == "lobby" && len(pos) <= 1 {
		if len(pos) == 1 {
			jc.lobby.name = pos[0]
		}
		return jc, nil
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("usage: %s <room> [options]", jc.mode)
	}
	jc.name = pos[0]
	if jc.mode == "create" || jc.mode == "join-or-create" {
		l, err := jc.lobby.lobby()
		if err != nil {
			return nil, err
		}
		jc.room.LobbyName, jc.room.LobbyType = l.Name, int(l.Type)
		if err := jc.finishStatusFlags(); err != nil {
			return nil, err
		}
		if err := jc.finishAccessFlags(); err != nil {
			return nil, err
		}
	}
	if err := jc.finishJoinAccessFlags(); err != nil {
		return nil, err
	}
	return jc, nil
}

// joinCmd runs a create, join, join-or-create or rejoin read from the input.
func (s *session) joinCmd(ctx context.Context, words []string) error {
	jc, err := parseJoin(words)
	if err != nil {
		return err
	}
	return s.join(ctx, jc)
}

// raise: raise <code> <text> [options].
func (s *session) raise(_ context.Context, words []string) error {
	var o client.EventOptions
	var cache, receivers string
	var to intList
	var group uint
	fs := newFlagSet("raise")
	fs.BoolVar(&o.Unreliable, "unreliable", false, "")
	fs.IntVar(&o.Channel, "channel", 0, "")
	fs.StringVar(&cache, "cache", "", "")
	fs.Var(&to, "to", "")
	fs.StringVar(&receivers, "receivers", "others", "")
	fs.UintVar(&group, "group", 0, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("usage: raise <code> <text> [-unreliable] [-channel N] [-cache add|global|remove] [-to 1,2] [-receivers others|all|master] [-group N]")
	}
	code, err := strconv.ParseUint(pos[0], 10, 8)
	if err != nil {
		return fmt.Errorf("event code %q: want 0 to %d", pos[0], protocol.MaxCustomEventCode)
	}
	if o.Caching, err = parseCaching(cache); err != nil {
		return err
	}
	if o.Receivers, err = parseReceivers(receivers); err != nil {
		return err
	}
	if group > 255 {
		return fmt.Errorf("-group %d: want 0 to 255", group)
	}
	o.InterestGroup, o.TargetActors = uint8(group), to
	return s.c.RaiseEvent(uint8(code), []byte(strings.Join(pos[1:], " ")), &o)
}

func parseCaching(s string) (protocol.Caching, error) {
	switch s {
	case "", "none":
		return protocol.DoNotCache, nil
	case "add":
		return protocol.AddToRoomCache, nil
	case "global":
		return protocol.AddToRoomCacheGlobal, nil
	case "remove":
		return protocol.RemoveFromRoomCache, nil
	}
	return 0, fmt.Errorf("-cache %q: want add, global or remove", s)
}

func parseReceivers(s string) (protocol.Receivers, error) {
	switch s {
	case "others":
		return protocol.ReceiversOthers, nil
	case "all":
		return protocol.ReceiversAll, nil
	case "master":
		return protocol.ReceiversMaster, nil
	}
	return 0, fmt.Errorf("-receivers %q: want others, all or master", s)
}

// setRoom: set-room k=v ... [-expect k=v].
func (s *session) setRoom(ctx context.Context, words []string) error {
	props, expected, _, err := parseProps(words, false)
	if err != nil {
		return err
	}
	return s.c.SetRoomProperties(ctx, props, expected)
}

// setPlayer: set-player k=v ... [-actor N] [-expect k=v]; the actor is the user's own
// by default.
func (s *session) setPlayer(ctx context.Context, words []string) error {
	props, expected, actor, err := parseProps(words, true)
	if err != nil {
		return err
	}
	if actor == 0 {
		r := s.c.Room()
		if r == nil {
			return errNotInRoom
		}
		actor = r.ActorNr
	}
	return s.c.SetPlayerProperties(ctx, actor, props, expected)
}

// parseProps parses k=v pairs and the -expect (and, withActor, -actor) options.
func parseProps(words []string, withActor bool) (props, expected map[string]any, actor int, err error) {
	var exp propsValue
	fs := newFlagSet(words[0])
	fs.Var(&exp, "expect", "")
	if withActor {
		fs.IntVar(&actor, "actor", 0, "")
	}
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return nil, nil, 0, err
	}
	if len(pos) == 0 {
		return nil, nil, 0, fmt.Errorf("usage: %s k=v ... [-expect k=v]", words[0])
	}
	var pv propsValue
	for _, p := range pos {
		if err := pv.Set(p); err != nil {
			return nil, nil, 0, err
		}
	}
	return pv, exp, actor, nil
}

// master: master N [-expect M].
func (s *session) master(ctx context.Context, words []string) error {
	var expected int
	fs := newFlagSet("master")
	fs.IntVar(&expected, "expect", 0, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: master N [-expect M]")
	}
	actor, err := strconv.Atoi(pos[0])
	if err != nil {
		return fmt.Errorf("actor %q: want a number", pos[0])
	}
	return s.c.SetMasterClient(ctx, actor, expected)
}

// groups: groups [-add 1,2] [-remove 3|all].
func (s *session) groups(ctx context.Context, words []string) error {
	var add, remove groupList
	fs := newFlagSet("groups")
	fs.Var(&add, "add", "")
	fs.Var(&remove, "remove", "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 || (add.list == nil && remove.list == nil) {
		return errors.New("usage: groups [-add 1,2] [-remove 3|all]")
	}
	return s.c.ChangeGroups(ctx, remove.list, add.list)
}

// leave: leave [-come-back].
func (s *session) leave(ctx context.Context, words []string) error {
	var comeBack bool
	var why string
	fs := newFlagSet("leave")
	fs.BoolVar(&comeBack, "come-back", false, "")
	fs.StringVar(&why, "reason", "", "") // invitations.go
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	reason, err := leaveReason(why)
	if err != nil || len(pos) > 0 {
		return errors.Join(err, errors.New("usage: leave [-come-back] [-reason R]"))
	}
	r := s.c.Room()
	if r == nil {
		return errNotInRoom
	}
	if reason == "" {
		err = s.c.LeaveRoom(ctx, comeBack)
	} else {
		err = s.c.LeaveRoomWithReason(ctx, comeBack, reason)
	}
	if err != nil {
		return err
	}
	s.out.left(r.Name)
	return nil
}

// newFlagSet returns a silent flag set: errors are returned, not printed.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
