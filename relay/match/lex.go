package match

import (
	"fmt"
	"math"
	"strings"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tInt            // unsigned integer literal, value in u (at most 1<<63)
	tString         // string literal, decoded value in text
	tIdent          // identifier: a column name or an unknown word
	tLParen
	tRParen
	tComma
	tSemi
	tEq // = or ==
	tNe // != or <>
	tLt
	tLe
	tGt
	tGe
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tConcat // ||
	tAmp
	tPipe
	tShl
	tShr
	tTilde
	tAnd // keywords from here on
	tOr
	tNot
	tBetween
	tIn
	tLike
	tEscape
	tIs
	tNull
	tTrue
	tFalse
)

// A token is a lexical token of a filter text.
type token struct {
	text string // identifier as written, or decoded string literal
	u    uint64 // value of an integer literal
	off  int    // byte offset of the token in the text
	end  int    // byte offset just past the token
	kind tokKind
}

// keywords maps the upper-case keywords to their token kinds.
var keywords = map[string]tokKind{
	"AND": tAnd, "OR": tOr, "NOT": tNot, "BETWEEN": tBetween, "IN": tIn, "LIKE": tLike,
	"ESCAPE": tEscape, "IS": tIs, "NULL": tNull, "TRUE": tTrue, "FALSE": tFalse,
}

// forbidden holds the words Photon refuses in filters (INSERT INTO and UNION
// ALL are covered by INSERT and UNION).
var forbidden = map[string]bool{
	"ALTER": true, "CREATE": true, "DELETE": true, "DROP": true, "EXEC": true, "EXECUTE": true,
	"INSERT": true, "MERGE": true, "SELECT": true, "UPDATE": true, "UNION": true,
}

// operators maps operator spellings to token kinds; two-byte ones are tried first.
var operators = map[string]tokKind{
	"==": tEq, "!=": tNe, "<>": tNe, "<=": tLe, ">=": tGe, "<<": tShl, ">>": tShr, "||": tConcat,
	"=": tEq, "<": tLt, ">": tGt, "+": tPlus, "-": tMinus, "*": tStar, "/": tSlash, "%": tPercent,
	"&": tAmp, "|": tPipe, "~": tTilde, "(": tLParen, ")": tRParen, ",": tComma, ";": tSemi,
}

// lex splits the whole text into tokens ending with tEOF. Lexical errors and
// forbidden words are reported in text order, before any syntax error.
func lex(src string) ([]token, error) {
	toks := make([]token, 0, len(src)/3+2)
	filter := 1
	for i := skipSpace(src, 0); i < len(src); i = skipSpace(src, i) {
		t, err := lexToken(src, i)
		if err != nil {
			err.Filter = filter
			return nil, err
		}
		if t.kind == tSemi {
			filter++
		}
		toks = append(toks, t)
		i = t.end
	}
	return append(toks, token{kind: tEOF, off: len(src), end: len(src)}), nil
}

// lexErr returns the error for a token at off that the lexer refuses.
func lexErr(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace returns the offset of the first non-space byte at or after i.
func skipSpace(src string, i int) int {
	for i < len(src) && strings.IndexByte(" \t\n\r\f", src[i]) >= 0 {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdentStart(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' || c == '_' }

func isIdentByte(c byte) bool { return isIdentStart(c) || isDigit(c) }

// lexToken scans the token at src[i], a non-space byte. Errors lack the
// filter number, which lex fills in.
func lexToken(src string, i int) (token, *SyntaxError) {
	c := src[i]
	rest := src[i:]
	switch {
	case isDigit(c):
		return lexNumber(src, i)
	case isIdentStart(c):
		return lexWord(src, i)
	case c == '\'':
		return lexString(src, i)
	case c == '"' || c == '`' || c == '[':
		return token{}, lexErr(i, "quoted identifiers are not supported: write columns as C0 to C9 and strings in single quotes")
	case strings.HasPrefix(rest, "--") || strings.HasPrefix(rest, "/*"):
		return token{}, lexErr(i, "comments are not allowed")
	case c == '.' && len(rest) > 1 && isDigit(rest[1]):
		return token{}, lexErr(i, "real numbers are not supported")
	}
	for n := 2; n >= 1; n-- {
		if len(rest) >= n {
			if k, ok := operators[rest[:n]]; ok {
				return token{kind: k, off: i, end: i + n}, nil
			}
		}
	}
	return token{}, lexErr(i, "unexpected character %q", firstChar(rest))
}

// firstChar returns the UTF-8 character (or single invalid byte) src starts with.
func firstChar(src string) string {
	_, w := decodeChar(src, 0)
	return src[:w]
}

// lexNumber scans an integer literal. Values above 1<<63 are refused here;
// 1<<63 itself is valid only after a unary minus, which the parser checks.
func lexNumber(src string, i int) (token, *SyntaxError) {
	var u uint64
	j := i
	for ; j < len(src) && isDigit(src[j]); j++ {
		d := uint64(src[j] - '0')
		if u > (math.MaxInt64+1-d)/10 {
			return token{}, lexErr(i, "integer literal out of range")
		}
		u = u*10 + d
	}
	if j < len(src) && (src[j] == '.' || (src[j]|0x20 == 'e' && j+1 < len(src) && (isDigit(src[j+1]) || src[j+1] == '+' || src[j+1] == '-'))) {
		return token{}, lexErr(i, "real numbers are not supported")
	}
	if j < len(src) && isIdentByte(src[j]) {
		k := j
		for k < len(src) && isIdentByte(src[k]) {
			k++
		}
		return token{}, lexErr(i, "malformed number %q", src[i:k])
	}
	return token{kind: tInt, u: u, off: i, end: j}, nil
}

// lexWord scans a keyword or an identifier.
func lexWord(src string, i int) (token, *SyntaxError) {
	j := i
	for j < len(src) && isIdentByte(src[j]) {
		j++
	}
	word := src[i:j]
	upper := strings.ToUpper(word)
	if forbidden[upper] {
		return token{}, &SyntaxError{Offset: i, Msg: "forbidden word " + upper, Err: ErrForbiddenWord}
	}
	if k, ok := keywords[upper]; ok {
		return token{kind: k, text: word, off: i, end: j}, nil
	}
	return token{kind: tIdent, text: word, off: i, end: j}, nil
}

// lexString scans a single-quoted string literal, where two quotes stand for one.
func lexString(src string, i int) (token, *SyntaxError) {
	var b strings.Builder
	start := i + 1
	for j := start; j < len(src); j++ {
		if src[j] != '\'' {
			continue
		}
		if j+1 < len(src) && src[j+1] == '\'' {
			b.WriteString(src[start : j+1])
			start = j + 2
			j++
			continue
		}
		text := src[start:j]
		if b.Len() > 0 {
			b.WriteString(text)
			text = b.String()
		}
		return token{kind: tString, text: text, off: i, end: j + 1}, nil
	}
	return token{}, lexErr(i, "unterminated string literal")
}
