package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"", nil},
		{"  raise  5\thello ", []string{"raise", "5", "hello"}},
		{`set-room title="a b" x='c "d"'`, []string{"set-room", "title=a b", `x=c "d"`}},
		{`raise 1 "say \"hi\"" ''`, []string{"raise", "1", `say "hi"`, ""}},
		{`a"b c"d`, []string{"ab cd"}},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.line)
		if err != nil {
			t.Errorf("splitWords(%q): %v", tt.line, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("splitWords(%q): (-want +got)\n%s", tt.line, diff)
		}
	}
	for _, line := range []string{`raise 1 "open`, `x 'y`, `z "\`} {
		if _, err := splitWords(line); err == nil {
			t.Errorf("splitWords(%q): got nil error", line)
		}
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"3", int64(3)},
		{"-12", int64(-12)},
		{"0.5", 0.5},
		{"1e3", 1000.0},
		{"true", true},
		{"false", false},
		{"null", nil},
		{"NaN", "NaN"},
		{"inf", "inf"},
		{"True", "True"},
		{"bob", "bob"},
		{"", ""},
		{"99999999999999999999", 1e20},
	}
	for _, tt := range tests {
		if got := parseValue(tt.in); got != tt.want {
			t.Errorf("parseValue(%q): got %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseJoin(t *testing.T) {
	tests := []struct {
		words []string
		want  joinCommand
	}{
		{[]string{"join", "r"}, joinCommand{mode: "join", name: "r"}},
		{[]string{"create", "-max", "4", "r", "-hidden", "-ttl", "forever", "-empty-ttl", "10s"}, joinCommand{
			mode: "create", name: "r", lobby: lobbyFlags{typ: "default"},
		}},
		{[]string{"join-or-create", "--", "-odd-name"}, joinCommand{mode: "join-or-create", name: "-odd-name", lobby: lobbyFlags{typ: "default"}}},
		{[]string{"lobby"}, joinCommand{mode: "lobby", lobby: lobbyFlags{typ: "default"}}},
		{[]string{"lobby", "ranked", "-type", "sql"}, joinCommand{mode: "lobby", lobby: lobbyFlags{name: "ranked", typ: "sql"}}},
	}
	tests[1].want.room.MaxPlayers, tests[1].want.room.Hidden = 4, true
	tests[1].want.room.PlayerTTL, tests[1].want.room.EmptyRoomTTL = -1, 10*time.Second
	for _, tt := range tests {
		got, err := parseJoin(tt.words)
		if err != nil {
			t.Errorf("parseJoin(%q): %v", tt.words, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(joinCommand{}, lobbyFlags{}), cmpopts.IgnoreFields(joinCommand{}, "access")); diff != "" {
			t.Errorf("parseJoin(%q): (-want +got)\n%s", tt.words, diff)
		}
	}
}

func TestFlagValues(t *testing.T) {
	var g groupList
	if g.list != nil {
		t.Fatal("unset groupList: want a nil list")
	}
	if err := g.Set("all"); err != nil || g.list == nil || len(g.list) != 0 {
		t.Errorf(`groupList.Set("all"): got %v, %v, want an empty non-nil list`, g.list, err)
	}
	if err := g.Set("1, 2"); err != nil || !cmp.Equal(g.list, []uint8{1, 2}) {
		t.Errorf(`groupList.Set("1, 2"): got %v, %v, want [1 2]`, g.list, err)
	}
	for _, bad := range []string{"256", "x", ""} {
		if err := g.Set(bad); err == nil {
			t.Errorf("groupList.Set(%q): got nil error", bad)
		}
	}
	var l intList
	if err := l.Set("3,1"); err != nil || !cmp.Equal([]int(l), []int{3, 1}) {
		t.Errorf(`intList.Set("3,1"): got %v, %v`, l, err)
	}
	var p propsValue
	for _, bad := range []string{"novalue", "=1"} {
		if err := p.Set(bad); err == nil {
			t.Errorf("propsValue.Set(%q): got nil error", bad)
		}
	}
	var ttl ttlValue
	if err := ttl.Set("-1s"); err == nil {
		t.Errorf(`ttlValue.Set("-1s"): got nil error`)
	}
}
