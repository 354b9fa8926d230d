package protocol

import (
	"errors"
	"fmt"
	"math"
)

var (
	// ErrMalformed is wrapped by every decoding error of a message or value.
	ErrMalformed = errors.New("protocol: malformed message")
	// ErrUnsupportedType reports a Go value that has no encoding (see [AppendValue]).
	ErrUnsupportedType = errors.New("protocol: unsupported value type")
	// ErrTooDeep reports arrays and maps nested deeper than [MaxDepth].
	ErrTooDeep = fmt.Errorf("%w: values nested deeper than %d", ErrMalformed, MaxDepth)
	// ErrInvalidUTF8 reports a string or map key that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("protocol: string is not valid UTF-8")
)

func malformed(what, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, what, why)
}

func floatBits(f float64) uint64 { return math.Float64bits(f) }
