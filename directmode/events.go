package directmode

import "time"

// Event is something that happened in the mesh: one of the *XxxEvent types of this
// package.
type Event interface{ isEvent() }

// An EstablishedEvent says the direct link to a player is up: both data channels are
// open. It follows a [FailedEvent] when a link recovers.
type EstablishedEvent struct {
	Actor int
	// Local and Remote are the ICE candidate types of the selected pair: "host",
	// "srflx", "prflx" or "relay".
	Local, Remote string
	// Relayed says the link goes through a TURN server (a "relay" candidate).
	Relayed bool
	// SetupTime is the time from the link's creation (or its latest ICE restart)
	// until now.
	SetupTime time.Duration
	// Restarts counts the ICE restarts this link has been through.
	Restarts int
}

// A FailedEvent says the link to a player is not working: it did not come up in time
// (Err is [ErrConnectTimeout]) or it was lost ([ErrLinkLost]). Messages to the player
// go through the relay when [Mesh.SendDirect] is allowed to.
type FailedEvent struct {
	Actor int
	Err   error
}

// A ClosedEvent says the link to a player was closed: the player left, or the
// topology no longer links the two (a new master).
type ClosedEvent struct{ Actor int }

// A MessageEvent is a message from a player: sent directly, or through the relay
// (ViaRelay), or, in the *_TO_ALL modes, by this client to itself. The handler may
// keep Data.
type MessageEvent struct {
	From     int
	Data     []byte
	Reliable bool
	ViaRelay bool
}

func (*EstablishedEvent) isEvent() {}
func (*FailedEvent) isEvent()      {}
func (*ClosedEvent) isEvent()      {}
func (*MessageEvent) isEvent()     {}
