package directmode

import (
	"context"
	"slices"
	"time"
)

// minRestartGap is the least time between two ICE restarts a player offers on one
// link: the offerer backs off for at least the failed timeout between restarts.
const minRestartGap = time.Second

// maxRemoteCandidates bounds the candidates a player may give one link (per ICE
// restart): each is an address the link sends connectivity checks to.
const maxRemoteCandidates = 64

// handleSignal applies a signalling message from another player of the room.
func (m *Mesh) handleSignal(from int, data map[string]any) {
	s, err := DecodeSignal(data)
	if err != nil {
		m.log.Debug("directmode: dropped signal", "actor", from, "err", err)
		return
	}
	m.sync() // the signal may come from a room the loop has not seen yet
	if m.view.mode == 0 || from == m.view.self {
		return // not (or no longer) in a direct-mode room
	}
	l := m.link(from)
	if l != nil && l.session != s.Session && s.Kind != SignalOffer {
		return // stale
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
	wanted := slices.Contains(peers(m.view.mode, m.view.self, m.view.master, m.view.active), from)
	switch {
	case offers(m.view.self, from) || !wanted:
		m.log.Debug("directmode: refused offer: the topology does not link us this way", "actor", from)
		m.sendOrphan(from, &Signal{Kind: SignalBye, Session: s.Session})
		return
	case l != nil && l.session == s.Session:
		m.acceptRestart(l, s)
		return
	case s.Restart: // an ICE restart of a link this side no longer has: start over
		m.sendOrphan(from, &Signal{Kind: SignalBye, Session: s.Session})
		return
	case !m.newSessionAllowed(from):
		m.log.Debug("directmode: dropped offer: new links too fast", "actor", from)
		return
	}
	if l != nil {
		m.closeLink(l, false, false)
	}
	l, err := m.newLink(from, s.Session, false)
	if err != nil {
		m.failLink(from, err)
		return
	}
	if err := l.answer(s.SDP); err != nil {
		m.answerFailed(l, err)
	}
}

// acceptRestart answers an ICE restart offer on the current link.
func (m *Mesh) acceptRestart(l *link, s *Signal) {
	if time.Since(l.started) < minRestartGap {
		m.log.Debug("directmode: dropped offer: ICE restarts too fast", "actor", l.peer)
		return
	}
	l.started, l.remoteCandidates = time.Now(), 0
	l.restarts++
	l.refreshServers()
	if err := l.answer(s.SDP); err != nil {
		m.answerFailed(l, err)
	}
}

func (m *Mesh) answerFailed(l *link, err error) {
	m.log.Warn("directmode: cannot answer offer", "actor", l.peer, "err", err)
	m.closeLink(l, false, true)
	m.events.push(&FailedEvent{Actor: l.peer, Err: err})
}

func (m *Mesh) applyAnswer(l *link, sdp string) {
	if err := l.pc.SetRemoteDescription(sdpAnswer(sdp)); err != nil {
		m.log.Warn("directmode: bad answer", "actor", l.peer, "err", err)
		return
	}
	l.addPending()
}

// sendOrphan sends a signal that belongs to no link of this side (a bye for a
// session it does not know).
func (m *Mesh) sendOrphan(peer int, s *Signal) {
	m.pending.Add(1)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.pending.Add(-1)
		ctx, cancel := context.WithTimeout(m.ctx, signalTimeout)
		defer cancel()
		_ = m.c.Signal(ctx, peer, s.Map())
	}()
}
