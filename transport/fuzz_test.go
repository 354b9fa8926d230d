package transport

import (
	"bytes"
	"testing"
)

// Every decoder in this package has a fuzz target. The seed corpora live in
// testdata/fuzz/<Name>/ and are also run by plain `go test`.

func FuzzFrames(f *testing.F) {
	f.Add(appendPing(nil, 1))
	f.Add(append(appendPong(nil, 2, 30), appendClose(nil, 1, "idle")...))
	f.Add(appendChannelFrame(appendSequenced(nil, 1, 2, []byte("s")), frameReliable, 0, make([]byte, 24)))
	f.Add(appendFragment(appendEager(nil, 0, 5, []byte("e")), 2, 1, 0, 3, []byte("frag")))
	f.Add(append(appendNewToken(nil, []byte("token")), framePadding, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			f, rest, err := nextFrame(b)
			if err != nil {
				return
			}
			if len(rest) >= len(b) && f.typ != framePadding {
				t.Fatalf("nextFrame made no progress on %x", b)
			}
			if f.typ == frameFragment && (f.count < 2 || f.count > maxFragments || f.index >= f.count) {
				t.Fatalf("fragment %d/%d accepted", f.index, f.count)
			}
			b = rest
		}
	})
}

func FuzzHeader(f *testing.F) {
	f.Add(appendHeader(nil, typeData, 1, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := parseHeader(b)
		if !ok {
			return
		}
		if got := appendHeader(nil, h.typ, h.cid, h.pn); !bytes.Equal(got, b[:headerLen]) {
			t.Fatalf("header round trip: got %x, want %x", got, b[:headerLen])
		}
	})
}

func FuzzHello(f *testing.F) {
	f.Add((&hello{version: 1, clientCID: 5, mtu: 1200, maxMessage: 65536, channels: []Mode{1, 2, 3}}).append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHello(b)
		if err != nil {
			return
		}
		if got := h.append(nil); !bytes.Equal(got, b) {
			t.Fatalf("hello round trip: got %x, want %x", got, b)
		}
	})
}

func FuzzAccept(f *testing.F) {
	f.Add((&accept{version: 1, params: params{serverCID: 1, mtu: 1200, maxMessage: 1, idleMillis: 1, keepMillis: 1, sessionID: 2, token: []byte("t")}}).append(nil))
	f.Add((&accept{version: 1, status: refuseFull, reason: "full"}).append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseAccept(b)
		if err != nil {
			return
		}
		if got := a.append(nil); !bytes.Equal(got, b) {
			t.Fatalf("accept round trip: got %x, want %x", got, b)
		}
	})
}

func FuzzTokenBody(f *testing.F) {
	f.Add((&tokenBody{session: 1, expires: 2, channels: []Mode{1}, data: []byte("d"), serverCID: 3, mtu: 1200, maxMsg: 4}).append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := parseTokenBody(b)
		if err != nil {
			return
		}
		if got := tb.append(nil); !bytes.Equal(got, b) {
			t.Fatalf("token round trip: got %x, want %x", got, b)
		}
	})
}

func FuzzResume(f *testing.F) {
	nonce := [16]byte{1}
	f.Add(appendResume(nil, []byte("token"), &nonce, 9, 1, func([]byte) [16]byte { return [16]byte{2} }))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseResume(b)
		if err != nil {
			return
		}
		if len(r.signed) > len(b) || len(r.token) > len(b) {
			t.Fatalf("slices past the input")
		}
	})
}
