package handshake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomOffset is where a DTLS ClientHello datagram holds the client random: after the
// record header, the handshake header and client_version.
const randomOffset = recordHeaderLen + handshakeHeaderLen + 2

func TestFirstContactRoundTrip(t *testing.T) {
	hello := captureClientHello(t)
	var wantRandom [32]byte
	copy(wantRandom[:], hello[randomOffset:])

	tests := []struct {
		name   string
		cookie []byte
	}{
		{"first attempt, no cookie", nil},
		{"relay cookie", bytes.Repeat([]byte{0xC0}, CookieLen)},
		{"longest cookie", bytes.Repeat([]byte{0xC1}, MaxCookieLen)},
		{"one-byte cookie", []byte{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := AppendFirstContact(nil, hello, tt.cookie)
			if len(d) != MinFirstContact {
				t.Errorf("len: got %d, want %d", len(d), MinFirstContact)
			}
			if !bytes.Equal(d[:len(hello)], hello) {
				t.Errorf("the DTLS bytes changed")
			}
			fc, err := ParseFirstContact(d)
			if err != nil {
				t.Fatalf("ParseFirstContact: %v", err)
			}
			if fc.Random != wantRandom {
				t.Errorf("Random: got %x, want %x", fc.Random, wantRandom)
			}
			if !bytes.Equal(fc.Cookie, tt.cookie) {
				t.Errorf("Cookie: got %x, want %x", fc.Cookie, tt.cookie)
			}
			if fc.DTLSLen != len(hello) {
				t.Errorf("DTLSLen: got %d, want %d", fc.DTLSLen, len(hello))
			}
			if !IsClientHello(d) {
				t.Errorf("IsClientHello(first contact) = false, want true")
			}
			if !IsDTLS(d) {
				t.Errorf("IsDTLS(first contact) = false, want true")
			}
		})
	}

	t.Run("appends to dst", func(t *testing.T) {
		prefix := []byte("prefix")
		d := AppendFirstContact(bytes.Clone(prefix), hello, []byte{1, 2, 3})
		if !bytes.Equal(d[:len(prefix)], prefix) {
			t.Fatalf("dst prefix overwritten")
		}
		if got, want := len(d)-len(prefix), MinFirstContact; got != want {
			t.Errorf("appended: got %d bytes, want %d", got, want)
		}
		fc, err := ParseFirstContact(d[len(prefix):])
		if err != nil {
			t.Fatalf("ParseFirstContact: %v", err)
		}
		if diff := cmp.Diff([]byte{1, 2, 3}, fc.Cookie); diff != "" {
			t.Errorf("Cookie (-want +got):\n%s", diff)
		}
	})

	t.Run("extra zero padding", func(t *testing.T) {
		d := append(AppendFirstContact(nil, hello, nil), make([]byte, 300)...)
		if _, err := ParseFirstContact(d); err != nil {
			t.Errorf("ParseFirstContact(1500 bytes): %v", err)
		}
	})

	t.Run("cookie does not alias past itself", func(t *testing.T) {
		d := AppendFirstContact(nil, hello, []byte{7, 7})
		fc, err := ParseFirstContact(d)
		if err != nil {
			t.Fatal(err)
		}
		_ = append(fc.Cookie, 0xFF) // must not write into the padding
		if _, err := ParseFirstContact(d); err != nil {
			t.Errorf("appending to Cookie corrupted the datagram: %v", err)
		}
	})

	t.Run("ClientHello longer than the minimum", func(t *testing.T) {
		big := syntheticClientHello(1300)
		d := AppendFirstContact(nil, big, []byte{9})
		if got, want := len(d), len(big)+3; got != want {
			t.Errorf("len: got %d, want %d (no padding needed)", got, want)
		}
		fc, err := ParseFirstContact(d)
		if err != nil {
			t.Fatalf("ParseFirstContact: %v", err)
		}
		if fc.DTLSLen != len(big) || !bytes.Equal(fc.Cookie, []byte{9}) {
			t.Errorf("got DTLSLen %d, Cookie %x, want %d, 09", fc.DTLSLen, fc.Cookie, len(big))
		}
	})
}

// syntheticClientHello returns a ClientHello record of n bytes with a random of 0x01..0x20:
// pion's are ~150 bytes, and some cases need the record to fill the datagram.
func syntheticClientHello(n int) []byte {
	b := make([]byte, n)
	body := n - recordHeaderLen - handshakeHeaderLen
	b[0], b[1], b[2] = contentHandshake, 0xFE, 0xFD
	binary.BigEndian.PutUint16(b[11:], uint16(n-recordHeaderLen))
	h := b[recordHeaderLen:]
	h[0] = typeClientHello
	putUint24(h[1:], body)
	putUint24(h[9:], body)
	h[12], h[13] = 0xFE, 0xFD
	for i := range 32 {
		b[randomOffset+i] = byte(i + 1)
	}
	return b
}

func putUint24(b []byte, v int) { b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v) }

// firstContactRejections are datagrams that are not first-contact datagrams, each a
// mutation of a valid one made of the real ClientHello hello.
func firstContactRejections(hello []byte) []struct {
	name string
	d    []byte
} {
	n := len(hello)
	valid := func() []byte { return AppendFirstContact(nil, hello, []byte{1, 2, 3, 4}) }
	mutate := func(f func(d []byte) []byte) []byte { return f(valid()) }
	recLen := func(d []byte, v int) { binary.BigEndian.PutUint16(d[11:], uint16(v)) }
	bodyLen := n - recordHeaderLen - handshakeHeaderLen
	filled := syntheticClientHello(MinFirstContact) // no room for a trailer

	return []struct {
		name string
		d    []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"ClientHello without trailer", hello},
		{"one byte short of 1200", mutate(func(d []byte) []byte { return d[:MinFirstContact-1] })},
		{"all zero", make([]byte, MinFirstContact)},
		{"RETRY padded", append(AppendRetry(nil, make([]byte, CookieLen)), make([]byte, MinFirstContact)...)},
		{"non-zero last padding byte", mutate(func(d []byte) []byte { d[len(d)-1] = 1; return d })},
		{"non-zero byte right after cookie", mutate(func(d []byte) []byte { d[n+2+4] = 0x80; return d })},
		{"wrong trailer marker", mutate(func(d []byte) []byte { d[n] = TrailerMarker + 1; return d })},
		{"no trailer marker", mutate(func(d []byte) []byte { d[n], d[n+1] = 0, 0; return d })},
		{"cookie_len 33", mutate(func(d []byte) []byte { d[n+1] = MaxCookieLen + 1; return d })},
		{"cookie_len 255", mutate(func(d []byte) []byte { d[n+1] = 255; return d })},
		{"record fills the datagram", filled},
		{"cookie runs past the end", append(syntheticClientHello(MinFirstContact-2-10), TrailerMarker, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)},
		{"trailer marker is the last byte", append(syntheticClientHello(MinFirstContact-1), TrailerMarker)},
		{"content type application data", mutate(func(d []byte) []byte { d[0] = 23; return d })},
		{"content type alert", mutate(func(d []byte) []byte { d[0] = 21; return d })},
		{"TLS, not DTLS, version", mutate(func(d []byte) []byte { d[1], d[2] = 3, 3; return d })},
		{"epoch 1", mutate(func(d []byte) []byte { d[4] = 1; return d })},
		{"epoch 256", mutate(func(d []byte) []byte { d[3] = 1; return d })},
		{"ServerHello", mutate(func(d []byte) []byte { d[recordHeaderLen] = 2; return d })},
		{"HelloVerifyRequest", mutate(func(d []byte) []byte { d[recordHeaderLen] = 3; return d })},
		{"message_seq 1", mutate(func(d []byte) []byte { d[recordHeaderLen+5] = 1; return d })},
		{"fragment offset 1", mutate(func(d []byte) []byte { d[recordHeaderLen+8] = 1; return d })},
		{"first fragment of a longer ClientHello", mutate(func(d []byte) []byte {
			putUint24(d[recordHeaderLen+1:], bodyLen+100)
			return d
		})},
		{"fragment length longer than the record", mutate(func(d []byte) []byte {
			putUint24(d[recordHeaderLen+1:], bodyLen+1)
			putUint24(d[recordHeaderLen+9:], bodyLen+1)
			return d
		})},
		{"record length past the end", mutate(func(d []byte) []byte { recLen(d, 0xFFFF); return d })},
		{"record length one past the end", mutate(func(d []byte) []byte { recLen(d, len(d)-recordHeaderLen+1); return d })},
		{"record length one short", mutate(func(d []byte) []byte { recLen(d, n-recordHeaderLen-1); return d })},
		{"record too short for a random", mutate(func(d []byte) []byte {
			recLen(d, handshakeHeaderLen+33)
			putUint24(d[recordHeaderLen+1:], 33)
			putUint24(d[recordHeaderLen+9:], 33)
			return d
		})},
		{"record length zero", mutate(func(d []byte) []byte { recLen(d, 0); return d })},
		{"header only", mutate(func(d []byte) []byte { return d[:recordHeaderLen+handshakeHeaderLen+33] })},
	}
}

func TestParseFirstContactRejects(t *testing.T) {
	hello := captureClientHello(t)
	for _, tt := range firstContactRejections(hello) {
		t.Run(tt.name, func(t *testing.T) {
			fc, err := ParseFirstContact(tt.d)
			if !errors.Is(err, ErrNotFirstContact) {
				t.Fatalf("ParseFirstContact: got %+v, %v, want ErrNotFirstContact", fc, err)
			}
			if fc.Cookie != nil || fc.DTLSLen != 0 || fc.Random != ([32]byte{}) {
				t.Errorf("rejected datagram gave a non-zero FirstContact: %+v", fc)
			}
			if allocs := testing.AllocsPerRun(100, func() { _, _ = ParseFirstContact(tt.d) }); allocs != 0 {
				t.Errorf("ParseFirstContact: got %v allocs, want 0", allocs)
			}
		})
	}
}

func TestParseFirstContactAllocatesNothing(t *testing.T) {
	d, _ := firstContact(t, make([]byte, CookieLen))
	if allocs := testing.AllocsPerRun(100, func() { _, _ = ParseFirstContact(d) }); allocs != 0 {
		t.Errorf("ParseFirstContact (accepted): got %v allocs, want 0", allocs)
	}
}

func TestIsClientHello(t *testing.T) {
	hello := captureClientHello(t)
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"pion ClientHello", hello, true},
		{"first-contact datagram", AppendFirstContact(nil, hello, nil), true},
		{"truncated ClientHello", hello[:len(hello)-1], false},
		{"epoch 1", func() []byte { d := bytes.Clone(hello); d[4] = 1; return d }(), false},
		{"ServerHello", func() []byte { d := bytes.Clone(hello); d[recordHeaderLen] = 2; return d }(), false},
		{"RETRY", AppendRetry(nil, make([]byte, CookieLen)), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsClientHello(tt.b); got != tt.want {
				t.Errorf("IsClientHello: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsDTLS(t *testing.T) {
	header := func(typ byte, n int) []byte { b := make([]byte, n); b[0] = typ; return b }
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"nil", nil, false},
		{"change_cipher_spec (20)", header(20, recordHeaderLen), true},
		{"alert (21)", header(21, recordHeaderLen), true},
		{"handshake (22)", header(22, 100), true},
		{"application_data (23)", header(23, recordHeaderLen), true},
		{"heartbeat (24)", header(24, recordHeaderLen), true},
		{"tls12_cid (25)", header(25, recordHeaderLen), true},
		{"19", header(19, recordHeaderLen), false},
		{"26", header(26, recordHeaderLen), false},
		{"zero", header(0, 100), false},
		{"handshake, shorter than a record header", header(22, recordHeaderLen-1), false},
		{"RETRY", AppendRetry(nil, make([]byte, CookieLen)), false},
		{"first-contact trailer marker", header(TrailerMarker, 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDTLS(tt.b); got != tt.want {
				t.Errorf("IsDTLS: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		cookie  []byte
		wantLen int
	}{
		{"relay cookie", bytes.Repeat([]byte{0xAB}, CookieLen), RetryLen},
		{"empty cookie", []byte{}, 2},
		{"longest cookie", bytes.Repeat([]byte{0xCD}, MaxCookieLen), 2 + MaxCookieLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := AppendRetry(nil, tt.cookie)
			if len(d) != tt.wantLen {
				t.Errorf("len: got %d, want %d", len(d), tt.wantLen)
			}
			if d[0] != TypeRetry || int(d[1]) != len(tt.cookie) {
				t.Errorf("header: got % x, want d0 %02x", d[:2], len(tt.cookie))
			}
			got, ok := ParseRetry(d)
			if !ok {
				t.Fatalf("ParseRetry(% x): not a RETRY", d)
			}
			if !bytes.Equal(got, tt.cookie) {
				t.Errorf("cookie: got %x, want %x", got, tt.cookie)
			}
			if IsDTLS(d) {
				t.Errorf("IsDTLS(RETRY) = true, want false")
			}
		})
	}
	t.Run("appends to dst", func(t *testing.T) {
		d := AppendRetry([]byte{0xEE}, []byte{1, 2})
		if diff := cmp.Diff([]byte{0xEE, TypeRetry, 2, 1, 2}, d); diff != "" {
			t.Errorf("AppendRetry (-want +got):\n%s", diff)
		}
	})
}

func TestParseRetryRejects(t *testing.T) {
	good := AppendRetry(nil, bytes.Repeat([]byte{0xAB}, CookieLen))
	tests := []struct {
		name string
		b    []byte
	}{
		{"nil", nil},
		{"type only", []byte{TypeRetry}},
		{"wrong type", append([]byte{TypeRetry + 1}, good[1:]...)},
		{"DTLS handshake record", append([]byte{contentHandshake}, good[1:]...)},
		{"first-contact trailer", append([]byte{TrailerMarker}, good[1:]...)},
		{"cookie_len 33", append([]byte{TypeRetry, MaxCookieLen + 1}, make([]byte, MaxCookieLen+1)...)},
		{"cookie_len 255", append([]byte{TypeRetry, 255}, make([]byte, 255)...)},
		{"cookie one byte short", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"padded like a first contact", append(bytes.Clone(good), make([]byte, MinFirstContact)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := ParseRetry(tt.b); ok || got != nil {
				t.Errorf("ParseRetry(% x): got %x, %v, want nil, false", tt.b, got, ok)
			}
		})
	}
}
