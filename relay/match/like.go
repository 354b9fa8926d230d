package match

import (
	"strings"
	"unicode/utf8"
)

// like reports whether s matches the LIKE pattern p as SQLite does: % matches
// any run of characters, _ exactly one, the escape character esc (or
// noEscape) makes the next character literal and takes % or _ out of
// service if it is one of them; ASCII letters match either case, other
// characters only themselves. An invalid UTF-8 byte counts as one character.
// A pattern ending in the escape character matches nothing.
//
// The matcher backtracks only to the last %, so it runs in
// O(len(s)*len(p)) time and never recurses.
func like(s, p string, esc rune) bool {
	escLen := utf8.RuneLen(esc) // -1 for noEscape, which never matches
	si, pi := 0, 0
	starP, starS := -1, 0 // pattern offset after the last %, and where in s it resumes
	for si < len(s) {
		if pi < len(p) {
			c, w := decodeChar(p, pi)
			lit := p[pi : pi+w]
			switch {
			case c == esc && w == escLen:
				if pi+w == len(p) {
					return false
				}
				_, lw := decodeChar(p, pi+w)
				lit, w = p[pi+w:pi+w+lw], w+lw
			case c == '%':
				pi += w
				starP, starS = pi, si
				continue
			case c == '_':
				_, sw := decodeChar(s, si)
				si, pi = si+sw, pi+w
				continue
			}
			if sw := matchChar(s[si:], lit); sw > 0 {
				si, pi = si+sw, pi+w
				continue
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := decodeChar(s, starS) // let the last % absorb one more character
		starS += sw
		si, pi = starS, starP
	}
	return onlyPercents(p[pi:], esc, escLen)
}

// matchChar returns the length of the character lit at the start of s, or
// 0 if s does not start with it; ASCII letters match either case.
func matchChar(s, lit string) int {
	if len(lit) == 1 {
		if a, b := s[0], lit[0]; a == b || a|0x20 == b|0x20 && 'a' <= b|0x20 && b|0x20 <= 'z' {
			return 1
		}
		return 0
	}
	if strings.HasPrefix(s, lit) {
		return len(lit)
	}
	return 0
}

// onlyPercents reports whether p matches the empty string: it holds only
// unescaped %.
func onlyPercents(p string, esc rune, escLen int) bool {
	for i := 0; i < len(p); {
		c, w := decodeChar(p, i)
		if c != '%' || c == esc && w == escLen {
			return false
		}
		i += w
	}
	return true
}
