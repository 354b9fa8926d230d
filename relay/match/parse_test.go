package match

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestString checks precedence and associativity through the canonical
// form, which has only the parentheses the tree needs.
func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"c0=1 and c1='x'", "C0 = 1 AND C1 = 'x'"},
		{"C0 = 1 OR C1 = 2 AND C2 = 3", "C0 = 1 OR C1 = 2 AND C2 = 3"},
		{"(C0 = 1 OR C1 = 2) AND C2 = 3", "(C0 = 1 OR C1 = 2) AND C2 = 3"},
		{"(C0 AND C1) AND (C2 AND C3)", "C0 AND C1 AND C2 AND C3"},
		{"C0 OR (C1 OR C2)", "C0 OR C1 OR C2"},
		{"1 + (2 * 3)", "1 + 2 * 3"},
		{"(1 + 2) * 3", "(1 + 2) * 3"},
		{"1 - (2 - 3)", "1 - (2 - 3)"},
		{"(1 - 2) - 3", "1 - 2 - 3"},
		{"C0 || C1 || C2", "C0 || C1 || C2"},
		{"C0 & 4 = 4", "C0 & 4 = 4"},
		{"C0 << 1 + 1", "C0 << 1 + 1"},
		{"(C0 << 1) + 1", "(C0 << 1) + 1"},
		{"C0 < 1 = C1 > 2", "C0 < 1 = C1 > 2"},
		{"C0 = (C1 = C2)", "C0 = (C1 = C2)"},
		{"(C0 = C1) = C2", "C0 = C1 = C2"},
		{"NOT C0 = 1", "NOT C0 = 1"},
		{"(NOT C0) = 1", "(NOT C0) = 1"},
		{"C0 = NOT C1", "C0 = (NOT C1)"},
		{"NOT NOT C0", "NOT NOT C0"},
		{"NOT (C0 AND C1)", "NOT (C0 AND C1)"},
		{"c0 not between 1 and 2", "C0 NOT BETWEEN 1 AND 2"},
		{"C0 BETWEEN (1 AND 2) AND 3", "C0 BETWEEN (1 AND 2) AND 3"},
		{"C0 BETWEEN 1 + 1 AND 3 AND C1", "C0 BETWEEN 1 + 1 AND 3 AND C1"},
		{"C0 BETWEEN (C1 = 1) AND 3", "C0 BETWEEN (C1 = 1) AND 3"},
		{"c0 not in (1,2)", "C0 NOT IN (1, 2)"},
		{"C0 IN (C1 = 1, (2))", "C0 IN (C1 = 1, 2)"},
		{"c0 in ()", "C0 IN ()"},
		{"c1 like 'a!%' escape '!'", "C1 LIKE 'a!%' ESCAPE '!'"},
		{"C1 NOT LIKE ('a' || C2)", "C1 NOT LIKE 'a' || C2"},
		{"C1 LIKE 'é' ESCAPE 'é'", "C1 LIKE 'é' ESCAPE 'é'"},
		{"C0 is not null", "C0 IS NOT NULL"},
		{"C0 IS (C1 IS C2)", "C0 IS (C1 IS C2)"},
		{"C0 IS true", "C0 IS TRUE"},
		{"FALSE", "FALSE"},
		{"C0 == 1", "C0 = 1"},
		{"C0 != 1", "C0 <> 1"},
		{"'it''s'", "'it''s'"},
		{"- 5", "-5"},
		{"-(5)", "-(5)"},
		{"-C0", "-C0"},
		{"- -C0", "- -C0"},
		{"-(-C0)", "- -C0"},
		{"- -5", "- -5"},
		{"- - 5", "- -5"},
		{"-(-(5))", "- -(5)"},
		{"~~C0", "~~C0"},
		{"-~(C0 + 1)", "-~(C0 + 1)"},
		{"-'a'", "-'a'"},
		{"-(1 + 2)", "-(1 + 2)"},
		{"~-5", "~-5"},
		{"+C0", "+C0"},
		{"+-C0", "+-C0"},
		{"-NOT 0", "-(NOT 0)"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"-5 * 2", "-5 * 2"},
		{"C0 - -5", "C0 - -5"},
		{"((C0))", "C0"},
		{"C0 = 1;", "C0 = 1"},
		{"C0 = 1 ; c1 = 2 ;  ", "C0 = 1; C1 = 2"},
		{"C0=1;C1=2;C2=3", "C0 = 1; C1 = 2; C2 = 3"},
		{"\tC0\r\n=\f1", "C0 = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			fs, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := fs.String(); got != tt.want {
				t.Errorf("Parse(%q).String(): got %q, want %q", tt.in, got, tt.want)
			}
			checkRoundTrip(t, tt.in, fs)
		})
	}
}

func TestChain(t *testing.T) {
	fs, err := Parse("C0 = 1; C0 = 2;C1 = 'a;b'")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if fs.Len() != 3 {
		t.Fatalf("Len: got %d, want 3", fs.Len())
	}
	r := row(2, "a;b")
	for i, want := range []bool{false, true, true} {
		if got := fs.Match(i, &r); got != want {
			t.Errorf("Match(%d): got %v, want %v", i, got, want)
		}
		if got := fs.Filter(i).Match(&r); got != want {
			t.Errorf("Filter(%d).Match: got %v, want %v", i, got, want)
		}
	}
	if got, want := fs.Filter(2).String(), "C1 = 'a;b'"; got != want {
		t.Errorf("Filter(2).String(): got %q, want %q", got, want)
	}
}

// errorTests are texts Parse refuses, with the exact error.
var errorTests = []struct {
	name, text, want string
	is               error // ErrForbiddenWord, ErrLimit or nil
}{
	{"extra paren", "C0 = 1)", "match: filter 1, offset 6: unexpected ')'", nil},
	{"extra paren second filter", "C0 = 1; C1 = )", "match: filter 2, offset 13: unexpected ')'", nil},
	{"missing operand", "C0 = ", "match: filter 1, offset 5: unexpected end of filter", nil},
	{"missing operand before semicolon", "C0 = ; C1 = 1", "match: filter 1, offset 5: unexpected end of filter", nil},
	{"empty", "", "match: filter 1, offset 0: empty filter", nil},
	{"blank", "  ", "match: filter 1, offset 2: empty filter", nil},
	{"only semicolon", ";", "match: filter 1, offset 0: empty filter", nil},
	{"leading semicolon", "; C0 = 1", "match: filter 1, offset 0: empty filter", nil},
	{"empty between", "C0 = 1;;C1 = 2", "match: filter 2, offset 7: empty filter", nil},
	{"two trailing semicolons", "C0 = 1; ;", "match: filter 2, offset 8: empty filter", nil},
	{"four filters", "C0=1;C0=2;C0=3;C0=4", "match: filter 4, offset 15: more than 3 filters", ErrLimit},
	{"two expressions", "C0 = 1 C1 = 2", "match: filter 1, offset 7: unexpected 'C1'", nil},
	{"unknown column", "foo = 1", `match: filter 1, offset 0: unknown column "foo" (columns are C0 to C9)`, nil},
	{"column 10", "C10 = 1", `match: filter 1, offset 0: unknown column "C10" (columns are C0 to C9)`, nil},
	{"function", "C0 = 1 OR abs(C0) = 1", `match: filter 1, offset 10: unsupported function "abs"`, nil},
	{"glob", "C1 GLOB 'a*'", "match: filter 1, offset 3: unsupported keyword GLOB", nil},
	{"case", "CASE WHEN C0 THEN 1 END", "match: filter 1, offset 0: unsupported keyword CASE", nil},
	{"real", "C0 = 1.5", "match: filter 1, offset 5: real numbers are not supported", nil},
	{"real leading dot", "C0 = .5", "match: filter 1, offset 5: real numbers are not supported", nil},
	{"real exponent", "C0 = 1e3", "match: filter 1, offset 5: real numbers are not supported", nil},
	{"hex", "C0 = 0x10", `match: filter 1, offset 5: malformed number "0x10"`, nil},
	{"int too large", "C0 = 9223372036854775808", "match: filter 1, offset 5: integer literal out of range", nil},
	{"int far too large", "C0 = 99999999999999999999", "match: filter 1, offset 5: integer literal out of range", nil},
	{"int too small", "C0 = -9223372036854775809", "match: filter 1, offset 6: integer literal out of range", nil},
	{"unterminated string", "C1 = 'abc", "match: filter 1, offset 5: unterminated string literal", nil},
	{"double quotes", `"C0" = 1`, "match: filter 1, offset 0: quoted identifiers are not supported: write columns as C0 to C9 and strings in single quotes", nil},
	{"brackets", "[C0] = 1", "match: filter 1, offset 0: quoted identifiers are not supported: write columns as C0 to C9 and strings in single quotes", nil},
	{"line comment", "C0 = 1 -- x", "match: filter 1, offset 7: comments are not allowed", nil},
	{"block comment", "C0 = /* x */ 1", "match: filter 1, offset 5: comments are not allowed", nil},
	{"hash", "C0 = 1 # x", `match: filter 1, offset 7: unexpected character "#"`, nil},
	{"bang", "C0 = 1 ! 2", `match: filter 1, offset 7: unexpected character "!"`, nil},
	{"non-ascii", "C0 = 1 ∧ C1", `match: filter 1, offset 7: unexpected character "∧"`, nil},
	{"nul byte", "C0 = 1\x00", `match: filter 1, offset 6: unexpected character "\x00"`, nil},
	{"parameter", "C0 = ?", `match: filter 1, offset 5: unexpected character "?"`, nil},
	{"not without operator", "C0 NOT 1", "match: filter 1, offset 7: expected BETWEEN, IN or LIKE after NOT", nil},
	{"not null postfix", "C0 NOT NULL", "match: filter 1, offset 7: expected BETWEEN, IN or LIKE after NOT", nil},
	{"between without and", "C0 BETWEEN 1 OR 2", "match: filter 1, offset 13: expected AND in BETWEEN, found 'OR'", nil},
	{"between at end", "C0 BETWEEN 1", "match: filter 1, offset 12: expected AND in BETWEEN, found end of filter", nil},
	{"in without list", "C0 IN 1", "match: filter 1, offset 6: expected '(' after IN, found '1'", nil},
	{"in missing comma", "C0 IN (1 2)", "match: filter 1, offset 9: expected ',' or ')' in IN list, found '2'", nil},
	{"in trailing comma", "C0 IN (1,)", "match: filter 1, offset 9: unexpected ')'", nil},
	{"in unclosed", "C0 IN (1", "match: filter 1, offset 8: expected ',' or ')' in IN list, found end of filter", nil},
	{"escape too long", "C1 LIKE 'a' ESCAPE 'ab'", "match: filter 1, offset 19: ESCAPE needs a string of one character", nil},
	{"escape empty", "C1 LIKE 'a' ESCAPE ''", "match: filter 1, offset 19: ESCAPE needs a string of one character", nil},
	{"escape column", "C1 LIKE 'a' ESCAPE C2", "match: filter 1, offset 19: ESCAPE needs a string of one character", nil},
	{"escape invalid utf-8", "C1 LIKE 'a' ESCAPE '\xff'", "match: filter 1, offset 19: ESCAPE needs a string of one character", nil},
	{"unclosed paren", "(C0 = 1", "match: filter 1, offset 7: expected ')', found end of filter", nil},
	{"unclosed paren then token", "(C0 = 1 C1", "match: filter 1, offset 8: expected ')', found 'C1'", nil},
	{"string where operator expected", "C0 'a'", "match: filter 1, offset 3: unexpected string 'a'", nil},
	{"operator first", "= 1", "match: filter 1, offset 0: unexpected '='", nil},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, tt.text, tt.want, tt.is)
		})
	}
}

// checkError checks that Parse(text) fails with a *SyntaxError whose text is
// want (if not empty) and that matches is (if not nil).
func checkError(t *testing.T, text, want string, is error) {
	t.Helper()
	fs, err := Parse(text)
	if err == nil {
		t.Fatalf("Parse(%q): got %v, want an error", text, fs)
	}
	if want != "" && err.Error() != want {
		t.Errorf("Parse(%q):\n got %s\nwant %s", text, err, want)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("Parse(%q): got %T, want *SyntaxError", text, err)
	} else if se.Offset < 0 || se.Offset > len(text) || se.Filter < 0 || se.Filter > MaxFilters+1 {
		t.Errorf("Parse(%q): offset %d, filter %d out of range", text, se.Offset, se.Filter)
	}
	for _, sentinel := range []error{ErrForbiddenWord, ErrLimit} {
		if got, wantIs := errors.Is(err, sentinel), sentinel == is; got != wantIs {
			t.Errorf("Parse(%q): errors.Is(err, %v): got %v, want %v", text, sentinel, got, wantIs)
		}
	}
}

var forbiddenWords = []string{"ALTER", "CREATE", "DELETE", "DROP", "EXEC", "EXECUTE", "INSERT", "MERGE", "SELECT", "UPDATE", "UNION"}

func TestForbiddenWords(t *testing.T) {
	for _, w := range forbiddenWords {
		for _, spelling := range []string{w, strings.ToLower(w), strings.ToUpper(w[:1]) + strings.ToLower(w[1:])} {
			t.Run(spelling, func(t *testing.T) {
				text := "C0 = 1 AND " + spelling
				want := "match: filter 1, offset 11: forbidden word " + w
				checkError(t, text, want, ErrForbiddenWord)
				// Inside a string literal the word is just text.
				lit := "C1 = '" + spelling + "'"
				if v := value(t, lit, row(nil, spelling)); v != IntValue(1) {
					t.Errorf("%s: got %v, want 1", lit, v)
				}
			})
		}
	}
}

func TestForbiddenWordsAreWholeWords(t *testing.T) {
	for _, text := range []string{"DROPS = 1", "selected = 1", "C0 = 1 AND updated_at = 2"} {
		_, err := Parse(text)
		if err == nil || errors.Is(err, ErrForbiddenWord) || !strings.Contains(err.Error(), "unknown column") {
			t.Errorf("Parse(%q): got %v, want an unknown column error", text, err)
		}
	}
}

func TestInjection(t *testing.T) {
	refused := []struct {
		text, want string
		is         error
	}{
		{"C0 = 1; DROP TABLE x", "match: filter 2, offset 8: forbidden word DROP", ErrForbiddenWord},
		{"C0 = 1 UNION SELECT * FROM rooms", "match: filter 1, offset 7: forbidden word UNION", ErrForbiddenWord},
		{"C0 = 1 UNION ALL SELECT 1", "match: filter 1, offset 7: forbidden word UNION", ErrForbiddenWord},
		{"C1 = 'a'; INSERT INTO rooms VALUES (1)", "match: filter 2, offset 10: forbidden word INSERT", ErrForbiddenWord},
		{"C0 = 1; EXEC xp_cmdshell 'dir'", "match: filter 2, offset 8: forbidden word EXEC", ErrForbiddenWord},
		{"C0 IN (SELECT C0 FROM rooms)", "match: filter 1, offset 7: forbidden word SELECT", ErrForbiddenWord},
		{"C0 = = 1; DROP TABLE x", "match: filter 2, offset 10: forbidden word DROP", ErrForbiddenWord}, // before the syntax error
		{"C0 = 1 -- AND C1 = 2", "match: filter 1, offset 7: comments are not allowed", nil},
		{"C0 = 1 /* DROP */", "match: filter 1, offset 7: comments are not allowed", nil},
		{"C0 = 1 OR sleep(5)", `match: filter 1, offset 10: unsupported function "sleep"`, nil},
		{"C0 = 1; ATTACH DATABASE 'x' AS y", `match: filter 2, offset 8: unknown column "ATTACH" (columns are C0 to C9)`, nil},
		{"C0 = 1; PRAGMA writable_schema", `match: filter 2, offset 8: unknown column "PRAGMA" (columns are C0 to C9)`, nil},
		{"C1 = 'a' + \"b\"", "match: filter 1, offset 11: quoted identifiers are not supported: write columns as C0 to C9 and strings in single quotes", nil},
		{"C1 = 'a'' OR 1 = 1", "match: filter 1, offset 5: unterminated string literal", nil},
	}
	for _, tt := range refused {
		t.Run(tt.text, func(t *testing.T) { checkError(t, tt.text, tt.want, tt.is) })
	}
	// Quotes inside strings stay inside: these are one harmless filter each.
	accepted := []struct{ text, want string }{
		{"C1 = 'a''; DROP TABLE rooms; --'", "a'; DROP TABLE rooms; --"},
		{"C1 = ''' OR 1 = 1 --'", "' OR 1 = 1 --"},
		{"C1 = '/* */ UNION SELECT'", "/* */ UNION SELECT"},
	}
	for _, tt := range accepted {
		t.Run(tt.text, func(t *testing.T) {
			fs, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if fs.Len() != 1 {
				t.Fatalf("Parse(%q): got %d filters, want 1", tt.text, fs.Len())
			}
			if r := row(nil, tt.want); !fs.Match(0, &r) {
				t.Errorf("Parse(%q) does not match C1 = %q", tt.text, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	inList := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprint(i)
		}
		return "C0 IN (" + strings.Join(items, ",") + ")"
	}
	sum := func(n int) string { return "C0" + strings.Repeat(" + 1", n) }
	ok := []struct{ name, text string }{
		{"2048 bytes", "C1 = '" + strings.Repeat("x", MaxTextLen-7) + "'"},
		{"32 parentheses", strings.Repeat("(", 32) + "C0" + strings.Repeat(")", 32)},
		{"depth 32", sum(31)},
		{"31 NOTs", strings.Repeat("NOT ", 31) + "C0"},
		{"31 tildes", strings.Repeat("~", 31) + "C0"},
		{"32 parentheses and 31 prefix operators", strings.Repeat("(-", 31) + "(C0" + strings.Repeat(")", 32)},
		{"256 items", inList(256)},
		{"long AND chain", strings.Repeat("C0 = 1 AND ", 100) + "C0 = 1"},
		{"3 filters", "C0=1;C0=2;C0=3;"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.text); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
	refused := []struct{ name, text, want string }{
		{"2049 bytes", "C1 = '" + strings.Repeat("x", MaxTextLen-6) + "'", "match: offset 2048: filter text longer than 2048 bytes"},
		{"33 parentheses", strings.Repeat("(", 33) + "C0" + strings.Repeat(")", 33), "match: filter 1, offset 32: expression nested deeper than 32 levels"},
		{"depth 33", sum(32), "match: filter 1, offset 127: expression nested deeper than 32 levels"},
		{"32 NOTs", strings.Repeat("NOT ", 32) + "C0", "match: filter 1, offset 0: expression nested deeper than 32 levels"},
		{"33 minus", strings.Repeat("-", 33) + "C0", "match: filter 1, offset 0: comments are not allowed"},
		{"32 tildes", strings.Repeat("~", 32) + "C0", "match: filter 1, offset 0: expression nested deeper than 32 levels"},
		{"65 tildes", strings.Repeat("~", 65) + "C0", "match: filter 1, offset 64: expression nested deeper than 32 levels"},
		{"257 items", inList(257), "match: filter 1, offset 921: IN list longer than 256 items"},
		{"4 filters", "C0=1;C0=2;C0=3;C0=4;", "match: filter 4, offset 15: more than 3 filters"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			var is error = ErrLimit
			if strings.Contains(tt.want, "comments") {
				is = nil
			}
			checkError(t, tt.text, tt.want, is)
		})
	}
}
