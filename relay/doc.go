// Package relay is the Boson relay node: sessions and authentication, rooms, events
// and their routing, the event cache, properties with compare-and-set, and the
// master client, served over the encrypted transport (package transport) with the
// wire protocol of package protocol (see relay/protocol/PROTOCOL.md).
//
// A [Server] is a transport.Handler: its methods run in the rounds of the transport
// worker that owns each connection. There is no goroutine per connection or per room;
// goroutines are started only for calls to the custom-auth webhook, and timers (player
// and empty-room TTLs) run on the runtime's timers.
//
// # Concurrency
//
// Each session's messages arrive one at a time, in its worker's rounds. A room is
// guarded by its own mutex, which is held while a room operation decides and queues
// its messages (Conn.Send only queues), so every member sees a room's events in one
// order. Lock order, outermost first:
//
//	lobby.matchMu or autoQueue.matchMu → world.mu → room.mu → session.mu → Server.mu
//
// A lock may be skipped but never taken out of this order (Server.mu guards only the
// world and room-count maps and the closed flag, so it comes last). A matchmaking lock
// comes first when one is taken: a lobby's matchMu (join-or-create-random) or an
// auto-match queue's matchMu (automatch.go), held by one request from its lookup to its
// join or creation; never both. No lock is held while calling a webhook or waiting for
// anything.
//
// Leaf locks, taken with any of these held and nothing taken inside them (never two
// leaf locks at once): Server.presMu (who is connected), groupTable.mu (message groups
// and each session's group; posts copy a group's members before sending),
// statusIndex.mu (auto-match queues, wait estimates and the per-world index user →
// inviting rooms) and the friend lists' mutex (friends.go). The Web Push service's
// mutex (package push) is a leaf too (the service never calls into the relay): most
// calls take it with no relay lock held (PushSubscribe, Enqueue after a post's locks
// are released); the invitation push is queued under room.mu. PushNotify's sharing
// check takes session.mu, a room's mu, presMu and groupTable.mu one at a time, never
// nested. A room's access checks read other rooms' access options (immutable after
// creation) and other sessions' actors under session.mu, never another room's mutex.
package relay
