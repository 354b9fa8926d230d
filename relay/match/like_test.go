package match

import (
	"strings"
	"testing"
)

func TestLike(t *testing.T) {
	tests := []struct {
		s, p string
		esc  rune
		want bool
	}{
		{"", "", noEscape, true},
		{"", "%", noEscape, true},
		{"", "%%", noEscape, true},
		{"", "_", noEscape, false},
		{"a", "", noEscape, false},
		{"abc", "abc", noEscape, true},
		{"abc", "ABC", noEscape, true},
		{"ABC", "abc", noEscape, true},
		{"abc", "ab", noEscape, false},
		{"ab", "abc", noEscape, false},
		{"abc", "a%", noEscape, true},
		{"abc", "%c", noEscape, true},
		{"abc", "%b%", noEscape, true},
		{"abc", "%d%", noEscape, false},
		{"abc", "a_c", noEscape, true},
		{"abc", "a__c", noEscape, false},
		{"abc", "___", noEscape, true},
		{"abc", "_%_", noEscape, true},
		{"ac", "a%_c", noEscape, false},
		{"aXbXc", "%x%X%", noEscape, true},
		{"mississippi", "%iss%ipp%", noEscape, true},
		{"mississippi", "m%ss%ss%pi", noEscape, true},
		{"mississippi", "m%ss%ss%ss%", noEscape, false},
		{"[", "{", noEscape, false}, // 0x5B and 0x7B differ only in bit 5 but are not letters
		{"@", "`", noEscape, false},
		{"é", "_", noEscape, true},
		{"é", "__", noEscape, false},
		{"é", "É", noEscape, false},
		{"aéb", "A_B", noEscape, true},
		{"日本語", "%本%", noEscape, true},
		{"\xff", "_", noEscape, true},
		{"\xff\xfe", "_", noEscape, false},
		{"\xff", "\xfe", noEscape, false},
		{"50%", "50!%", '!', true},
		{"50x", "50!%", '!', false},
		{"a_b", "a!_b", '!', true},
		{"axb", "a!_b", '!', false},
		{"a!b", "a!!b", '!', true},
		{"ab", "a!b", '!', true}, // escaping an ordinary character
		{"a", "a!", '!', false},  // dangling escape
		{"a%", "a%%", '%', true}, // % as escape is no longer a wildcard
		{"ab", "a%", '%', false},
		{"a_", "a__", '_', true},
		{"ab", "a__", '_', false},
		{"aéb", "aééb", 'é', true},
		{"a\xffb", "a\xff", '\uFFFD', false}, // an invalid byte is not the escape U+FFFD
		{"a\uFFFDb", "a\uFFFD\uFFFDb", '\uFFFD', true},
		{"Ab", "a%", 'x', true},
	}
	for _, tt := range tests {
		if got := like(tt.s, tt.p, tt.esc); got != tt.want {
			t.Errorf("like(%q, %q, %q): got %v, want %v", tt.s, tt.p, tt.esc, got, tt.want)
		}
	}
}

// TestLikeIsNotExponential runs patterns that make naive backtracking
// matchers take exponential time; this one is O(len(s)*len(p)).
func TestLikeIsNotExponential(t *testing.T) {
	s := strings.Repeat("a", 4096)
	for _, p := range []string{strings.Repeat("%a", 30) + "b", strings.Repeat("%_", 30) + "b", strings.Repeat("a%", 200) + "b"} {
		if like(s, p, noEscape) {
			t.Errorf("like(a..., %q): got true, want false", p)
		}
	}
}
