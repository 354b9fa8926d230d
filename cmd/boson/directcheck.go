package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// directCheck is the direct-check command: can the players of a room reach each other
// directly, and how?
type directCheck struct {
	room     string
	peers    int // players to wait for, this one included
	mode     protocol.DirectMode
	messages int           // messages sent on each channel to each peer
	wait     time.Duration // bound on the whole check
}

func parseDirectCheck(words []string) (*directCheck, error) {
	dc := &directCheck{mode: protocol.DirectAllToOthers}
	fs := newFlagSet("direct-check")
	fs.IntVar(&dc.peers, "peers", 2, "players to wait for, this one included")
	fs.Var((*directModeValue)(&dc.mode), "direct", "direct mode of the room if this player creates it")
	fs.IntVar(&dc.messages, "messages", 20, "messages to send on each channel to each player")
	fs.DurationVar(&dc.wait, "wait", 30*time.Second, "bound on the whole check")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) != 1:
		return nil, errors.New("usage: direct-check <room> [-peers 2] [-direct all-to-others] [-messages 20] [-wait 30s]")
	case dc.peers < 2 || dc.messages < 1 || dc.wait <= 0:
		return nil, errors.New("direct-check: -peers must be at least 2, -messages at least 1, -wait positive")
	case dc.mode == protocol.DirectNone:
		return nil, errors.New("direct-check: -direct none checks nothing")
	}
	dc.room = pos[0]
	return dc, nil
}

// peerCheck is what one link showed.
type peerCheck struct {
	Type       string `json:"type"`
	Actor      int    `json:"actor"`
	Result     string `json:"result"` // direct, relayed (TURN) or failed
	Local      string `json:"local"`
	Remote     string `json:"remote"`
	SetupMS    int64  `json:"setup_ms"`
	Sent       int    `json:"sent"`
	Reliable   int    `json:"reliable"`   // messages received on the reliable channel
	Unreliable int    `json:"unreliable"` // and on the unreliable one
	Done       bool   `json:"done"`       // the player's last reliable message arrived
	Error      string `json:"error,omitempty"`
}

func (pc *peerCheck) ok(messages int) bool {
	return pc.Result != "failed" && pc.Reliable == messages && pc.Unreliable >= 1 && pc.Done
}

const doneMessage = "done"

// lingerTime is how long direct-check stays after the check, so that its own last
// messages reach the others before the links close.
const lingerTime = 300 * time.Millisecond

// RunDirectCheck joins (or creates) the room with direct mode, waits for dc.peers
// players, and checks the links to the ones the topology links to: each side sends
// dc.messages messages on each channel, then "done" on the reliable one. It prints a
// line per player and returns exitOK if every link came up and carried the messages.
func (c *Config) RunDirectCheck(ctx context.Context, dc *directCheck, out *printer, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, dc.wait)
	defer cancel()
	events := make(chan directmode.Event, 4096)
	joins := make(chan struct{}, 1)
	m, err := directmode.Dial(ctx, c.Relay, c.clientOptions(func(e client.Event) {
		out.event(e)
		select {
		case joins <- struct{}{}:
		default:
		}
	}), c.meshConfig(func(e directmode.Event) {
		if _, ok := e.(*directmode.MessageEvent); !ok {
			out.directEvent(e)
		}
		events <- e
	}))
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
	defer m.Close()
	r, err := m.Client().JoinOrCreateRoom(ctx, dc.room, &client.RoomOptions{DirectMode: dc.mode}, nil)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
	out.joined(r)
	m.Sync()
	targets, err := waitForPlayers(ctx, m.Client(), dc.peers, joins)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
	checks := exchange(ctx, m, dc, targets, events)
	status := exitOK
	for _, a := range targets {
		pc := checks[a]
		out.line(fmt.Sprintf("direct-check actor=%d result=%s local=%s remote=%s setup=%dms sent=%d reliable=%d unreliable=%d done=%t%s",
			a, pc.Result, pc.Local, pc.Remote, pc.SetupMS, pc.Sent, pc.Reliable, pc.Unreliable, pc.Done, errText(pc.Error)), pc)
		if !pc.ok(dc.messages) {
			status = exitError
		}
	}
	time.Sleep(lingerTime) // let the last messages, our "done" among them, leave
	leave, cancelLeave := context.WithTimeout(context.Background(), leaveTimeout)
	m.Client().LeaveRoom(leave, false)
	cancelLeave()
	return status
}

func errText(s string) string {
	if s == "" {
		return ""
	}
	return " error=" + fmt.Sprintf("%q", s)
}

// waitForPlayers waits until the room has n active players and returns the ones the
// topology links this player to.
func waitForPlayers(ctx context.Context, c *client.Client, n int, joins <-chan struct{}) ([]int, error) {
	for {
		r := c.Room()
		if r == nil {
			return nil, errors.New("direct-check: not in the room any more")
		}
		active := activeActors(r)
		if len(active) >= n {
			var out []int
			for _, a := range active {
				linked := r.DirectMode == protocol.DirectAllToOthers || r.DirectMode == protocol.DirectAllToAll ||
					r.ActorNr == r.Master || a == r.Master
				if a != r.ActorNr && linked {
					out = append(out, a)
				}
			}
			return out, nil
		}
		select {
		case <-joins:
		case <-ctx.Done():
			return nil, fmt.Errorf("direct-check: %d of %d players in the room: %w", len(active), n, ctx.Err())
		}
	}
}

// exchange waits for the links to targets, sends the messages over the ones that came
// up, and counts what arrives until every player said done or ctx ends.
func exchange(ctx context.Context, m *directmode.Mesh, dc *directCheck, targets []int, events <-chan directmode.Event) map[int]*peerCheck {
	checks := map[int]*peerCheck{}
	for _, a := range targets {
		checks[a] = &peerCheck{Type: "direct-check", Actor: a, Result: "failed"}
	}
	sent := false
	for {
		if !sent && allSettled(checks) {
			sendProbes(m, dc, checks)
			sent = true
		}
		if sent && allDone(checks) {
			return checks
		}
		select {
		case e := <-events:
			record(checks, e)
		case <-ctx.Done():
			for _, pc := range checks {
				if pc.Error == "" && !pc.Done {
					pc.Error = "timed out"
				}
			}
			return checks
		}
	}
}

// record notes one mesh event in the checks.
func record(checks map[int]*peerCheck, e directmode.Event) {
	switch e := e.(type) {
	case *directmode.EstablishedEvent:
		if pc := checks[e.Actor]; pc != nil && pc.Result == "failed" {
			pc.Result, pc.Local, pc.Remote, pc.SetupMS = "direct", e.Local, e.Remote, e.SetupTime.Milliseconds()
			if e.Relayed {
				pc.Result = "relayed"
			}
			pc.Error = ""
		}
	case *directmode.FailedEvent:
		if pc := checks[e.Actor]; pc != nil && pc.Result == "failed" {
			pc.Error = e.Err.Error()
		}
	case *directmode.MessageEvent:
		pc := checks[e.From]
		switch {
		case pc == nil || e.ViaRelay:
		case e.Reliable && string(e.Data) == doneMessage:
			pc.Done = true
		case e.Reliable:
			pc.Reliable++
		default:
			pc.Unreliable++
		}
	}
}

// allSettled says every link came up (failures wait for the deadline, in case ICE
// gets there).
func allSettled(checks map[int]*peerCheck) bool {
	for _, pc := range checks {
		if pc.Result == "failed" {
			return false
		}
	}
	return true
}

func allDone(checks map[int]*peerCheck) bool {
	for _, pc := range checks {
		if !pc.Done {
			return false
		}
	}
	return true
}

// sendProbes sends dc.messages messages on each channel to every target, pacing the
// unreliable ones, then "done".
func sendProbes(m *directmode.Mesh, dc *directCheck, checks map[int]*peerCheck) {
	targets := slices.Sorted(func(yield func(int) bool) {
		for a := range checks {
			if !yield(a) {
				return
			}
		}
	})
	for i := range dc.messages {
		for _, reliable := range []bool{true, false} {
			if err := m.SendDirect(fmt.Appendf(nil, "probe %d", i), targets, reliable, false); err != nil {
				for _, pc := range checks {
					pc.Error = err.Error()
				}
			}
		}
		time.Sleep(2 * time.Millisecond) // a game's pace, not a burst
	}
	for _, pc := range checks {
		pc.Sent = dc.messages
	}
	if err := m.SendDirect([]byte(doneMessage), targets, true, false); err != nil {
		for _, pc := range checks {
			pc.Error = err.Error()
		}
	}
}
