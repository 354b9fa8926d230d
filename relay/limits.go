package relay

import (
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// bucket is a token bucket: rate tokens per second, holding at most one second's worth.
// It is not safe for concurrent use; its owner guards it.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, t time.Time) bucket {
	return bucket{rate: rate, tokens: rate, last: t}
}

// take removes n tokens if there are that many.
func (b *bucket) take(t time.Time, n float64) bool {
	if d := t.Sub(b.last); d > 0 {
		b.tokens = min(b.rate, b.tokens+d.Seconds()*b.rate)
		b.last = t
	}
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

// lobbyQueryRate bounds, per client and second, the requests that scan a whole lobby:
// JoinLobby (which sorts its rooms), GetRoomList and matchmaking with SQL filters.
const lobbyQueryRate = 10

// peerReportRate bounds, per client and second, the ReportPeerStatus requests that
// change what the client reported (each may send the room's whole status to every
// member); unchanged reports are free.
const peerReportRate = 20

// inviteRate bounds, per client and second, the invitees named in CreateRoom (each
// gets an Invitation event on every connection): one full list of invitees a second.
const inviteRate = maxInvitees

// chargeQuery takes a lobby query from the session's allowance (its worker's round).
func (sess *session) chargeQuery() *protocol.Response {
	if sess.queries.take(now(), 1) {
		return nil
	}
	return fail(protocol.CodeOperationLimitReached, "at most "+itoa64(lobbyQueryRate)+" lobby queries a second (JoinLobby, GetRoomList, SQL matchmaking)")
}
