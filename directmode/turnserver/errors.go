package turnserver

import "errors"

// ErrBadConfig is returned (wrapped, with details) by [Listen] when the [Config] is invalid.
var ErrBadConfig = errors.New("turnserver: invalid config")

// errTCPRelay is returned to pion when a client asks for a TCP allocation, which is not offered.
var errTCPRelay = errors.New("turnserver: tcp relaying not supported")
