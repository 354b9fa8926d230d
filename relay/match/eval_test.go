package match

import (
	"math"
	"strings"
	"testing"
)

// row builds a Row from positional values: nil is NULL, int an integer,
// string text.
func row(vals ...any) Row {
	var r Row
	for i, v := range vals {
		switch x := v.(type) {
		case int:
			r[i] = IntValue(int64(x))
		case string:
			r[i] = TextValue(x)
		}
	}
	return r
}

// testRow is the room most value tests read: C0..C5 set, C6..C9 NULL.
var testRow = row(5, "Map2", -3, "", 0, "50%_off")

// value parses a one-filter text and evaluates it for r.
func value(t *testing.T, text string, r Row) Value {
	t.Helper()
	fs, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	if fs.Len() != 1 {
		t.Fatalf("Parse(%q): got %d filters, want 1", text, fs.Len())
	}
	var buf [scratchLen]byte
	e := evaluator{row: &r, scratch: buf[:]}
	v := e.eval(fs.Filter(0).root)
	v.s = strings.Clone(v.s) // may alias buf
	return v
}

// valueTests is the semantics, as expression → value for testRow
// (C0 = 5, C1 = 'Map2', C2 = -3, C3 empty, C4 = 0, C5 = '50%_off', others NULL).
var valueTests = []struct {
	name, expr string
	want       Value
}{
	// Literals and columns.
	{"integer", "42", IntValue(42)},
	{"negative integer", "-42", IntValue(-42)},
	{"min int64", "-9223372036854775808", IntValue(math.MinInt64)},
	{"max int64", "9223372036854775807", IntValue(math.MaxInt64)},
	{"string with quote", "'it''s'", TextValue("it's")},
	{"empty string", "''", TextValue("")},
	{"null", "NULL", Value{}},
	{"true", "TRUE", IntValue(1)},
	{"false", "false", IntValue(0)},
	{"column lower case", "c0", IntValue(5)},
	{"unset column", "C9", Value{}},
	{"text column", "C1", TextValue("Map2")},

	// Comparisons.
	{"eq", "C0 = 5", IntValue(1)},
	{"eq double", "C0 == 5", IntValue(1)},
	{"ne", "C0 != 5", IntValue(0)},
	{"ne angle", "C0 <> 4", IntValue(1)},
	{"lt", "C0 < 6", IntValue(1)},
	{"le", "C0 <= 5", IntValue(1)},
	{"gt", "C0 > 5", IntValue(0)},
	{"ge", "C0 >= 6", IntValue(0)},
	{"negative column", "C2 < 0", IntValue(1)},
	{"text eq", "C1 = 'Map2'", IntValue(1)},
	{"text eq is case-sensitive", "C1 = 'map2'", IntValue(0)},
	{"text order", "'a' < 'b'", IntValue(1)},
	{"text order is bytewise", "'B' < 'a'", IntValue(1)},
	{"empty text first", "C3 < 'a'", IntValue(1)},

	// Integers and text never convert: integers sort first.
	{"int eq numeric text", "C0 = '5'", IntValue(0)},
	{"literal int eq text", "5 = '5'", IntValue(0)},
	{"int ne text", "C0 <> '5'", IntValue(1)},
	{"int below text", "C0 < 'a'", IntValue(1)},
	{"int below empty text", "C0 < ''", IntValue(1)},
	{"text above max int", "C1 > 9223372036854775807", IntValue(1)},
	{"text zero above int", "'0' > 999", IntValue(1)},

	// NULL.
	{"eq null column", "C9 = 1", Value{}},
	{"ne null column", "C9 <> 1", Value{}},
	{"null eq null", "NULL = NULL", Value{}},
	{"lt null", "C0 < NULL", Value{}},
	{"is null", "C9 IS NULL", IntValue(1)},
	{"is null set", "C0 IS NULL", IntValue(0)},
	{"is not null", "C9 IS NOT NULL", IntValue(0)},
	{"is not null set", "C0 IS NOT NULL", IntValue(1)},
	{"is value", "C0 IS 5", IntValue(1)},
	{"is other kind", "C0 IS '5'", IntValue(0)},
	{"null is null", "NULL IS NULL", IntValue(1)},
	{"null is value", "C9 IS 5", IntValue(0)},
	{"is not value", "C1 IS NOT 'Map2'", IntValue(0)},
	{"is true tests truth", "C0 IS TRUE", IntValue(1)},
	{"is true in parens", "C0 IS (TRUE)", IntValue(1)},
	{"is plus true compares", "C0 IS +TRUE", IntValue(0)},
	{"is 1 compares", "C0 IS 1", IntValue(0)},
	{"is not true", "C0 IS NOT TRUE", IntValue(0)},
	{"zero is false", "C4 IS FALSE", IntValue(1)},
	{"text is false", "C1 IS FALSE", IntValue(1)},
	{"null is not false", "C9 IS FALSE", IntValue(0)},
	{"null is not false, negated", "C9 IS NOT FALSE", IntValue(1)},
	{"true is value compares", "TRUE IS 5", IntValue(0)},

	// Three-valued logic.
	{"and true", "1 AND 1", IntValue(1)},
	{"and false", "1 AND 0", IntValue(0)},
	{"and null", "1 AND NULL", Value{}},
	{"false and null", "0 AND NULL", IntValue(0)},
	{"null and false", "NULL AND 0", IntValue(0)},
	{"or null true", "NULL OR 1", IntValue(1)},
	{"or false null", "0 OR NULL", Value{}},
	{"or false", "0 OR 0", IntValue(0)},
	{"not zero", "NOT 0", IntValue(1)},
	{"not non-zero", "NOT -5", IntValue(0)},
	{"not null", "NOT NULL", Value{}},
	{"not text", "NOT 'abc'", IntValue(1)},
	{"text is false", "'abc' OR 0", IntValue(0)},
	{"null column or match", "C9 = 1 OR C0 = 5", IntValue(1)},
	{"and chain", "C0 = 5 AND C1 = 'Map2' AND C2 = -3", IntValue(1)},

	// Precedence.
	{"mul before add", "1 + 2 * 3", IntValue(7)},
	{"parens", "(1 + 2) * 3", IntValue(9)},
	{"sub left-assoc", "10 - 2 - 3", IntValue(5)},
	{"div left-assoc", "100 / 10 / 5", IntValue(2)},
	{"rel before eq", "3 = 2 < 3", IntValue(0)},
	{"shift after add", "1 << 2 + 1", IntValue(8)},
	{"bit ops left-assoc", "6 & 3 | 8", IntValue(10)},
	{"not after eq", "NOT 1 = 2", IntValue(1)},
	{"not as operand", "1 = NOT 0 = 2", IntValue(1)},
	{"not after minus", "-NOT 0", IntValue(-1)},
	{"not takes sum", "NOT 0 + 1", IntValue(0)},
	{"and before or", "1 OR 0 AND 0", IntValue(1)},
	{"concat before mul", "2 * 3 || 4", Value{}}, // 2 * '34': text operand
	{"concat after parens", "(1 + 2) || 3", TextValue("33")},
	{"unary minus binds tightest", "-C0 * 2", IntValue(-10)},
	{"between then eq", "5 BETWEEN 1 AND 9 = 1", IntValue(1)},
	{"between then and", "C0 BETWEEN 1 AND 9 AND C1 = 'Map2'", IntValue(1)},
	{"bitwise not", "~0", IntValue(-1)},
	{"bitwise not column", "~C0", IntValue(-6)},
	{"double minus", "- -5", IntValue(5)},
	{"unary plus is no-op", "+C1", TextValue("Map2")},
	{"minus text", "-C1", Value{}},
	{"minus min int64", "-(-9223372036854775808)", Value{}},

	// BETWEEN.
	{"between inclusive", "C0 BETWEEN 5 AND 5", IntValue(1)},
	{"between outside", "C0 BETWEEN 6 AND 9", IntValue(0)},
	{"not between", "C0 NOT BETWEEN 6 AND 9", IntValue(1)},
	{"between reversed bounds", "C0 BETWEEN 9 AND 1", IntValue(0)},
	{"between null low", "C0 BETWEEN NULL AND 9", Value{}},
	{"between null low false", "C0 BETWEEN NULL AND 4", IntValue(0)},
	{"not between null low", "C0 NOT BETWEEN NULL AND 4", IntValue(1)},
	{"between null column", "C9 BETWEEN 1 AND 2", Value{}},
	{"between text", "C1 BETWEEN 'Map1' AND 'Map3'", IntValue(1)},
	{"between int and text", "C0 BETWEEN 1 AND 'a'", IntValue(1)},

	// IN.
	{"in", "C1 IN ('Map1', 'Map2')", IntValue(1)},
	{"in miss", "C1 IN ('Map1')", IntValue(0)},
	{"not in", "C1 NOT IN ('Map1')", IntValue(1)},
	{"in miss with null", "C0 IN (1, NULL)", Value{}},
	{"in hit with null", "C0 IN (NULL, 5)", IntValue(1)},
	{"not in with null", "C0 NOT IN (1, NULL)", Value{}},
	{"null in", "C9 IN (1)", Value{}},
	{"null in empty", "C9 IN ()", IntValue(0)},
	{"null not in empty", "C9 NOT IN ()", IntValue(1)},
	{"in empty", "C0 IN ()", IntValue(0)},
	{"in no conversion", "C0 IN ('5')", IntValue(0)},
	{"in expression", "C0 IN (2 + 3)", IntValue(1)},
	{"in columns", "C0 IN (C2, C0)", IntValue(1)},

	// LIKE.
	{"like prefix any case", "C1 LIKE 'map%'", IntValue(1)},
	{"like underscore", "C1 LIKE 'MAP_'", IntValue(1)},
	{"like whole", "C1 LIKE 'Map'", IntValue(0)},
	{"like infix", "C1 LIKE '%a%'", IntValue(1)},
	{"not like", "C1 NOT LIKE 'x%'", IntValue(1)},
	{"like null subject", "C9 LIKE '%'", Value{}},
	{"like null pattern", "C1 LIKE NULL", Value{}},
	{"empty like percent", "C3 LIKE '%'", IntValue(1)},
	{"empty like underscore", "C3 LIKE '_'", IntValue(0)},
	{"like escape", "C5 LIKE '50!%!_off' ESCAPE '!'", IntValue(1)},
	{"like escaped percent is literal", "'50x_off' LIKE '50!%%' ESCAPE '!'", IntValue(0)},
	{"like escape percent", "'a%' LIKE 'a%%' ESCAPE '%'", IntValue(1)},
	{"like trailing escape", "'ab' LIKE 'a%' ESCAPE '%'", IntValue(0)},
	{"like non-ascii underscore", "'é' LIKE '_'", IntValue(1)},
	{"like non-ascii is case-sensitive", "'É' LIKE 'é'", IntValue(0)},
	{"like ascii folds next to non-ascii", "'ÀB' LIKE 'Àb'", IntValue(1)},
	{"like integer subject", "123 LIKE '12%'", IntValue(1)},
	{"like integer pattern", "C0 LIKE 5", IntValue(1)},
	{"like pattern expression", "'123' LIKE 12 || '%'", IntValue(1)},

	// Arithmetic.
	{"div truncates", "7 / 2", IntValue(3)},
	{"div truncates toward zero", "-7 / 2", IntValue(-3)},
	{"mod", "7 % 3", IntValue(1)},
	{"mod sign of left", "-7 % 3", IntValue(-1)},
	{"mod negative divisor", "7 % -3", IntValue(1)},
	{"div by zero", "1 / 0", Value{}},
	{"mod by zero", "1 % 0", Value{}},
	{"div by zero column", "C0 / C4", Value{}},
	{"div overflow", "-9223372036854775808 / -1", Value{}},
	{"mod min by minus one", "-9223372036854775808 % -1", IntValue(0)},
	{"add overflow", "9223372036854775807 + 1", Value{}},
	{"sub overflow", "-9223372036854775808 - 1", Value{}},
	{"mul overflow", "4611686018427387904 * 2", Value{}},
	{"mul to min int64", "-4611686018427387904 * 2", IntValue(math.MinInt64)},
	{"add text", "'5' + 1", Value{}},
	{"add null", "C9 + 1", Value{}},
	{"bit and", "6 & 3", IntValue(2)},
	{"bit or", "6 | 3", IntValue(7)},
	{"shl", "1 << 62", IntValue(1 << 62)},
	{"shl into sign", "1 << 63", IntValue(math.MinInt64)},
	{"shl 64", "1 << 64", IntValue(0)},
	{"shr negative 64", "-1 >> 64", IntValue(-1)},
	{"shr arithmetic", "-8 >> 1", IntValue(-4)},
	{"shr negative count", "8 >> -1", IntValue(16)},
	{"shl negative count", "8 << -2", IntValue(2)},
	{"shl min int64 count", "1 << -9223372036854775808", IntValue(0)},
	{"shl large negative count", "-1 << -70", IntValue(-1)},

	// Concatenation.
	{"concat", "'a' || 'b'", TextValue("ab")},
	{"concat columns", "C1 || '-' || C0", TextValue("Map2-5")},
	{"concat integers", "1 || 2", TextValue("12")},
	{"concat negative", "C2 || ''", TextValue("-3")},
	{"concat null", "C9 || 'a'", Value{}},
	{"concat null literal", "'a' || NULL", Value{}},
	{"concat empty", "C3 || ''", TextValue("")},
	{"concat compared", "C1 || C1 = 'Map2Map2'", IntValue(1)},
	{"concat in list", "'Map2x' IN (C1 || 'y', C1 || 'x')", IntValue(1)},
}

func TestValue(t *testing.T) {
	for _, tt := range valueTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := value(t, tt.expr, testRow); got != tt.want {
				t.Errorf("%s: got %v, want %v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name, filter string
		row          Row
		want         bool
	}{
		{"true", "C0 = 5", testRow, true},
		{"false", "C0 = 6", testRow, false},
		{"null does not match", "C9 = 1", testRow, false},
		{"not null does not match", "NOT (C9 = 1)", testRow, false},
		{"text is not true", "C1", testRow, false},
		{"non-zero integer is true", "C2", testRow, true},
		{"empty row", "C0 IS NULL AND C9 IS NULL", Row{}, true},
		{"photon example", "C0 BETWEEN 345 AND 475 AND C1 = 'Map2'", row(400, "Map2"), true},
		{"photon example miss", "C0 BETWEEN 345 AND 475 AND C1 = 'Map2'", row(500, "Map2"), false},
		{"photon in example", "C1 IN ('Map1','Map2')", row(nil, "Map1"), true},
		{"long concat is null", "C1 || C1 IS NULL", row(nil, strings.Repeat("x", 2049)), true},
		{"concat beyond scratch", "C1 || C1 = C2", row(nil, strings.Repeat("x", 300), strings.Repeat("x", 600)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.filter, err)
			}
			if got := fs.Match(0, &tt.row); got != tt.want {
				t.Errorf("%s: got %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	r := row(400, "Map2", 3, "eu", 7)
	for _, f := range []string{
		"C0 BETWEEN 345 AND 475 AND C1 = 'Map2' AND C2 IN (1, 2, 3)",
		"C1 LIKE 'map%' OR C3 NOT LIKE '_u' ESCAPE '!'",
		"(C0 + C2) * 2 / (C4 - 7) IS NULL AND C0 & 16 = 16 AND ~C4 < 0",
	} {
		fs, err := Parse(f)
		if err != nil {
			t.Fatalf("Parse(%q): %v", f, err)
		}
		if !fs.Match(0, &r) {
			t.Errorf("%s: got no match, want a match", f)
		}
		if n := testing.AllocsPerRun(100, func() { fs.Match(0, &r) }); n != 0 {
			t.Errorf("%s: got %v allocations per Match, want 0", f, n)
		}
	}
}
