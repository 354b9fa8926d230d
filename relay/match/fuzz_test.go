package match

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// fuzzRows are the rooms accepted filters are evaluated on while fuzzing.
var fuzzRows = []Row{
	{},
	testRow,
	{IntValue(math.MaxInt64), IntValue(math.MinInt64), IntValue(-1), TextValue("é%_\\"), TextValue("\xff")},
	{TextValue(strings.Repeat("ab", 700)), TextValue(strings.Repeat("%", 300)), IntValue(64), IntValue(0), TextValue("")},
}

// checkRoundTrip checks that printing fs and parsing the result gives equal
// filters, and that printing is then stable. It parses without the length
// limit, since the canonical form can be longer than the text.
func checkRoundTrip(t *testing.T, text string, fs *Filters) {
	t.Helper()
	printed := fs.String()
	again, err := parseText(printed)
	if err != nil {
		t.Fatalf("Parse(%q).String() = %q, which does not parse: %v", text, printed, err)
	}
	if !sameFilters(fs, again) {
		t.Fatalf("Parse(%q).String() = %q parses to another tree:\n%s\n%s", text, printed, dump(fs), dump(again))
	}
	if got := again.String(); got != printed {
		t.Fatalf("printing is not stable: %q, then %q", printed, got)
	}
}

// sameFilters reports whether a and b are equal trees. (cmp.Diff takes time
// exponential in the depth of such trees.)
func sameFilters(a, b *Filters) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.list {
		if a.list[i].concat != b.list[i].concat || !sameTree(a.list[i].root, b.list[i].root) {
			return false
		}
	}
	return true
}

func sameTree(a, b *node) bool {
	if a.val != b.val || a.esc != b.esc || a.op != b.op || a.col != b.col || a.depth != b.depth ||
		a.neg != b.neg || a.kw != b.kw || len(a.args) != len(b.args) {
		return false
	}
	for i := range a.args {
		if !sameTree(a.args[i], b.args[i]) {
			return false
		}
	}
	return true
}

// dump prints the trees of fs with every field, for failure messages.
func dump(fs *Filters) string {
	var b strings.Builder
	var walk func(n *node, indent string)
	walk = func(n *node, indent string) {
		fmt.Fprintf(&b, "%sop=%d val=%v esc=%d col=%d depth=%d neg=%v kw=%v\n", indent, n.op, n.val, n.esc, n.col, n.depth, n.neg, n.kw)
		for _, a := range n.args {
			walk(a, indent+"  ")
		}
	}
	for _, f := range fs.list {
		walk(f.root, "")
	}
	return b.String()
}

// fuzzSeeds are hand-written seeds beyond those of the test tables.
var fuzzSeeds = []string{
	"C0 BETWEEN 345 AND 475 AND C1 = 'Map2'",
	"C1 IN ('Map1','Map2')",
	"C0 > 10 AND C1 = 'eu'; C0 > 5; C0 >= 0",
	"C1 LIKE '%\\_%' ESCAPE '\\' OR C3 NOT LIKE 'é_%'",
	"C0 & 6 = 6 AND C2 << 3 >= 1 | 2 AND ~C4 < 0",
	"(C1 || C3) IS NOT NULL AND C0 % 7 NOT IN (1, 2, NULL)",
	"NOT C0 IS TRUE OR c9 IS FALSE = - -1",
	"C0 / 0 IS NULL AND -9223372036854775808 / -1 IS NULL",
	"1 = NOT 0 = 2 AND +C1 BETWEEN '' AND 'z'",
	"C0 = 1; DROP TABLE rooms",
	"C1 = 'x''; SELECT 1; --'",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, tt := range valueTests {
		f.Add(tt.expr)
	}
	for _, tt := range errorTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(text) {
				t.Fatalf("Parse(%q): bad error %#v", text, err)
			}
			return
		}
		if fs.Len() < 1 || fs.Len() > MaxFilters {
			t.Fatalf("Parse(%q): %d filters", text, fs.Len())
		}
		for i := range fs.Len() {
			for j := range fuzzRows {
				fs.Match(i, &fuzzRows[j])
			}
		}
		checkRoundTrip(t, text, fs)
	})
}
