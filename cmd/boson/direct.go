package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

// directModes are the -direct flag's values.
var directModes = map[string]protocol.DirectMode{
	"none":             protocol.DirectNone,
	"all-to-others":    protocol.DirectAllToOthers,
	"master-to-others": protocol.DirectMasterToOthers,
	"all-to-all":       protocol.DirectAllToAll,
	"master-to-all":    protocol.DirectMasterToAll,
}

// directModeValue is a flag naming a direct mode.
type directModeValue protocol.DirectMode

func (d *directModeValue) String() string {
	for name, m := range directModes {
		if m == protocol.DirectMode(*d) {
			return name
		}
	}
	return "none"
}

func (d *directModeValue) Set(s string) error {
	m, ok := directModes[s]
	if !ok {
		return fmt.Errorf("%q: want none, all-to-others, master-to-others, all-to-all or master-to-all", s)
	}
	*d = directModeValue(m)
	return nil
}

// sendDirect: send-direct <text> [-to 1,2] [-unreliable] [-no-relay].
func (s *session) sendDirect(_ context.Context, words []string) error {
	var to intList
	var unreliable, noRelay bool
	fs := newFlagSet("send-direct")
	fs.Var(&to, "to", "")
	fs.BoolVar(&unreliable, "unreliable", false, "")
	fs.BoolVar(&noRelay, "no-relay", false, "")
	pos, err := parseArgs(fs, words[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: send-direct <text> [-to 1,2] [-unreliable] [-no-relay]")
	}
	return s.m.SendDirect([]byte(pos[0]), to, !unreliable, !noRelay)
}

// directEvent prints one event of the mesh.
func (p *printer) directEvent(e directmode.Event) {
	switch e := e.(type) {
	case *directmode.EstablishedEvent:
		p.line(fmt.Sprintf("direct up actor=%d via=%s/%s relayed=%t setup=%v", e.Actor, e.Local, e.Remote, e.Relayed, e.SetupTime.Round(time.Millisecond)),
			struct {
				Type    string `json:"type"`
				Actor   int    `json:"actor"`
				Local   string `json:"local"`
				Remote  string `json:"remote"`
				Relayed bool   `json:"relayed"`
				SetupMS int64  `json:"setup_ms"`
			}{"direct-up", e.Actor, e.Local, e.Remote, e.Relayed, e.SetupTime.Milliseconds()})
	case *directmode.FailedEvent:
		p.line(fmt.Sprintf("direct failed actor=%d: %v", e.Actor, e.Err), struct {
			Type  string `json:"type"`
			Actor int    `json:"actor"`
			Error string `json:"error"`
		}{"direct-failed", e.Actor, e.Err.Error()})
	case *directmode.ClosedEvent:
		p.line(fmt.Sprintf("direct closed actor=%d", e.Actor), struct {
			Type  string `json:"type"`
			Actor int    `json:"actor"`
		}{"direct-closed", e.Actor})
	case *directmode.MessageEvent:
		p.line(fmt.Sprintf("direct-message from=%d reliable=%t relay=%t data=%q", e.From, e.Reliable, e.ViaRelay, e.Data),
			struct {
				Type     string `json:"type"`
				From     int    `json:"from"`
				Reliable bool   `json:"reliable"`
				ViaRelay bool   `json:"via_relay"`
				Data     string `json:"data"`
			}{"direct-message", e.From, e.Reliable, e.ViaRelay, string(e.Data)})
	}
}
