// Package handshake is Boson's first contact: a DTLS 1.2 handshake (pion/dtls) on the
// relay's data port, with the relay's address-validation cookie carried outside DTLS,
// the relay's identity (an ECDSA certificate kept in its data directory), fingerprint
// pinning or CA verification on the client, and RFC 5705 key export into the record
// layer of crypto/seal.
//
// The datagram formats are in transport/PROTOCOL.md §2. This package is the only
// importer of pion/dtls.
package handshake
