package transport

import (
	"errors"
	"fmt"
	"net"
)

// Errors returned by [Conn.Send].
var (
	// ErrSendQueueFull means a reliable message was refused because the connection's
	// reliable send queue holds [Config.SendQueueBytes] already. Nothing was queued.
	ErrSendQueueFull = errors.New("transport: send queue full")
	// ErrMessageTooLarge means the message is larger than the connection allows:
	// [Config.MaxMessageSize] for reliable channels, 16 packets for unreliable ones.
	ErrMessageTooLarge = errors.New("transport: message too large")
	// ErrUnknownChannel means the channel number was not declared when the connection was made.
	ErrUnknownChannel = errors.New("transport: unknown channel")
)

// ErrHandlerSet is returned by [Conn.Receive] on a connection whose messages go to a [Handler].
var ErrHandlerSet = errors.New("transport: messages go to the handler; Receive is not available")

// ErrNoIdentity is returned by [Listen] when the configuration has no relay identity.
var ErrNoIdentity = errors.New("transport: listener needs an Identity")

// CloseCode says why a connection closed. Codes below 0x1000 belong to the transport;
// applications use 0x1000 and above with [Conn.CloseWithCode].
type CloseCode uint16

// Transport close codes.
const (
	CodeNormal       CloseCode = 0 // closed by the application
	CodeIdleTimeout  CloseCode = 1 // nothing heard for the idle timeout
	CodeProtocol     CloseCode = 2 // the peer broke the protocol
	CodeRateLimited  CloseCode = 3 // the peer kept sending faster than allowed
	CodeShutdown     CloseCode = 4 // the relay is shutting down
	CodeInternal     CloseCode = 5 // an internal error
	CodeReset        CloseCode = 6 // the relay lost the connection (stateless reset)
	CodeResumeFailed CloseCode = 7 // the path broke and resuming failed
	CodeReplaced     CloseCode = 8 // a resume moved the session to a new connection
)

// CodeApplication is the first close code free for applications.
const CodeApplication CloseCode = 0x1000

// A CloseError says why a connection closed. Every error a closed connection returns
// is or wraps a *CloseError, and matches errors.Is(err, net.ErrClosed). errors.Is also
// matches two CloseErrors with the same code, so errors.Is(err, ErrIdleTimeout) works.
type CloseError struct {
	Code   CloseCode
	Reason string
	Remote bool // the peer closed the connection (it sent CLOSE or RESET)
}

// Sentinels for the close causes callers commonly branch on.
var (
	// ErrIdleTimeout: nothing was heard from the peer for the idle timeout.
	ErrIdleTimeout = &CloseError{Code: CodeIdleTimeout, Reason: "idle timeout"}
	// ErrReset: the relay no longer knows the connection (it restarted or dropped it).
	ErrReset = &CloseError{Code: CodeReset, Reason: "connection reset by relay", Remote: true}
	// ErrClosed: the connection was closed locally.
	ErrClosed = &CloseError{Code: CodeNormal, Reason: "connection closed"}
)

// Error describes the close: who closed, the code and the reason.
func (e *CloseError) Error() string {
	who := "local"
	if e.Remote {
		who = "remote"
	}
	return fmt.Sprintf("transport: connection closed (%s, code %d): %s", who, e.Code, e.Reason)
}

// Unwrap makes every CloseError match net.ErrClosed.
func (e *CloseError) Unwrap() error { return net.ErrClosed }

// Is matches another *CloseError with the same code.
func (e *CloseError) Is(target error) bool {
	t, ok := target.(*CloseError)
	return ok && t.Code == e.Code
}

// Timeout reports whether the connection closed because the peer went silent.
func (e *CloseError) Timeout() bool { return e.Code == CodeIdleTimeout }

// A RefusedError reports that the relay refused the connection after the handshake.
type RefusedError struct {
	Code   uint8
	Reason string
}

// Error returns the relay's reason for refusing.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("transport: relay refused the connection: %s", e.Reason)
}

// A ResumeRefusedError reports that the relay would not resume a session.
type ResumeRefusedError struct {
	Reason uint8 // 1 expired, 2 already used, 3 invalid, 4 relay busy, 5 connection gone
}

// Error names the reason the relay gave.
func (e *ResumeRefusedError) Error() string {
	switch e.Reason {
	case resumeExpired:
		return "transport: resume refused: token expired"
	case resumeUsed:
		return "transport: resume refused: token already used"
	case resumeBusy:
		return "transport: resume refused: relay busy"
	case resumeGone:
		return "transport: resume refused: the relay no longer has the connection"
	}
	return "transport: resume refused: invalid token"
}
