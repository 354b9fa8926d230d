package protocol

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Kind is the first byte of every relay protocol message.
type Kind uint8

// The message kinds (see PROTOCOL.md).
const (
	KindRequest     Kind = 1 // client → relay: an operation
	KindResponse    Kind = 2 // relay → client: the result of a request
	KindEvent       Kind = 3 // relay → client: a system event (join, leave, properties, ...)
	KindRaise       Kind = 4 // client → relay: raise a custom event
	KindCustomEvent Kind = 5 // relay → client: a custom event another actor raised
)

// Params are the parameters of a request, response or event, by key. Values are as
// [ReadValue] returns them.
type Params map[Param]any

// A Request asks the relay to perform an operation. ID (nonzero) matches the response.
type Request struct {
	Op     Op
	ID     uint32
	Params Params
}

// A Response answers the Request with the same Op and ID. Code is [OK] or an error.
type Response struct {
	Op      Op
	ID      uint32
	Code    Code
	Message string
	Params  Params
}

// An Event is a system event the relay sends (codes 200 to 255).
type Event struct {
	Code   EventCode
	Params Params
}

// A Raise asks the relay to forward a custom event. Code is 0 to [MaxCustomEventCode].
// The relay answers with a Response (Op [OpRaiseEvent]) only if ID is nonzero; errors
// of a Raise without ID come as an [EventErrorInfo]. Payload is forwarded as it is.
type Raise struct {
	Code    uint8
	ID      uint32
	Options Params
	Payload []byte
}

// A CustomEvent is a custom event delivered to a receiver. Sender is 0 for events the
// room itself owns (cached globally).
type CustomEvent struct {
	Code    uint8
	Sender  int32
	Payload []byte
}

// MaxCustomEventCode is the highest code of a custom event; 200 to 255 are the relay's.
const MaxCustomEventCode = 199

// KindOf returns the kind of message b, or an error if b is empty or of no known kind.
func KindOf(b []byte) (Kind, error) {
	if len(b) == 0 {
		return 0, malformed("message", "empty")
	}
	k := Kind(b[0])
	if k < KindRequest || k > KindCustomEvent {
		return 0, malformed("message", fmt.Sprintf("unknown kind %d", b[0]))
	}
	return k, nil
}

// AppendParams appends the encoding of p: a count, then (key, value) pairs in key order.
func AppendParams(b []byte, p Params) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(p)))
	keys := make([]Param, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if b, err = AppendValue(append(b, byte(k)), p[k]); err != nil {
			return b, fmt.Errorf("param %v: %w", k, err)
		}
	}
	return b, nil
}

// ReadParams decodes parameters from the start of b and returns the rest. A key that
// repeats is malformed.
func ReadParams(b []byte) (Params, []byte, error) {
	n, b, err := readCount(b, "params")
	if err != nil {
		return nil, b, err
	}
	if n == 0 {
		return nil, b, nil
	}
	p := make(Params, n)
	for range n {
		if len(b) == 0 {
			return nil, b, malformed("params", "truncated")
		}
		k := Param(b[0])
		if _, dup := p[k]; dup {
			return nil, b, malformed("params", fmt.Sprintf("key %d repeats", k))
		}
		if p[k], b, err = ReadValue(b[1:]); err != nil {
			return nil, b, fmt.Errorf("param %v: %w", k, err)
		}
	}
	return p, b, nil
}

// AppendRequest appends the encoding of r.
func AppendRequest(b []byte, r *Request) ([]byte, error) {
	b = binary.AppendUvarint(append(b, byte(KindRequest), byte(r.Op)), uint64(r.ID))
	return AppendParams(b, r.Params)
}

// ReadRequest decodes a whole request message.
func ReadRequest(b []byte) (*Request, error) {
	if err := expectKind(b, KindRequest, 2); err != nil {
		return nil, err
	}
	r := &Request{Op: Op(b[1])}
	id, rest, err := readID(b[2:])
	if err != nil {
		return nil, err
	}
	r.ID = id
	if r.Params, rest, err = ReadParams(rest); err != nil {
		return nil, err
	}
	return r, expectEnd(rest, "request")
}

// AppendResponse appends the encoding of r.
func AppendResponse(b []byte, r *Response) ([]byte, error) {
	b = binary.AppendUvarint(append(b, byte(KindResponse), byte(r.Op)), uint64(r.ID))
	b = binary.AppendVarint(b, int64(r.Code))
	b = appendString(b, r.Message)
	return AppendParams(b, r.Params)
}

// ReadResponse decodes a whole response message.
func ReadResponse(b []byte) (*Response, error) {
	if err := expectKind(b, KindResponse, 2); err != nil {
		return nil, err
	}
	r := &Response{Op: Op(b[1])}
	id, rest, err := readID(b[2:])
	if err != nil {
		return nil, err
	}
	r.ID = id
	code, n := binary.Varint(rest)
	if n <= 0 || code < -1<<31 || code >= 1<<31 {
		return nil, malformed("response", "bad code")
	}
	r.Code = Code(code)
	if r.Message, rest, err = readRawString(rest[n:]); err != nil {
		return nil, err
	}
	if r.Params, rest, err = ReadParams(rest); err != nil {
		return nil, err
	}
	return r, expectEnd(rest, "response")
}

// AppendEvent appends the encoding of e.
func AppendEvent(b []byte, e *Event) ([]byte, error) {
	return AppendParams(append(b, byte(KindEvent), byte(e.Code)), e.Params)
}

// ReadEvent decodes a whole system event message.
func ReadEvent(b []byte) (*Event, error) {
	if err := expectKind(b, KindEvent, 2); err != nil {
		return nil, err
	}
	e := &Event{Code: EventCode(b[1])}
	p, rest, err := ReadParams(b[2:])
	if err != nil {
		return nil, err
	}
	e.Params = p
	return e, expectEnd(rest, "event")
}

// AppendRaise appends the encoding of r: kind, code, ID, the length of the options,
// the options, then the payload to the end of the message.
func AppendRaise(b []byte, r *Raise) ([]byte, error) {
	b = binary.AppendUvarint(append(b, byte(KindRaise), r.Code), uint64(r.ID))
	if len(r.Options) == 0 {
		b = append(b, 0)
	} else {
		opts, err := AppendParams(nil, r.Options)
		if err != nil {
			return b, err
		}
		b = binary.AppendUvarint(b, uint64(len(opts)))
		b = append(b, opts...)
	}
	return append(b, r.Payload...), nil
}

// ReadRaise decodes a raise message. Payload aliases b.
func ReadRaise(b []byte) (*Raise, error) {
	if err := expectKind(b, KindRaise, 2); err != nil {
		return nil, err
	}
	r := &Raise{Code: b[1]}
	if r.Code > MaxCustomEventCode {
		return nil, malformed("raise", fmt.Sprintf("event code %d is reserved (custom codes are 0 to %d)", r.Code, MaxCustomEventCode))
	}
	id, rest, err := readID(b[2:])
	if err != nil {
		return nil, err
	}
	r.ID = id
	opts, rest, err := readLen(rest, "raise options")
	if err != nil {
		return nil, err
	}
	if len(opts) > 0 {
		var tail []byte
		if r.Options, tail, err = ReadParams(opts); err != nil {
			return nil, err
		}
		if err := expectEnd(tail, "raise options"); err != nil {
			return nil, err
		}
	}
	r.Payload = rest
	return r, nil
}

// AppendCustomEvent appends the encoding of e: kind, code, sender, then the payload.
func AppendCustomEvent(b []byte, e *CustomEvent) []byte {
	b = binary.AppendUvarint(append(b, byte(KindCustomEvent), e.Code), uint64(uint32(e.Sender)))
	return append(b, e.Payload...)
}

// ReadCustomEvent decodes a custom event message. Payload aliases b.
func ReadCustomEvent(b []byte) (*CustomEvent, error) {
	if err := expectKind(b, KindCustomEvent, 2); err != nil {
		return nil, err
	}
	sender, rest, err := readID(b[2:])
	if err != nil {
		return nil, err
	}
	if int32(sender) < 0 {
		return nil, malformed("custom event", "bad sender")
	}
	return &CustomEvent{Code: b[1], Sender: int32(sender), Payload: rest}, nil
}

func expectKind(b []byte, k Kind, min int) error {
	if len(b) < min {
		return malformed(kindName(k), "truncated")
	}
	if Kind(b[0]) != k {
		return malformed(kindName(k), fmt.Sprintf("kind is %d", b[0]))
	}
	return nil
}

func readID(b []byte) (uint32, []byte, error) {
	id, n := binary.Uvarint(b)
	if n <= 0 || id > 1<<32-1 {
		return 0, b, malformed("message", "bad id")
	}
	return uint32(id), b[n:], nil
}

func expectEnd(rest []byte, what string) error {
	if len(rest) != 0 {
		return malformed(what, fmt.Sprintf("%d trailing bytes", len(rest)))
	}
	return nil
}

func kindName(k Kind) string {
	switch k {
	case KindRequest:
		return "request"
	case KindResponse:
		return "response"
	case KindEvent:
		return "event"
	case KindRaise:
		return "raise"
	case KindCustomEvent:
		return "custom event"
	}
	return fmt.Sprintf("kind %d", k)
}
