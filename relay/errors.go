package relay

import (
	"errors"

	"github.com/bosonrt/boson/transport"
)

var (
	// ErrNoIdentity is returned by [Listen] when Config.Transport has no Identity.
	ErrNoIdentity = errors.New("relay: config needs Transport.Identity")
	// ErrBadConfig wraps every invalid configuration value.
	ErrBadConfig = errors.New("relay: invalid config")
)

// Close codes the relay uses on top of the transport's (clients see them in the
// *transport.CloseError that ends their connection).
const (
	// CodeOperationLimit: the client kept exceeding the message rate.
	CodeOperationLimit = transport.CodeApplication + 1
	// CodeBadChannels: the client declared channels the relay protocol cannot use.
	CodeBadChannels = transport.CodeApplication + 2
	// CodeAuthTimeout: the client did not authenticate in time.
	CodeAuthTimeout = transport.CodeApplication + 3
	// CodeSlowClient: the client's reliable send queue on the relay overflowed (it does
	// not keep up with its room); dropping a reliable message silently would corrupt it.
	CodeSlowClient = transport.CodeApplication + 4
)
