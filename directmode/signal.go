package directmode

import (
	"fmt"
	"strconv"
)

// Kinds of signalling messages.
const (
	SignalOffer     = "offer"     // the offerer's SDP offer (a new session, or an ICE restart)
	SignalAnswer    = "answer"    // the answerer's SDP answer
	SignalCandidate = "candidate" // a trickled ICE candidate
	SignalRestart   = "restart"   // the answerer asks the offerer for an ICE restart
	SignalBye       = "bye"       // the sender closed the link
)

// maxSDPBytes bounds an SDP or candidate string (the relay caps a signal at 16 KiB).
const maxSDPBytes = 15 << 10

// A Signal is one signalling message between two players of a room.
type Signal struct {
	Kind    string
	Session int64  // chosen by the offerer for each link; stale messages carry another
	SDP     string // offer and answer
	Restart bool   // an offer that restarts ICE on the session's link
	// Candidate, MID, MLineIndex and UsernameFragment are an RTCIceCandidateInit.
	Candidate        string
	MID              string
	MLineIndex       int
	UsernameFragment string
}

// Map encodes the signal as the map sent with client.Client.Signal.
func (s *Signal) Map() map[string]any {
	m := map[string]any{"t": s.Kind, "s": strconv.FormatUint(uint64(s.Session), 16)}
	switch s.Kind {
	case SignalOffer, SignalAnswer:
		m["sdp"] = s.SDP
		if s.Restart {
			m["r"] = true
		}
	case SignalCandidate:
		m["c"], m["mid"], m["i"], m["u"] = s.Candidate, s.MID, int64(s.MLineIndex), s.UsernameFragment
	}
	return m
}

// DecodeSignal reads a signalling message. The format, for implementers in other
// languages, is a map of
//
//	"t":   the kind: "offer", "answer", "candidate", "restart" or "bye"
//	"s":   the session, a non-zero 64-bit number in hexadecimal, chosen by the offerer
//	       for each new link and kept across ICE restarts; messages of another session
//	       are stale and ignored
//	"sdp": for offer and answer, the SDP (at most 15 KiB)
//	"r":   true on an offer that restarts ICE; a side that does not know the session
//	       answers it with a bye, and the offerer starts a new session
//	"c", "mid", "i", "u": for candidate, the candidate line, sdpMid, sdpMLineIndex and
//	       usernameFragment of an RTCIceCandidateInit
//
// The player with the lower actor number offers and creates both data channels
// in-band: "reliable" (ordered, reliable) and "unreliable" (unordered, maxRetransmits
// set). Errors wrap [ErrBadSignal].
func DecodeSignal(m map[string]any) (*Signal, error) {
	kind, err := str(m, "t", 16)
	if err != nil {
		return nil, err
	}
	sid, err := str(m, "s", 16)
	if err != nil {
		return nil, err
	}
	s := &Signal{Kind: kind}
	u, err := strconv.ParseUint(sid, 16, 64)
	if err != nil || u == 0 {
		return nil, fmt.Errorf("%w: session %q is not a non-zero hexadecimal 64-bit number", ErrBadSignal, sid)
	}
	s.Session = int64(u)
	switch kind {
	case SignalOffer, SignalAnswer:
		s.SDP, err = str(m, "sdp", maxSDPBytes)
		if r, ok := m["r"]; ok && err == nil {
			if s.Restart, ok = r.(bool); !ok {
				err = fmt.Errorf("%w: \"r\" is %T, want a bool", ErrBadSignal, r)
			}
		}
	case SignalCandidate:
		err = s.readCandidate(m)
	case SignalRestart, SignalBye:
	default:
		err = fmt.Errorf("%w: unknown kind %q", ErrBadSignal, kind)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Signal) readCandidate(m map[string]any) error {
	var err error
	if s.Candidate, err = str(m, "c", maxSDPBytes); err != nil {
		return err
	}
	if s.MID, err = str(m, "mid", 256); err != nil {
		return err
	}
	if s.UsernameFragment, err = str(m, "u", 256); err != nil {
		return err
	}
	i, ok := m["i"].(int64)
	if !ok || i < 0 || i > 1<<16 {
		return fmt.Errorf("%w: \"i\" is %v, want an sdpMLineIndex", ErrBadSignal, m["i"])
	}
	s.MLineIndex = int(i)
	return nil
}

func str(m map[string]any, key string, max int) (string, error) {
	v, ok := m[key].(string)
	if !ok {
		return "", fmt.Errorf("%w: %q is %T, want a string", ErrBadSignal, key, m[key])
	}
	if len(v) > max {
		return "", fmt.Errorf("%w: %q is %d bytes, more than %d", ErrBadSignal, key, len(v), max)
	}
	return v, nil
}
