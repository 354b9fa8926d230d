package auth

import (
	"errors"
	"testing"
)

// allTypes lists every type with its Photon value and name, written out so that the
// test does not trust typeNames.
var allTypes = []struct {
	typ   Type
	value uint8
	name  string
}{
	{Custom, 0, "custom"},
	{Steam, 1, "steam"},
	{Facebook, 2, "facebook"},
	{Oculus, 3, "oculus"},
	{PlayStation4, 4, "playstation4"},
	{Xbox, 5, "xbox"},
	{Viveport, 10, "viveport"},
	{NintendoSwitch, 11, "nintendoswitch"},
	{PlayStation5, 12, "playstation5"},
	{Epic, 13, "epic"},
	{FacebookGaming, 15, "facebookgaming"},
	{None, 255, "none"},
}

func TestTypeString(t *testing.T) {
	for _, tt := range allTypes {
		if uint8(tt.typ) != tt.value {
			t.Errorf("%s: got value %d, want %d", tt.name, uint8(tt.typ), tt.value)
		}
		if got := tt.typ.String(); got != tt.name {
			t.Errorf("Type(%d).String(): got %q, want %q", tt.value, got, tt.name)
		}
	}
	if got, want := Type(7).String(), "Type(7)"; got != want {
		t.Errorf("Type(7).String(): got %q, want %q", got, want)
	}
}

func TestParseType(t *testing.T) {
	tests := []struct {
		in      string
		want    Type
		wantErr error
	}{
		{"custom", Custom, nil},
		{"Steam", Steam, nil},
		{"PLAYSTATION5", PlayStation5, nil},
		{"none", None, nil},
		{"", None, ErrUnknownType},
		{"1", None, ErrUnknownType},
		{"steam ", None, ErrUnknownType},
		{"google", None, ErrUnknownType},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ParseType(%q): got %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, tt := range allTypes {
		if got, err := ParseType(tt.typ.String()); err != nil || got != tt.typ {
			t.Errorf("ParseType(%q): got %v, %v; want %v, nil", tt.name, got, err, tt.typ)
		}
	}
}
