package protocol

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goldenMessages are one message of every kind, encoded; they seed the fuzz corpora.
func goldenMessages(t testing.TB) map[string][]byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string][]byte{
		"request": must(AppendRequest(nil, &Request{Op: OpJoinRoom, ID: 7, Params: Params{
			ParamRoomName: "arena", ParamJoinMode: int64(JoinOrCreate), ParamMaxPlayers: int64(8),
			ParamPlayerProperties: map[string]any{"team": "red", "lvl": int64(3)},
		}})),
		"response": must(AppendResponse(nil, &Response{Op: OpJoinRoom, ID: 7, Code: CodeGameFull, Message: "full", Params: Params{
			ParamActors: []any{map[string]any{"nr": int64(1), "props": map[string]any{"x": 1.5}}},
		}})),
		"event": must(AppendEvent(nil, &Event{Code: EventLeave, Params: Params{
			ParamActorNr: int64(2), ParamIsInactive: true, ParamActorList: []any{int64(1), int64(3)},
		}})),
		"raise": must(AppendRaise(nil, &Raise{Code: 17, ID: 3, Options: Params{
			ParamReceivers: int64(ReceiversAll), ParamCache: int64(AddToRoomCache),
		}, Payload: []byte("position 1 2 3")})),
		"custom": AppendCustomEvent(nil, &CustomEvent{Code: 17, Sender: 4, Payload: []byte("hello")}),
	}
}

func TestValuesSurviveARoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"false", false, false},
		{"true", true, true},
		{"int", 42, int64(42)},
		{"negative int", int8(-5), int64(-5)},
		{"max int64", int64(math.MaxInt64), int64(math.MaxInt64)},
		{"min int64", int64(math.MinInt64), int64(math.MinInt64)},
		{"uint32", uint32(math.MaxUint32), int64(math.MaxUint32)},
		{"float", 2.5, 2.5},
		{"float32", float32(0.5), 0.5},
		{"string", "héllo", "héllo"},
		{"empty string", "", ""},
		{"bytes", []byte{0, 1, 255}, []byte{0, 1, 255}},
		{"strings", []string{"a", "b"}, []any{"a", "b"}},
		{"ints", []int{1, -1}, []any{int64(1), int64(-1)}},
		{"nested", map[string]any{"a": []any{nil, true, map[string]any{"b": "c"}}},
			map[string]any{"a": []any{nil, true, map[string]any{"b": "c"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendValue(nil, tt.in)
			if err != nil {
				t.Fatalf("AppendValue: %v", err)
			}
			got, rest, err := ReadValue(b)
			if err != nil || len(rest) != 0 {
				t.Fatalf("ReadValue: %v (%d bytes left)", err, len(rest))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("round trip (-want +got):\n%s", diff)
			}
			if !Equal(tt.want, got) {
				t.Fatalf("Equal(%v, %v) = false", tt.want, got)
			}
		})
	}
}

func TestUnencodableValuesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want error
	}{
		{"struct", struct{}{}, ErrUnsupportedType},
		{"huge uint64", uint64(math.MaxUint64), ErrUnsupportedType},
		{"bad utf-8", "\xff", ErrInvalidUTF8},
		{"bad key", map[string]any{"\xff": 1}, ErrInvalidUTF8},
		{"too deep", deep(MaxDepth + 2), ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := AppendValue(nil, tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func deep(n int) any {
	var v any = "bottom"
	for range n {
		v = []any{v}
	}
	return v
}

func TestMalformedValuesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown tag", []byte{0x42}},
		{"truncated float", []byte{tagFloat, 1, 2}},
		{"truncated string", []byte{tagString, 5, 'a'}},
		{"bad utf-8", []byte{tagString, 1, 0xff}},
		{"forged array count", []byte{tagArray, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"duplicate map key", []byte{tagMap, 2, 1, 'a', tagNil, 1, 'a', tagNil}},
		{"bad varint", []byte{tagInt, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"too deep", append(repeat(tagArray, 1, MaxDepth+2), tagNil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ReadValue(tt.in); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func repeat(tag, count byte, n int) []byte {
	var b []byte
	for range n {
		b = append(b, tag, count)
	}
	return b
}

func TestMessagesSurviveARoundTrip(t *testing.T) {
	g := goldenMessages(t)
	req, err := ReadRequest(g["request"])
	if err != nil || req.Op != OpJoinRoom || req.ID != 7 {
		t.Fatalf("request: %+v, %v", req, err)
	}
	if name, _ := req.Params.Str(ParamRoomName, ""); name != "arena" {
		t.Fatalf("room name %q", name)
	}
	resp, err := ReadResponse(g["response"])
	if err != nil || resp.Code != CodeGameFull || resp.Message != "full" || len(resp.Params) != 1 {
		t.Fatalf("response: %+v, %v", resp, err)
	}
	ev, err := ReadEvent(g["event"])
	if err != nil || ev.Code != EventLeave {
		t.Fatalf("event: %+v, %v", ev, err)
	}
	if list, _ := ev.Params.Ints(ParamActorList); !cmp.Equal(list, []int64{1, 3}) {
		t.Fatalf("actor list %v", list)
	}
	r, err := ReadRaise(g["raise"])
	if err != nil || r.Code != 17 || r.ID != 3 || string(r.Payload) != "position 1 2 3" {
		t.Fatalf("raise: %+v, %v", r, err)
	}
	if c, _ := r.Options.Int(ParamCache, 0); Caching(c) != AddToRoomCache {
		t.Fatalf("caching %d", c)
	}
	ce, err := ReadCustomEvent(g["custom"])
	if err != nil || ce.Code != 17 || ce.Sender != 4 || string(ce.Payload) != "hello" {
		t.Fatalf("custom event: %+v, %v", ce, err)
	}
}

func TestMalformedMessagesAreRefused(t *testing.T) {
	g := goldenMessages(t)
	tests := []struct {
		name string
		read func([]byte) error
		in   []byte
	}{
		{"request with trailing bytes", readReq, append(g["request"], 0)},
		{"truncated request", readReq, g["request"][:len(g["request"])-1]},
		{"response as request", readReq, g["response"]},
		{"repeated param key", readReq, []byte{byte(KindRequest), 1, 1, 2, 20, tagNil, 20, tagNil}},
		{"truncated response", readResp, g["response"][:5]},
		{"event with trailing bytes", readEvent, append(g["event"], 1)},
		{"raise with reserved code", readRaise, []byte{byte(KindRaise), 200, 0, 0}},
		{"raise with options overrun", readRaise, []byte{byte(KindRaise), 1, 0, 9, 1}},
		{"raise with trailing option bytes", readRaise, []byte{byte(KindRaise), 1, 0, 2, 0, 0}},
		{"custom event with no sender", readCustom, []byte{byte(KindCustomEvent), 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.read(tt.in); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func readReq(b []byte) error    { _, err := ReadRequest(b); return err }
func readResp(b []byte) error   { _, err := ReadResponse(b); return err }
func readEvent(b []byte) error  { _, err := ReadEvent(b); return err }
func readRaise(b []byte) error  { _, err := ReadRaise(b); return err }
func readCustom(b []byte) error { _, err := ReadCustomEvent(b); return err }

func TestErrorsMatchTheirCode(t *testing.T) {
	var err error = fmt.Errorf("join: %w", &Error{Op: OpJoinRoom, Code: CodeGameFull, Message: "room arena is full"})
	if !errors.Is(err, CodeGameFull) || errors.Is(err, CodeGameClosed) {
		t.Fatalf("errors.Is does not match the code: %v", err)
	}
	if got, want := err.Error(), "join: relay: JoinRoom: GameFull (32765): room arena is full"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, c := range Codes() {
		if c.String() == "" || c.Message() == "unknown result code" {
			t.Errorf("code %d has no name or message", int32(c))
		}
	}
}

func TestParamsReportWrongTypes(t *testing.T) {
	p := Params{ParamRoomName: int64(3), ParamMaxPlayers: int64(300), ParamActorList: []any{"x"}}
	if _, err := p.Str(ParamRoomName, ""); !errors.Is(err, ErrBadParam) {
		t.Errorf("Str of an int: got %v", err)
	}
	if _, err := p.IntIn(ParamMaxPlayers, 0, 0, 255); !errors.Is(err, ErrBadParam) {
		t.Errorf("IntIn out of range: got %v", err)
	}
	if _, err := p.Ints(ParamActorList); !errors.Is(err, ErrBadParam) {
		t.Errorf("Ints of strings: got %v", err)
	}
	if v, err := p.Bool(ParamIsOpen, true); !v || err != nil {
		t.Errorf("absent Bool: got %v, %v; want the default", v, err)
	}
}

// TestWriteFuzzCorpus regenerates the seed corpora from the golden messages when
// BOSON_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("BOSON_WRITE_CORPUS") != "1" {
		t.Skip("set BOSON_WRITE_CORPUS=1 to rewrite testdata/fuzz")
	}
	for name, b := range goldenMessages(t) {
		for _, target := range []string{"FuzzDecodeMessage", "FuzzReadValue"} {
			in := b
			if target == "FuzzReadValue" {
				in = b[2:] // somewhere inside a message: good enough as a start
			}
			dir := filepath.Join("testdata", "fuzz", target)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSpecExample checks the example of PROTOCOL.md section 11.
func TestSpecExample(t *testing.T) {
	b, err := AppendRequest(nil, &Request{Op: OpAuthenticate, ID: 1, Params: Params{
		ParamProtocolVersion: 1, ParamAppID: "game", ParamAppVersion: "1", ParamNickname: "bob", ParamAuthType: 255,
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := "010101050103020205046761" + "6d65030501310505036" + "26f620603fe03"
	if got := fmt.Sprintf("%x", b); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
