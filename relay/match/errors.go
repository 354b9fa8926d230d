package match

import (
	"errors"
	"fmt"
)

// ErrForbiddenWord is wrapped by the [SyntaxError] [Parse] returns when a
// filter contains one of the words Photon refuses in SQL lobby filters:
// ALTER, CREATE, DELETE, DROP, EXEC, EXECUTE, INSERT, MERGE, SELECT, UPDATE
// or UNION, written outside a string literal in any case. The error's
// message names the word.
var ErrForbiddenWord = errors.New("match: forbidden word")

// ErrLimit is wrapped by the [SyntaxError] [Parse] returns when a filter text
// exceeds one of the limits [MaxTextLen], [MaxDepth], [MaxInList] or
// [MaxFilters].
var ErrLimit = errors.New("match: limit exceeded")

// ErrColumnType is wrapped by the error [Columns.Check] returns when a
// property C0..C9 holds a value that is neither an integer nor a string, or
// whose type differs from the type locked for that column in the lobby.
var ErrColumnType = errors.New("match: column type mismatch")

// A SyntaxError reports a filter text that [Parse] refuses: a malformed or
// unsupported expression, a forbidden word (Err is [ErrForbiddenWord]) or an
// exceeded limit (Err is [ErrLimit]).
type SyntaxError struct {
	Filter int    // 1-based index of the filter in a chain; 0 when about the whole text
	Offset int    // byte offset in the text given to Parse
	Msg    string // what is wrong, e.g. "unexpected ')'"
	Err    error  // ErrForbiddenWord, ErrLimit or nil
}

// Error formats the error as "match: filter 2, offset 14: unexpected ')'".
func (e *SyntaxError) Error() string {
	if e.Filter == 0 {
		return fmt.Sprintf("match: offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("match: filter %d, offset %d: %s", e.Filter, e.Offset, e.Msg)
}

// Unwrap returns [ErrForbiddenWord], [ErrLimit] or nil, for [errors.Is].
func (e *SyntaxError) Unwrap() error { return e.Err }
