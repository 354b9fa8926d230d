package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
)

var (
	// ErrBadParams is returned by [Webhook.Authenticate] when the client's auth
	// parameters ([Request.Params]) are not a well-formed query string. The webhook is
	// not called: it is the client's fault, not the webhook's.
	ErrBadParams = errors.New("auth: malformed auth parameters")
	// ErrUnknownType is returned by [ParseType] for an unknown name, and by
	// [Webhook.Authenticate] for a [Request.Type] that is not one of the known types.
	ErrUnknownType = errors.New("auth: unknown auth type")
	// ErrTypeNone is returned by [Webhook.Authenticate] for a request of type [None]:
	// such a client asks for no authentication, which is the relay's policy to allow
	// or refuse, not the webhook's.
	ErrTypeNone = errors.New("auth: auth type none is not sent to the webhook")
	// ErrInvalidConfig is returned by [New] for a [Config] it cannot use. The error
	// wrapping it names the field.
	ErrInvalidConfig = errors.New("auth: invalid config")
)

// Result codes of the webhook's response (Photon's custom authentication ResultCode).
const (
	// CodeContinue asks for another step: the response's Data goes to the client, which
	// then authenticates again (e.g. the second step of an OAuth flow).
	CodeContinue = 0
	// CodeOK admits the client.
	CodeOK = 1
	// CodeFailed refuses the client: its credentials are wrong.
	CodeFailed = 2
	// CodeInvalidParams refuses the client: its auth parameters are invalid.
	CodeInvalidParams = 3
)

// A FailedError reports that the webhook refused the client, with ResultCode
// [CodeFailed] or [CodeInvalidParams]. The client should be told Message.
// [Config.AllowWhenDown] never turns a FailedError into an admission.
type FailedError struct {
	ResultCode int    // CodeFailed or CodeInvalidParams
	Message    string // the webhook's Message, possibly empty
}

// Error returns the refusal and the webhook's message, e.g.
// "auth: authentication failed (ResultCode 2): wrong password".
func (e *FailedError) Error() string {
	what := "authentication failed"
	if e.ResultCode == CodeInvalidParams {
		what = "invalid auth parameters"
	}
	if e.Message == "" {
		return fmt.Sprintf("auth: %s (ResultCode %d)", what, e.ResultCode)
	}
	return fmt.Sprintf("auth: %s (ResultCode %d): %s", what, e.ResultCode, e.Message)
}

// An UnavailableError reports that the webhook is not working properly: it could not
// be reached, timed out, redirected, answered with a non-2xx status, or sent a
// response that is too large, not JSON, not an object, or without a known integer
// ResultCode. The client is not at fault. Neither Reason nor Err contains the
// request's path or query, which may hold secrets; a connection error does name the
// webhook's host.
type UnavailableError struct {
	Reason string // what happened, e.g. "status 503 Service Unavailable"
	Err    error  // the underlying error, or nil
}

// Error returns "auth webhook: " followed by Reason and, if set, Err.
func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return "auth webhook: " + e.Reason
	}
	return "auth webhook: " + e.Reason + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Timeout reports whether the webhook did not answer in time: [Config.Timeout]
// expired, or a network timeout occurred.
func (e *UnavailableError) Timeout() bool {
	var ne net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &ne) && ne.Timeout()
}
