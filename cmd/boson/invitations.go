package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

const statusHelp = `  create <room> [-invite u1,u2] [-auto-min N -auto-max N] [-auto-mask N] [-variant N]
        a room that tracks its status; room '*' with -auto-min/-auto-max and no -invite
        is a match request: it joins a waiting room of the same criteria or creates one
  invitations
  decline <room>
  dismiss <room>
  room-status [room]
  report-peers 1,2
  leave [-come-back] [-reason PLAYER_LEFT|GAME_LEFT|ABANDONED|PEER_CONNECTION_FAILURE|SERVER_ERROR|TIMEOUT]
`

// statusJoinFlags are the create flags of invitations and auto-matching, kept as
// text until the command line is parsed.
// Its fields are exported only so that go-cmp compares them in tests.
type statusJoinFlags struct {
	Invite                  string
	Min, Max, Mask, Variant int64
}

func (jc *joinCommand) statusFlags(fs *flag.FlagSet) {
	f := &jc.status
	fs.StringVar(&f.Invite, "invite", "", "user ids to invite, comma-separated")
	fs.Int64Var(&f.Min, "auto-min", 0, "auto-matched players at least")
	fs.Int64Var(&f.Max, "auto-max", 0, "auto-matched players at most (default: -auto-min)")
	fs.Int64Var(&f.Mask, "auto-mask", 0, "exclusive bitmask")
	fs.Int64Var(&f.Variant, "variant", 0, "game variant")
}

func (jc *joinCommand) finishStatusFlags() error {
	f := &jc.status
	if f.Invite != "" {
		jc.room.Invitees = strings.Split(f.Invite, ",")
	}
	if f.Max == 0 {
		f.Max = f.Min
	}
	if f.Min != 0 || f.Max != 0 {
		jc.room.AutoMatch = &client.AutoMatch{Min: int(f.Min), Max: int(f.Max), ExclusiveBitmask: f.Mask, Variant: int(f.Variant)}
	} else if f.Mask != 0 || f.Variant != 0 {
		return errors.New("-auto-mask and -variant need -auto-min")
	}
	if jc.name == "*" {
		if jc.mode != "create" {
			return errors.New("room '*' (a match request or a random name) is for create")
		}
		jc.name = ""
	}
	return nil
}

func (s *session) invitations(ctx context.Context, words []string) error {
	if len(words) != 1 {
		return errors.New("usage: invitations")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	list, err := s.c.ListInvitations(ctx)
	if err != nil {
		return err
	}
	for _, st := range list {
		s.out.roomStatus("invited", st)
	}
	s.out.line(fmt.Sprintf("invitations %d", len(list)), map[string]any{"type": "invitations", "count": len(list)})
	return nil
}

func (s *session) decline(ctx context.Context, words []string) error {
	return s.answer(ctx, words, s.c.DeclineInvitation)
}

func (s *session) dismiss(ctx context.Context, words []string) error {
	return s.answer(ctx, words, s.c.DismissInvitation)
}

func (s *session) answer(ctx context.Context, words []string, f func(context.Context, string) error) error {
	if len(words) != 2 {
		return fmt.Errorf("usage: %s <room>", words[0])
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := f(ctx, words[1]); err != nil {
		return err
	}
	s.out.line(words[0]+"d room="+word(words[1]), map[string]any{"type": words[0] + "d", "room": words[1]})
	return nil
}

func (s *session) roomStatus(ctx context.Context, words []string) error {
	if len(words) > 2 {
		return errors.New("usage: room-status [room]")
	}
	room := ""
	if len(words) == 2 {
		room = words[1]
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	st, err := s.c.GetRoomStatus(ctx, room)
	if err != nil {
		return err
	}
	s.out.roomStatus("room-status", st)
	return nil
}

func (s *session) reportPeers(ctx context.Context, words []string) error {
	var l intList
	if len(words) > 2 {
		return errors.New("usage: report-peers 1,2 (no list: none)")
	}
	if len(words) == 2 {
		if err := l.Set(words[1]); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	return s.c.ReportPeerStatus(ctx, "", l)
}

// leaveReason parses the -reason of leave ("": none).
func leaveReason(s string) (protocol.LeaveReason, error) {
	r := protocol.LeaveReason(strings.ToUpper(s))
	switch r {
	case "", protocol.LeavePlayerLeft, protocol.LeaveGameLeft, protocol.LeaveAbandoned,
		protocol.LeavePeerConnectionFailure, protocol.LeaveServerError, protocol.LeaveTimeout:
		return r, nil
	}
	return "", fmt.Errorf("unknown leave reason %q", s)
}

// statusEvent prints invitation and room status events; it reports whether e was one.
func (p *printer) statusEvent(e client.Event) bool {
	switch e := e.(type) {
	case *client.InvitationEvent:
		p.roomStatus("invitation", e.Status)
	case *client.RoomStatusEvent:
		p.roomStatus("status", e.Status)
	default:
		return false
	}
	return true
}

// roomStatus prints a room status as one line: what, the room, its stage and
// version, then each participant as id:user:status[:actor][:connected][:reason].
func (p *printer) roomStatus(what string, st *client.RoomStatus) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s room=%s status=%s version=%d", what, word(st.Room), st.Status, st.Version)
	if st.InviterID != "" {
		fmt.Fprintf(&b, " inviter=%s", st.InviterID)
	}
	if st.WaitEstimate > 0 {
		fmt.Fprintf(&b, " wait=%s", st.WaitEstimate)
	}
	for _, pt := range st.Participants {
		fmt.Fprintf(&b, " %s:%s:%s", pt.ID, word(pt.UserID), strings.TrimPrefix(string(pt.Status), "PARTICIPANT_"))
		if pt.ActorNr != 0 {
			fmt.Fprintf(&b, ":%d", pt.ActorNr)
		}
		if pt.Connected {
			b.WriteString(":connected")
		}
		if pt.LeaveReason != "" {
			fmt.Fprintf(&b, ":%s", pt.LeaveReason)
		}
	}
	p.line(b.String(), struct {
		Type string `json:"type"`
		*client.RoomStatus
	}{what, st})
}
