package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// Value tags: the first byte of every encoded value.
const (
	tagNil    = 0x00
	tagFalse  = 0x01
	tagTrue   = 0x02
	tagInt    = 0x03 // zigzag varint, int64
	tagFloat  = 0x04 // IEEE 754 binary64, big-endian
	tagString = 0x05 // uvarint length, UTF-8 bytes
	tagBytes  = 0x06 // uvarint length, bytes
	tagArray  = 0x07 // uvarint count, values
	tagMap    = 0x08 // uvarint count, (string key without tag, value) pairs
)

// MaxDepth bounds how deeply arrays and maps nest in one value.
const MaxDepth = 16

// AppendValue appends the encoding of v to b. v is nil, bool, an integer type
// (uint64 only up to math.MaxInt64), float32 or float64, string (valid UTF-8),
// []byte, []any, []string, []int, map[string]any, or a nesting of those up to
// [MaxDepth]. Anything else fails with [ErrUnsupportedType].
func AppendValue(b []byte, v any) ([]byte, error) {
	return appendValue(b, v, 0)
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return b, ErrTooDeep
	}
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case string:
		if !utf8.ValidString(x) {
			return b, ErrInvalidUTF8
		}
		return appendString(append(b, tagString), x), nil
	case []byte:
		b = binary.AppendUvarint(append(b, tagBytes), uint64(len(x)))
		return append(b, x...), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), nil
	case float32:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(float64(x))), nil
	case []any:
		return appendArray(b, x, depth)
	case []string:
		return appendArray(b, x, depth)
	case []int:
		return appendArray(b, x, depth)
	case map[string]any:
		return appendMap(b, x, depth)
	}
	if i, ok := asInt64(v); ok {
		return binary.AppendVarint(append(b, tagInt), i), nil
	}
	return b, fmt.Errorf("%w: %T", ErrUnsupportedType, v)
}

func appendArray[T any](b []byte, list []T, depth int) ([]byte, error) {
	b = binary.AppendUvarint(append(b, tagArray), uint64(len(list)))
	for _, e := range list {
		var err error
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	b = binary.AppendUvarint(append(b, tagMap), uint64(len(m)))
	for _, k := range sortedKeys(m) { // sorted, so that equal maps encode equally
		if !utf8.ValidString(k) {
			return b, ErrInvalidUTF8
		}
		b = appendString(b, k)
		var err error
		if b, err = appendValue(b, m[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// asInt64 converts Go's integer types; uint64 above math.MaxInt64 does not fit.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Normalize returns v as decoding its encoding would: integers as int64, floats as
// float64, []string and []int as []any. It fails as [AppendValue] does.
func Normalize(v any) (any, error) {
	b, err := AppendValue(nil, v)
	if err != nil {
		return nil, err
	}
	out, _, err := ReadValue(b)
	return out, err
}

// ReadValue decodes one value from the start of b and returns it with the bytes that
// follow. Decoded values are nil, bool, int64, float64, string, []byte (a copy),
// []any and map[string]any. Malformed input fails with an error wrapping
// [ErrMalformed]; it never panics, and never allocates more than b could describe.
func ReadValue(b []byte) (any, []byte, error) {
	return readValue(b, 0)
}

func readValue(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 {
		return nil, b, malformed("value", "truncated")
	}
	if depth > MaxDepth {
		return nil, b, ErrTooDeep
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagNil:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagInt:
		i, n := binary.Varint(b)
		if n <= 0 {
			return nil, b, malformed("int", "bad varint")
		}
		return i, b[n:], nil
	case tagFloat:
		if len(b) < 8 {
			return nil, b, malformed("float", "truncated")
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case tagString:
		return readString(b)
	case tagBytes:
		raw, rest, err := readLen(b, "bytes")
		if err != nil {
			return nil, b, err
		}
		return append([]byte{}, raw...), rest, nil
	case tagArray:
		return readArray(b, depth)
	case tagMap:
		return readMap(b, depth)
	}
	return nil, b, malformed("value", fmt.Sprintf("unknown tag 0x%02x", tag))
}

// readLen reads a uvarint length and that many bytes.
func readLen(b []byte, what string) ([]byte, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, b, malformed(what, "bad length")
	}
	b = b[k:]
	if n > uint64(len(b)) {
		return nil, b, malformed(what, "truncated")
	}
	return b[:n], b[n:], nil
}

func readString(b []byte) (any, []byte, error) {
	s, rest, err := readRawString(b)
	if err != nil {
		return nil, b, err
	}
	return s, rest, nil
}

func readRawString(b []byte) (string, []byte, error) {
	raw, rest, err := readLen(b, "string")
	if err != nil {
		return "", b, err
	}
	if !utf8.Valid(raw) {
		return "", b, malformed("string", "invalid UTF-8")
	}
	return string(raw), rest, nil
}

// readCount reads an element count no larger than the bytes left (every element
// takes at least one byte), so a forged count cannot make us allocate.
func readCount(b []byte, what string) (int, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, b, malformed(what, "bad count")
	}
	if n > uint64(len(b)-k) {
		return 0, b, malformed(what, "count exceeds the bytes left")
	}
	return int(n), b[k:], nil
}

func readArray(b []byte, depth int) (any, []byte, error) {
	n, b, err := readCount(b, "array")
	if err != nil {
		return nil, b, err
	}
	out := make([]any, n)
	for i := range out {
		if out[i], b, err = readValue(b, depth+1); err != nil {
			return nil, b, err
		}
	}
	return out, b, nil
}

func readMap(b []byte, depth int) (any, []byte, error) {
	n, b, err := readCount(b, "map")
	if err != nil {
		return nil, b, err
	}
	out := make(map[string]any, n)
	for range n {
		var k string
		if k, b, err = readRawString(b); err != nil {
			return nil, b, err
		}
		if _, dup := out[k]; dup {
			return nil, b, malformed("map", fmt.Sprintf("duplicate key %q", k))
		}
		if out[k], b, err = readValue(b, depth+1); err != nil {
			return nil, b, err
		}
	}
	return out, b, nil
}
