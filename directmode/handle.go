package directmode

import "time"

// minSessionGap is the least time between two new links offered by the same player:
// an offerer starts over only after twice the connect timeout, so faster offers are a
// misbehaving peer, and each one costs a peer connection.
const minSessionGap = time.Second

// maxRemoteCandidates bounds the candidates a player may give one link: each is an
// address the link sends connectivity checks to.
const maxRemoteCandidates = 64

// handleSignal applies a signalling message from another player of the room.
func (m *Mesh) handleSignal(from int, data map[string]any) {
	s, err := DecodeSignal(data)
	if err != nil {
		m.log.Debug("directmode: dropped signal", "actor", from, "err", err)
		return
	}
	if m.view.mode == 0 {
		m.sync() // the offer may overtake the event that would have told us of the room
	}
	if m.view.mode == 0 || from == m.view.self {
		return // not (or no longer) in a direct-mode room
	}
	l := m.link(from)
	if l != nil && l.session != s.Session {
		if s.Kind != SignalOffer {
			return // stale
		}
	}
	switch s.Kind {
	case SignalOffer:
		m.acceptOffer(from, l, s)
	case SignalAnswer:
		if l != nil && l.offerer {
			m.applyAnswer(l, s.SDP)
		}
	case SignalCandidate:
		if l != nil && l.remoteCandidates < maxRemoteCandidates {
			l.remoteCandidates++
			l.addCandidate(s)
		}
	case SignalRestart:
		if l != nil && l.offerer {
			l.restart(time.Now())
		}
	case SignalBye:
		if l != nil {
			m.closeLink(l, true, false)
		}
	}
}

// acceptOffer answers an offer: an ICE restart of the current link, or a new link
// that replaces any older one with the player.
func (m *Mesh) acceptOffer(from int, l *link, s *Signal) {
	if offers(m.view.self, from) {
		m.log.Debug("directmode: dropped offer from an answerer", "actor", from)
		return
	}
	if l == nil || l.session != s.Session {
		if l != nil {
			if time.Since(l.created) < minSessionGap {
				m.log.Debug("directmode: dropped offer: new sessions too fast", "actor", from)
				return
			}
			m.closeLink(l, false, false)
		}
		var err error
		if l, err = m.newLink(from, s.Session, false); err != nil {
			m.failLink(from, err)
			return
		}
	} else { // an ICE restart
		if time.Since(l.started) < minSessionGap {
			m.log.Debug("directmode: dropped offer: ICE restarts too fast", "actor", from)
			return
		}
		l.started, l.remoteCandidates = time.Now(), 0
		l.restarts++
	}
	if err := l.answer(s.SDP); err != nil {
		m.log.Warn("directmode: cannot answer offer", "actor", from, "err", err)
		m.closeLink(l, false, false)
		m.events.push(&FailedEvent{Actor: from, Err: err})
	}
}

func (m *Mesh) applyAnswer(l *link, sdp string) {
	if err := l.pc.SetRemoteDescription(sdpAnswer(sdp)); err != nil {
		m.log.Warn("directmode: bad answer", "actor", l.peer, "err", err)
		return
	}
	l.addPending()
}
