package transport

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFramesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want frame
	}{
		{"ping", appendPing(nil, 0xdeadbeef01), frame{typ: framePing, id: 0xdeadbeef01}},
		{"pong", appendPong(nil, 7, 300), frame{typ: framePong, id: 7, delay: 300}},
		{"close", appendClose(nil, 0x1001, "bye"), frame{typ: frameClose, delay: 0x1001, data: []byte("bye")}},
		{"new token", appendNewToken(nil, []byte{1, 2, 3}), frame{typ: frameNewToken, data: []byte{1, 2, 3}}},
		{"reliable", appendChannelFrame(nil, frameReliable, 3, []byte("kcp")), frame{typ: frameReliable, ch: 3, data: []byte("kcp")}},
		{"unreliable", appendChannelFrame(nil, frameUnreliable, 1, []byte("u")), frame{typ: frameUnreliable, ch: 1, data: []byte("u")}},
		{"sequenced", appendSequenced(nil, 2, 65535, []byte("s")), frame{typ: frameSequenced, ch: 2, seq: 65535, data: []byte("s")}},
		{"fragment", appendFragment(nil, 4, 9, 2, 5, []byte("f")), frame{typ: frameFragment, ch: 4, seq: 9, index: 2, count: 5, data: []byte("f")}},
		{"eager", appendEager(nil, 0, 1<<31, []byte("e")), frame{typ: frameEager, seq: 1 << 31, data: []byte("e")}},
		{"empty message", appendChannelFrame(nil, frameUnreliable, 0, nil), frame{typ: frameUnreliable, data: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := nextFrame(tt.b)
			if err != nil {
				t.Fatalf("nextFrame: got error %v, want nil", err)
			}
			if len(rest) != 0 {
				t.Errorf("rest: got %d bytes, want 0", len(rest))
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(frame{}), cmp.Comparer(bytes.Equal)); diff != "" {
				t.Errorf("frame mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFrameSizesMatchEncoders(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 1100, 16383, 16384} {
		data := make([]byte, n)
		if got, want := len(appendChannelFrame(nil, frameReliable, 1, data)), channelFrameLen(n); got != want {
			t.Errorf("channel frame of %d: got %d bytes, want %d", n, got, want)
		}
		if got, want := len(appendSequenced(nil, 1, 1, data)), sequencedFrameLen(n); got != want {
			t.Errorf("sequenced frame of %d: got %d bytes, want %d", n, got, want)
		}
		if got, want := len(appendFragment(nil, 1, 1, 0, 2, data)), fragmentFrameLen(n); got != want {
			t.Errorf("fragment frame of %d: got %d bytes, want %d", n, got, want)
		}
		if got, want := len(appendEager(nil, 1, 1, data)), eagerFrameLen(n); got != want {
			t.Errorf("eager frame of %d: got %d bytes, want %d", n, got, want)
		}
	}
	if got := len(appendPing(nil, 1)); got != pingFrameLen {
		t.Errorf("ping frame: got %d bytes, want %d", got, pingFrameLen)
	}
	if got := len(appendPong(nil, 1, 1<<63)); got > pongFrameMax {
		t.Errorf("pong frame: got %d bytes, want at most %d", got, pongFrameMax)
	}
}

func TestMalformedFrames(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown type", []byte{0x7f}},
		{"short ping", []byte{framePing, 1, 2, 3}},
		{"pong without delay", appendPing(nil, 1)[1:]},
		{"length past end", []byte{frameUnreliable, 0, 5, 'a'}},
		{"bad varint", []byte{frameUnreliable, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"fragment count 1", appendFragment(nil, 0, 0, 0, 1, nil)},
		{"fragment count 17", appendFragment(nil, 0, 0, 0, 17, nil)},
		{"fragment index past count", appendFragment(nil, 0, 0, 3, 3, nil)},
		{"short eager", []byte{frameEager, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			if tt.name == "pong without delay" {
				b = append([]byte{framePong}, b...)
			}
			if _, _, err := nextFrame(b); !errors.Is(err, errMalformed) {
				t.Errorf("nextFrame(%x): got %v, want errMalformed", b, err)
			}
		})
	}
}

func TestPaddingEndsThePacket(t *testing.T) {
	b := append(appendPing(nil, 1), framePadding, 0x55, 0x01)
	f, rest, err := nextFrame(b)
	if err != nil || f.typ != framePing {
		t.Fatalf("first frame: got %v %v, want ping", f.typ, err)
	}
	f, rest, err = nextFrame(rest)
	if err != nil || f.typ != framePadding || rest != nil {
		t.Fatalf("second frame: got type %d rest %x err %v, want padding to the end", f.typ, rest, err)
	}
}

func TestHelloRoundTrip(t *testing.T) {
	h := hello{version: 1, unencrypted: true, clientCID: 0xabcdef01, mtu: 1400, maxMessage: 1 << 20, channels: []Mode{ReliableOrdered, Unreliable, UnreliableSequenced}}
	got, err := parseHello(h.append(nil))
	if err != nil {
		t.Fatalf("parseHello: %v", err)
	}
	if diff := cmp.Diff(h, got, cmp.AllowUnexported(hello{})); diff != "" {
		t.Errorf("hello mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range [][]byte{
		nil,
		(&hello{version: 1, mtu: 1200, maxMessage: 1, channels: nil}).append(nil),
		(&hello{version: 1, mtu: 1200, maxMessage: 1, channels: []Mode{4}}).append(nil),
		append((&hello{version: 1, mtu: 1200, maxMessage: 1, channels: []Mode{1}}).append(nil), 0),
		(&hello{version: 1, mtu: 1199, maxMessage: 1, channels: []Mode{1}}).append(nil),
		(&hello{version: 1, mtu: 9001, maxMessage: 1, channels: []Mode{1}}).append(nil),
		(&hello{version: 1, mtu: 1200, maxMessage: 0, channels: []Mode{1}}).append(nil),
	} {
		if _, err := parseHello(bad); err == nil {
			t.Errorf("parseHello(%x): got nil error, want one", bad)
		}
	}
}

func TestAcceptRoundTrip(t *testing.T) {
	ok := accept{version: 1, params: params{serverCID: 9, unencrypted: true, resetToken: [16]byte{1, 2}, mtu: 1200, maxMessage: 65536, idleMillis: 10000, keepMillis: 1000, sessionID: 1 << 60, token: []byte("tok")}}
	refused := accept{version: 1, status: refuseFull, reason: "relay is full"}
	for _, a := range []accept{ok, refused} {
		got, err := parseAccept(a.append(nil))
		if err != nil {
			t.Fatalf("parseAccept: %v", err)
		}
		if diff := cmp.Diff(a, got, cmp.AllowUnexported(accept{}, params{}), cmp.Comparer(bytes.Equal)); diff != "" {
			t.Errorf("accept mismatch (-want +got):\n%s", diff)
		}
	}
	b := ok.append(nil)
	for n := range len(b) {
		if _, err := parseAccept(b[:n]); err == nil {
			t.Errorf("parseAccept of %d of %d bytes: got nil error", n, len(b))
		}
	}
}

func TestTokenBodyRoundTrip(t *testing.T) {
	tb := tokenBody{id: [16]byte{3}, session: 42, expires: 1700000000000, secret: [32]byte{7}, plain: true,
		channels: []Mode{ReliableOrdered, Unreliable}, data: []byte("user-7"), serverCID: 5, mtu: 1200, maxMsg: 65536}
	b := tb.append(nil)
	got, err := parseTokenBody(b)
	if err != nil {
		t.Fatalf("parseTokenBody: %v", err)
	}
	if diff := cmp.Diff(tb, got, cmp.AllowUnexported(tokenBody{}), cmp.Comparer(bytes.Equal)); diff != "" {
		t.Errorf("token mismatch (-want +got):\n%s", diff)
	}
	for n := range len(b) {
		if _, err := parseTokenBody(b[:n]); err == nil {
			t.Errorf("parseTokenBody of %d of %d bytes: got nil error", n, len(b))
		}
	}
}

func TestResumeRoundTrip(t *testing.T) {
	nonce := [16]byte{9, 9}
	var signed []byte
	b := appendResume(nil, []byte("sealed-token"), &nonce, 77, resumeContinue, func(m []byte) [16]byte {
		signed = append([]byte(nil), m...)
		return [16]byte{0xaa}
	})
	if len(b) < resumeMinLen {
		t.Fatalf("RESUME is %d bytes, want at least %d", len(b), resumeMinLen)
	}
	r, err := parseResume(b)
	if err != nil {
		t.Fatalf("parseResume: %v", err)
	}
	if string(r.token) != "sealed-token" || r.clientNonce != nonce || r.clientCID != 77 || r.flags != resumeContinue || r.mac != [16]byte{0xaa} {
		t.Errorf("parseResume: got %+v", r)
	}
	if !bytes.Equal(r.signed, signed) {
		t.Errorf("signed bytes differ from what the MAC covered")
	}
	b[len(b)-1] = 1 // padding must be zero
	if _, err := parseResume(b); err == nil {
		t.Errorf("parseResume with non-zero padding: got nil error")
	}
}

func TestTruncateUTF8NeverSplitsACharacter(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"héllo", 2, "h"}, // é is two bytes
		{"héllo", 3, "hé"},
		{"日本", 4, "日"},
		{"日本", 2, ""},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d): got %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
	long := strings.Repeat("é", 200) // 400 bytes
	a := accept{version: 1, status: refuseFull, reason: long}
	if _, err := parseAccept(a.append(nil)); err != nil {
		t.Fatalf("a refusal with a long reason does not parse: %v", err)
	}
}

func TestRateKeyGroupsIPv6By64(t *testing.T) {
	a := rateKey(netip.MustParseAddr("2001:db8:1:2:aaaa::1"))
	b := rateKey(netip.MustParseAddr("2001:db8:1:2:bbbb::9"))
	c := rateKey(netip.MustParseAddr("2001:db8:1:3::1"))
	if a != b || a == c {
		t.Fatalf("keys %v %v %v: want the first two equal (same /64), the third different", a, b, c)
	}
	if v4 := netip.MustParseAddr("192.0.2.1"); rateKey(v4) != v4 {
		t.Fatal("IPv4 address not its own key")
	}
}
