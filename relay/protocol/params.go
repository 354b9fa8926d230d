package protocol

import (
	"errors"
	"fmt"
)

// ErrBadParam reports a parameter of the wrong type or out of range.
var ErrBadParam = errors.New("protocol: bad parameter")

func badParam(k Param, v any, want string) error {
	return fmt.Errorf("%w: %v is %s, want %s", ErrBadParam, k, typeName(v), want)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case []any:
		return "array"
	case map[string]any:
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

// Has reports whether p holds key k (with any value, nil included).
func (p Params) Has(k Param) bool {
	_, ok := p[k]
	return ok
}

// Str returns the string at k, or def if k is absent or nil.
func (p Params) Str(k Param, def string) (string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return def, badParam(k, v, "string")
	}
	return s, nil
}

// Int returns the integer at k, or def if k is absent or nil.
func (p Params) Int(k Param, def int64) (int64, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return def, nil
	}
	i, ok := v.(int64)
	if !ok {
		return def, badParam(k, v, "int")
	}
	return i, nil
}

// IntIn returns the integer at k (def if absent), which must lie in [lo, hi].
func (p Params) IntIn(k Param, def, lo, hi int64) (int64, error) {
	i, err := p.Int(k, def)
	if err == nil && (i < lo || i > hi) {
		err = fmt.Errorf("%w: %v is %d, want %d to %d", ErrBadParam, k, i, lo, hi)
	}
	return i, err
}

// Bool returns the bool at k, or def if k is absent or nil.
func (p Params) Bool(k Param, def bool) (bool, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return def, badParam(k, v, "bool")
	}
	return b, nil
}

// Bytes returns the bytes at k, or nil if k is absent or nil.
func (p Params) Bytes(k Param) ([]byte, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, badParam(k, v, "bytes")
	}
	return b, nil
}

// Map returns the map at k, or nil if k is absent or nil.
func (p Params) Map(k Param) (map[string]any, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badParam(k, v, "map")
	}
	return m, nil
}

// Strings returns the array of strings at k, or nil if k is absent or nil.
func (p Params) Strings(k Param) ([]string, error) {
	a, err := p.array(k)
	if a == nil || err != nil {
		return nil, err
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, badParam(k, a, "array of strings")
		}
		out[i] = s
	}
	return out, nil
}

// Ints returns the array of integers at k, or nil if k is absent or nil. A present
// empty array gives an empty, non-nil slice.
func (p Params) Ints(k Param) ([]int64, error) {
	a, err := p.array(k)
	if a == nil || err != nil {
		return nil, err
	}
	out := make([]int64, len(a))
	for i, e := range a {
		n, ok := e.(int64)
		if !ok {
			return nil, badParam(k, a, "array of ints")
		}
		out[i] = n
	}
	return out, nil
}

func (p Params) array(k Param) ([]any, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, badParam(k, v, "array")
	}
	return a, nil
}
