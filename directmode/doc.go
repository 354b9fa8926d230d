// Package directmode opens WebRTC data channels between the players of a room whose
// direct mode is set, so that they can exchange messages peer to peer, and falls back
// to the relay for the pairs that cannot connect.
//
// A [Mesh] rides on a [client.Client]: it learns the room from the client's events
// (the application passes them to [Mesh.HandleEvent]), signals through the relay with
// [client.Client.Signal], and gets short-lived credentials for the relay's STUN/TURN
// service with [client.Client.TURNCredentials]. It never touches the relay's internals.
//
// # Topologies
//
// The room's [protocol.DirectMode] says who links to whom:
//
//   - DirectAllToOthers: every player links to every other player (full mesh).
//   - DirectMasterToOthers: the master client links to every other player (a star);
//     when the master changes, the star is re-formed around the new master.
//   - DirectAllToAll and DirectMasterToAll: as the two above, and a message a player
//     sends to everyone (or to itself) is also delivered to itself, locally.
//
// Of each pair, the player with the lower actor number makes the WebRTC offer, so
// two players never offer to each other at once (no glare).
//
// # Channels
//
// Each link has two data channels, both created in-band (DCEP) by the offerer and
// read on both ends, since pion applies partial reliability only to in-band channels
// whose opener reads them (see the research notes, webrtc.md §0.4):
//
//   - "reliable": reliable and ordered;
//   - "unreliable": unordered, with [Config.UnreliableRetransmits] retransmissions
//     (0 by default: a lost message stays lost).
//
// # Failures
//
// A link that is not up within [Config.ConnectTimeout] is reported with a
// [FailedEvent]; ICE goes on trying, and an [EstablishedEvent] follows if it
// succeeds later. A link that dies is reported the same way, and the offerer restarts
// ICE (with fresh TURN credentials); a link whose connection the other side closed is
// replaced by a new one. A link through TURN restarts ICE before its credentials
// expire. Meanwhile [Mesh.SendDirect] with fallbackRelay sends to that player through
// the relay, as a custom event with code [Config.RelayEventCode].
//
// # Abuse
//
// A player can make this client create at most a burst of 3 new links, then one per
// 2 seconds; at most 64 ICE candidates per link and ICE restart; signals beyond the
// mesh's backlog are dropped. The relay only forwards signals between members of one
// room.
//
// # Signalling messages
//
// Signalling messages are maps sent with [client.Client.Signal]; the format is
// described at [DecodeSignal] so that a client in another language can join a mesh.
package directmode
