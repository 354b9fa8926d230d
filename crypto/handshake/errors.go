package handshake

import "errors"

var (
	// ErrFingerprintMismatch: the relay's certificate does not match any pinned
	// fingerprint. The error wrapping it names the fingerprint the relay presented.
	ErrFingerprintMismatch = errors.New("handshake: relay certificate does not match the pinned fingerprint")
	// ErrNoVerification: the client has neither a pinned fingerprint, nor a server name
	// to check a CA chain against, nor InsecureSkipVerify.
	ErrNoVerification = errors.New("handshake: no way to verify the relay: set Fingerprints, or ServerName (with RootCAs or the system roots), or InsecureSkipVerify")
	// ErrNotFirstContact: a datagram is not a well-formed, padded first-contact datagram.
	ErrNotFirstContact = errors.New("handshake: not a first-contact datagram")
	// ErrBadFingerprint: a fingerprint string does not parse.
	ErrBadFingerprint = errors.New("handshake: malformed fingerprint")
)
