package match

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{}, "NULL"},
		{IntValue(-12), "-12"},
		{TextValue("it's"), "'it''s'"},
		{TextValue(""), "''"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String(): got %q, want %q", got, tt.want)
		}
	}
	if v := IntValue(7); v.Kind() != KindInt || v.Int() != 7 || v.IsNull() || v.Text() != "" {
		t.Errorf("IntValue(7): got %v %v %v %q", v.Kind(), v.Int(), v.IsNull(), v.Text())
	}
	if v := TextValue("x"); v.Kind() != KindText || v.Text() != "x" || v.Int() != 0 {
		t.Errorf("TextValue(x): got %v %q %v", v.Kind(), v.Text(), v.Int())
	}
	if !(Value{}).IsNull() || (Value{}).Kind() != KindNull {
		t.Errorf("zero Value is not NULL")
	}
	for k, want := range map[Kind]string{KindNull: "NULL", KindInt: "integer", KindText: "text", 9: "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String(): got %q, want %q", k, got, want)
		}
	}
}

func TestRowOf(t *testing.T) {
	props := map[string]any{
		"C0": int64(3), "C1": "Map1", "C2": 1.5, "C3": true, "C4": nil, "c5": int64(1), "C9": "", "C10": int64(1), "name": "x",
	}
	want := Row{0: IntValue(3), 1: TextValue("Map1"), 9: TextValue("")}
	if diff := cmp.Diff(want, RowOf(props), cmp.AllowUnexported(Value{})); diff != "" {
		t.Errorf("RowOf (-want +got):\n%s", diff)
	}
}

func TestColumns(t *testing.T) {
	var c Columns
	steps := []struct {
		name  string
		props map[string]any
		want  string // error text, or "" to accept and Lock
	}{
		{"first types", map[string]any{"C0": int64(1), "C1": "a", "other": 2.5}, ""},
		{"same types", map[string]any{"C0": int64(2), "C1": "b", "C2": int64(3)}, ""},
		{"removal", map[string]any{"C0": nil, "C1": nil}, ""},
		{"int column gets text", map[string]any{"C0": "1"}, "match: column type mismatch: C0 is locked to integer, got text"},
		{"text column gets int", map[string]any{"C1": int64(1)}, "match: column type mismatch: C1 is locked to text, got integer"},
		{"lowest column reported", map[string]any{"C2": "x", "C1": int64(1)}, "match: column type mismatch: C1 is locked to text, got integer"},
		{"float", map[string]any{"C5": 1.5}, "match: column type mismatch: C5 must be an integer or a string, got float64"},
		{"bool", map[string]any{"C5": true}, "match: column type mismatch: C5 must be an integer or a string, got bool"},
		{"lower-case key is not a column", map[string]any{"c0": "x"}, ""},
		{"new column", map[string]any{"C9": "late"}, ""},
		{"new column locked", map[string]any{"C9": int64(1)}, "match: column type mismatch: C9 is locked to text, got integer"},
	}
	for _, s := range steps {
		err := c.Check(s.props)
		switch {
		case s.want == "" && err != nil:
			t.Errorf("%s: Check: got %v, want nil", s.name, err)
		case s.want != "" && (err == nil || err.Error() != s.want || !errors.Is(err, ErrColumnType)):
			t.Errorf("%s: Check: got %v, want %s (ErrColumnType)", s.name, err, s.want)
		case s.want == "":
			c.Lock(s.props)
		}
	}
	want := [NumColumns]Kind{0: KindInt, 1: KindText, 2: KindInt, 9: KindText}
	for i, k := range want {
		if got := c.Kind(i); got != k {
			t.Errorf("Kind(%d): got %v, want %v", i, got, k)
		}
	}
}
