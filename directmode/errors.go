package directmode

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

var (
	// ErrBadConfig is returned by [New] for an invalid [Config].
	ErrBadConfig = errors.New("directmode: bad config")
	// ErrConnectTimeout is the reason of a [FailedEvent] for a link that did not come
	// up within [Config.ConnectTimeout].
	ErrConnectTimeout = errors.New("directmode: no direct connection within the connect timeout")
	// ErrLinkLost is the reason of a [FailedEvent] for a link that was up and stopped
	// carrying traffic.
	ErrLinkLost = errors.New("directmode: direct connection lost")
	// ErrTooLarge is returned by [Mesh.SendDirect] for a message over
	// [Config.MaxMessageSize].
	ErrTooLarge = errors.New("directmode: message too large")
	// ErrSendBufferFull is returned for a reliable message to a player whose channel
	// already holds [Config.MaxBufferedBytes].
	ErrSendBufferFull = errors.New("directmode: send buffer full")
	// ErrNotInRoom is returned by [Mesh.SendDirect] when the client is in no room with
	// direct mode set.
	ErrNotInRoom = errors.New("directmode: not in a room with direct mode")
	// ErrBadSignal is wrapped by [DecodeSignal]'s errors.
	ErrBadSignal = errors.New("directmode: bad signalling message")
)

// errClosed is returned after [Mesh.Close]; it matches net.ErrClosed.
var errClosed = fmt.Errorf("directmode: mesh closed: %w", net.ErrClosed)

// An UndeliveredError lists the players [Mesh.SendDirect] could not send to: they had
// no working link and the relay was not to be used, or sending failed.
type UndeliveredError struct {
	Actors []int
	Err    error // the first cause, if any (e.g. ErrSendBufferFull)
}

func (e *UndeliveredError) Error() string {
	nrs := make([]string, len(e.Actors))
	for i, a := range slices.Sorted(slices.Values(e.Actors)) {
		nrs[i] = strconv.Itoa(a)
	}
	msg := "directmode: not delivered to actors " + strings.Join(nrs, ",")
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	} else {
		msg += ": no direct link"
	}
	return msg
}

// Unwrap returns the cause.
func (e *UndeliveredError) Unwrap() error { return e.Err }
