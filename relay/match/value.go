package match

import (
	"fmt"
	"strconv"
	"strings"
)

// NumColumns is the number of lobby columns, C0 to C9.
const NumColumns = 10

// columnNames are the property keys of the columns. Keys are case-sensitive
// when set on a room (only "C3" is column 3, not "c3"), as in Photon.
var columnNames = [NumColumns]string{"C0", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"}

// A Kind is the type of a [Value].
type Kind uint8

// The kinds of [Value]. The zero Kind is KindNull.
const (
	KindNull Kind = iota // SQL NULL: a column the room does not set
	KindInt              // 64-bit signed integer
	KindText             // string of bytes, usually UTF-8
)

// String returns "NULL", "integer" or "text".
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "NULL"
	case KindInt:
		return "integer"
	case KindText:
		return "text"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// A Value is a column value or the result of an expression: NULL, an int64
// or a string. The zero Value is NULL. Values are small and compared by
// value; a struct rather than an interface keeps evaluation free of
// allocations and type switches.
type Value struct {
	s    string
	i    int64
	kind Kind
}

// IntValue returns the integer Value i.
func IntValue(i int64) Value { return Value{kind: KindInt, i: i} }

// TextValue returns the text Value s.
func TextValue(s string) Value { return Value{kind: KindText, s: s} }

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Int returns the integer held by v, or 0 if v is not an integer.
func (v Value) Int() int64 { return v.i }

// Text returns the string held by v, or "" if v is not text.
func (v Value) Text() string { return v.s }

// String returns v as an SQL literal: NULL, 42 or 'text', doubling the quotes inside.
func (v Value) String() string {
	switch v.kind {
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindText:
		return quote(v.s)
	}
	return "NULL"
}

// quote returns s as a single-quoted SQL string literal.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// valueOf converts a room property to a Value. Integers are int64 (as the
// relay's protocol decodes them) and strings are string; anything else,
// including nil, is NULL.
func valueOf(v any) Value {
	switch x := v.(type) {
	case int64:
		return IntValue(x)
	case string:
		return TextValue(x)
	}
	return Value{}
}

// A Row holds a room's lobby columns C0..C9; a column the room does not set
// is NULL. Filters read a Row and never modify it.
type Row [NumColumns]Value

// RowOf returns the Row of a room from its properties: the keys "C0" to
// "C9" whose values are int64 or string. Other keys and values of other
// types are ignored (their columns are NULL). RowOf does not retain props.
func RowOf(props map[string]any) Row {
	var r Row
	for i, name := range columnNames {
		if v, ok := props[name]; ok {
			r[i] = valueOf(v)
		}
	}
	return r
}

// Columns locks the type of each lobby column to the type of its first
// value, as Photon does: once a room of the lobby has set C0 to an integer,
// no room of that lobby may set C0 to a string. The zero value has no column
// locked and is ready to use.
//
// Columns has no internal locking: the lobby holds one per lobby and calls
// [Columns.Check] and [Columns.Lock] under its own lock.
type Columns struct {
	kinds [NumColumns]Kind
}

// Kind returns the locked type of column i (0 to 9), or KindNull if no room
// has set it yet.
func (c *Columns) Kind(i int) Kind { return c.kinds[i] }

// Check returns an error wrapping [ErrColumnType] if props set a column C0
// to C9 to a value that is neither an int64 nor a string, or whose type
// differs from the column's locked type. A nil value (removing the
// property) is accepted. Check reports the lowest such column and changes
// nothing; call [Columns.Lock] once the change is accepted.
func (c *Columns) Check(props map[string]any) error {
	for i, name := range columnNames {
		v, ok := props[name]
		if !ok || v == nil {
			continue
		}
		k := valueOf(v).kind
		switch {
		case k == KindText && len(v.(string)) > MaxColumnText:
			return fmt.Errorf("%w: %s is %d bytes of text, more than %d", ErrColumnType, name, len(v.(string)), MaxColumnText)
		case k == KindNull:
			return fmt.Errorf("%w: %s must be an integer or a string, got %T", ErrColumnType, name, v)
		case c.kinds[i] != KindNull && c.kinds[i] != k:
			return fmt.Errorf("%w: %s is locked to %s, got %s", ErrColumnType, name, c.kinds[i], k)
		}
	}
	return nil
}

// Lock locks each column that props set for the first time to the type of
// its value. Values of other types are ignored, and locked columns keep
// their type: call [Columns.Check] first.
func (c *Columns) Lock(props map[string]any) {
	for i, name := range columnNames {
		if c.kinds[i] == KindNull {
			c.kinds[i] = valueOf(props[name]).kind
		}
	}
}
