package directmode

import "time"

// Session rate: a player may start a burst of sessionBurst new links with this client,
// then one per sessionEvery. Legitimate players need a new link only when one dies or
// the room changes; each costs a peer connection.
const (
	sessionBurst = 3
	sessionEvery = 2 * time.Second
)

// bucket is a token bucket of new links with one player (owned by the mesh's loop).
type bucket struct {
	tokens float64
	last   time.Time
}

// take spends a token if one is left at now.
func (b *bucket) take(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = sessionBurst
	} else {
		b.tokens = min(sessionBurst, b.tokens+now.Sub(b.last).Seconds()/sessionEvery.Seconds())
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// newSessionAllowed charges a new link with peer to its bucket.
func (m *Mesh) newSessionAllowed(peer int) bool {
	b := m.sessions[peer]
	if b == nil {
		b = &bucket{}
		m.sessions[peer] = b
	}
	return b.take(time.Now())
}
