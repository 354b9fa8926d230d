package push

import (
	"errors"
	"fmt"
	"net"
)

var (
	// ErrBadSubscription is matched by the errors of [Service.Subscribe] and
	// [ParseSubscription] for a malformed endpoint, malformed keys or an invalid
	// app or user id.
	ErrBadSubscription = errors.New("push: bad subscription")

	// ErrForbiddenEndpoint is matched when an endpoint is refused by the host
	// policy: an http:// URL, or a host that is (or resolves to) a loopback,
	// private, link-local or otherwise non-public address, while
	// [Config.AllowPrivateEndpoints] is false. [Service.Subscribe] returns it
	// together with [ErrBadSubscription]; at send time it makes the send fail.
	ErrForbiddenEndpoint = errors.New("push: endpoint address not allowed")

	// ErrFull is returned by [Service.Subscribe] when a new user would exceed
	// [Config.MaxUsers], or a new subscription [Config.MaxSubscriptions].
	ErrFull = errors.New("push: too many subscribed users")

	// ErrTooLarge is returned by [Service.Send] when the JSON-encoded message is
	// longer than [MaxPayload].
	ErrTooLarge = errors.New("push: message too large")

	// ErrClosed is returned by the methods of a closed [Service]. It matches
	// [net.ErrClosed].
	ErrClosed = fmt.Errorf("push: service closed: %w", net.ErrClosed)
)

// subError is an error that matches ErrBadSubscription and may wrap a cause.
type subError struct {
	msg   string
	cause error
}

func badSub(msg string, cause error) error { return &subError{msg: msg, cause: cause} }

func (e *subError) Error() string {
	if e.cause != nil {
		return "push: bad subscription: " + e.msg + ": " + e.cause.Error()
	}
	return "push: bad subscription: " + e.msg
}

// Is reports whether target is ErrBadSubscription.
func (e *subError) Is(target error) bool { return target == ErrBadSubscription }

// Unwrap returns the cause, if any.
func (e *subError) Unwrap() error { return e.cause }
