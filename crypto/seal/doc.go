// Package seal is Boson's record layer and token crypto: per-direction
// ChaCha20-Poly1305 keys whose nonce is the packet number, a replay window, the split of
// exported keying material into keys, one-round-trip resume keys, sealed resume tokens
// (XChaCha20-Poly1305) and stateless-reset tokens.
//
// It holds no sockets and no state beyond keys; the transport decides what to seal and
// when. The formats are written down in transport/PROTOCOL.md (§3, §5, §6).
package seal
