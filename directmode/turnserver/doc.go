// Package turnserver is the relay node's STUN and TURN service (RFC 8489, RFC 8656), built on
// pion/turn. One UDP socket answers STUN Binding requests and TURN requests; every TURN
// allocation gets its own relay socket from a bounded port range.
//
// The service is meant to be exposed on the internet:
//
//   - Clients authenticate with short-lived REST-style credentials (draft-uberti-behave-turn-rest)
//     minted by [Credentials] from a secret shared with the relay node; expired or forged
//     credentials are refused.
//   - Allocations are capped per user and overall ([Config.MaxAllocationsPerUser],
//     [Config.MaxAllocations]).
//   - Peers are filtered by [Config.AllowPeer]. Pion's own default permission handler admits
//     every peer address, which would turn the relay into a proxy into internal networks; this
//     package refuses loopback, private and other special-purpose addresses unless told otherwise.
//   - Only UDP relaying is offered: TCP allocations (RFC 6062) are refused.
//
// [Server.Close] waits for every goroutine pion started for the server to finish.
package turnserver
