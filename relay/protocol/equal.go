package protocol

import (
	"bytes"
	"maps"
	"slices"
)

// Equal reports whether two decoded values (see [ReadValue]) are the same value.
// Floats compare by bits, so NaN equals itself and 0 differs from -0: the relay's
// compare-and-set must be exact. Values of different types are never equal (an int 1
// is not a float 1).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, int64, string:
		return a == b
	case float64:
		y, ok := b.(float64)
		return ok && floatBits(x) == floatBits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, Equal)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && maps.EqualFunc(x, y, Equal)
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
