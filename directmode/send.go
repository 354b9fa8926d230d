package directmode

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/client"
)

// SendDirect sends data to the players in targets (nil: every player this client is
// linked to by the topology, and itself in the *_TO_ALL modes) over their direct
// links, on the reliable or the unreliable channel. Players without a working link get
// the message through the relay if fallbackRelay is set; otherwise they are listed in
// an [*UndeliveredError]. It does not block: messages are queued, and an unreliable
// message to a player whose send buffer is full is dropped (see [Mesh.Dropped]).
// SendDirect does not keep data.
func (m *Mesh) SendDirect(data []byte, targets []int, reliable, fallbackRelay bool) error {
	if m.closed.Load() {
		return errClosed
	}
	if len(data) > m.cfg.MaxMessageSize {
		return ErrTooLarge
	}
	m.mu.RLock()
	v := m.view
	m.mu.RUnlock()
	if v.mode == 0 {
		return ErrNotInRoom
	}
	if targets == nil {
		targets = peers(v.mode, v.self, v.master, v.active)
		if deliversToSelf(v.mode) {
			targets = append(targets, v.self)
		}
	}
	var relayTo, undelivered []int
	var cause error
	for _, t := range slices.Compact(slices.Sorted(slices.Values(targets))) {
		if t == v.self {
			if deliversToSelf(v.mode) {
				m.events.push(&MessageEvent{From: t, Data: slices.Clone(data), Reliable: reliable})
			}
			continue
		}
		err := m.sendLink(t, data, reliable)
		switch {
		case err == nil:
		case fallbackRelay && err == errNoLink:
			relayTo = append(relayTo, t)
		default:
			undelivered = append(undelivered, t)
			if cause == nil && err != errNoLink {
				cause = err
			}
		}
	}
	if len(relayTo) > 0 {
		o := &client.EventOptions{TargetActors: relayTo, Unreliable: !reliable}
		if err := m.c.RaiseEvent(m.cfg.RelayEventCode, data, o); err != nil {
			undelivered = append(undelivered, relayTo...)
			cause = err
		}
	}
	if len(undelivered) > 0 {
		return &UndeliveredError{Actors: undelivered, Err: cause}
	}
	return nil
}

// errNoLink says a player has no working link.
var errNoLink = errors.New("directmode: no direct link")

func (m *Mesh) sendLink(peer int, data []byte, reliable bool) error {
	l := m.link(peer)
	if l == nil || !l.up.Load() {
		return errNoLink
	}
	idx := 0
	if !reliable {
		idx = 1
	}
	ch := l.chans[idx].Load()
	if ch == nil {
		return errNoLink
	}
	if ch.dc.BufferedAmount() > uint64(m.cfg.MaxBufferedBytes) {
		if !reliable {
			m.dropped.Add(1)
			return nil
		}
		return ErrSendBufferFull
	}
	if _, err := ch.rw.Write(data); err != nil {
		m.log.Debug("directmode: write", "actor", peer, "err", err)
		return errNoLink // the link broke under us
	}
	return nil
}
