package client

import "github.com/bosonrt/boson/relay/protocol"

// Event is something the relay told the client: one of the *XxxEvent types of this
// package.
type Event interface{ isEvent() }

// A CustomEvent is an event another player (or the room's cache) raised. Payload is
// the sender's bytes, as they were sent; the handler may keep it.
type CustomEvent struct {
	Code     uint8
	Sender   int // 0: cached for the room
	Payload  []byte
	Channel  int
	Reliable bool
}

// A JoinEvent says a player joined or rejoined the room.
type JoinEvent struct {
	Actor  Actor
	Actors []int // the active players now
}

// A LeaveEvent says a player left (Inactive: for now, may rejoin within the player TTL).
type LeaveEvent struct {
	Actor    int
	Inactive bool
	Actors   []int
}

// A PropertiesChangedEvent says room (Target 0) or player properties changed.
// Properties holds the changed keys; nil values were deleted or set to nil.
type PropertiesChangedEvent struct {
	Target     int
	Sender     int
	Properties map[string]any
}

// A MasterClientChangedEvent says the master client changed.
type MasterClientChangedEvent struct{ Master, Previous int }

// An ErrorInfoEvent is an error not tied to a request, such as an event refused by a
// rate limit or a full event cache.
type ErrorInfoEvent struct {
	Code    protocol.Code
	Message string
}

// A CacheSliceChangedEvent says the room's event cache moved to another slice.
type CacheSliceChangedEvent struct{ Index int }

// A DisconnectedEvent is the last event: the connection closed, for Err.
type DisconnectedEvent struct{ Err error }

// A SignalEvent is a WebRTC signalling message (offer, answer, candidate) another
// actor of the room sent this client with [Client.Signal].
type SignalEvent struct {
	Sender int
	Data   map[string]any
}

func (*CustomEvent) isEvent()              {}
func (*JoinEvent) isEvent()                {}
func (*LeaveEvent) isEvent()               {}
func (*PropertiesChangedEvent) isEvent()   {}
func (*MasterClientChangedEvent) isEvent() {}
func (*ErrorInfoEvent) isEvent()           {}
func (*CacheSliceChangedEvent) isEvent()   {}
func (*DisconnectedEvent) isEvent()        {}
func (*SignalEvent) isEvent()              {}
