package directmode

import (
	"context"
	"slices"
)

// peerReport is the loop's state of reporting established links to the relay
// (ReportPeerStatus, seed 003), in rooms that track their status. The loop owns it.
type peerReport struct {
	room    string // the room of the last report ("" none)
	actors  []int  // the actors it reported
	running bool   // a report is in flight
}

// reportPeers tells the relay the actors this player has established links to when
// that set (or the room) changed since the last report, in rooms with a status. It
// runs in the loop after each round, so a burst of link changes makes one report; the
// request itself goes out from a goroutine, one at a time, never from a pion callback
// nor with the mesh's lock held.
func (m *Mesh) reportPeers() {
	rp := &m.report
	if rp.running || m.ctx.Err() != nil {
		return
	}
	room, actors := m.view.room, m.establishedPeers()
	if room == "" || (room == rp.room && slices.Equal(actors, rp.actors)) {
		return
	}
	if r := m.c.Room(); r == nil || r.Name != room || r.Status == nil {
		rp.room, rp.actors = room, actors // nothing to tell: the room has no status
		return
	}
	rp.running = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(m.ctx, signalTimeout)
		err := m.c.ReportPeerStatus(ctx, room, actors)
		cancel()
		if err != nil {
			m.log.Debug("directmode: peer status report failed", "err", err)
		}
		m.post(func() {
			rp.running = false
			rp.room, rp.actors = room, actors // a failed report is not retried until the next change
			m.reportPeers()
		})
	}()
}

// establishedPeers lists the actors this player has an established link to, in order.
func (m *Mesh) establishedPeers() []int {
	out := []int{}
	for peer, l := range m.snapshot() {
		if l.established {
			out = append(out, peer)
		}
	}
	slices.Sort(out)
	return out
}
