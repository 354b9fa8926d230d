package protocol

import (
	"bytes"
	"testing"
)

// FuzzDecodeMessage feeds any bytes to the decoder of their kind: it must never
// panic, and what decodes must encode back to a message that decodes the same.
func FuzzDecodeMessage(f *testing.F) {
	for _, b := range goldenMessages(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := KindOf(b)
		if err != nil {
			return
		}
		switch k {
		case KindRequest:
			if r, err := ReadRequest(b); err == nil {
				again(t, b, func() ([]byte, error) { return AppendRequest(nil, r) }, readReq)
			}
		case KindResponse:
			if r, err := ReadResponse(b); err == nil {
				again(t, b, func() ([]byte, error) { return AppendResponse(nil, r) }, readResp)
			}
		case KindEvent:
			if e, err := ReadEvent(b); err == nil {
				again(t, b, func() ([]byte, error) { return AppendEvent(nil, e) }, readEvent)
			}
		case KindRaise:
			if r, err := ReadRaise(b); err == nil {
				again(t, b, func() ([]byte, error) { return AppendRaise(nil, r) }, readRaise)
			}
		case KindCustomEvent:
			if e, err := ReadCustomEvent(b); err == nil {
				again(t, b, func() ([]byte, error) { return AppendCustomEvent(nil, e), nil }, readCustom)
			}
		}
	})
}

func again(t *testing.T, orig []byte, enc func() ([]byte, error), dec func([]byte) error) {
	t.Helper()
	b, err := enc()
	if err != nil {
		t.Fatalf("re-encoding %x: %v", orig, err)
	}
	if err := dec(b); err != nil {
		t.Fatalf("re-encoded %x (from %x) does not decode: %v", b, orig, err)
	}
}

// FuzzReadValue checks that any bytes decode without panicking, and that a decoded
// value re-encodes to bytes that decode to an equal value.
func FuzzReadValue(f *testing.F) {
	f.Add([]byte{tagMap, 1, 1, 'k', tagArray, 2, tagTrue, tagFloat, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := ReadValue(b)
		if err != nil {
			return
		}
		enc, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
		w, rest, err := ReadValue(enc)
		if err != nil || len(rest) != 0 || !Equal(v, w) {
			t.Fatalf("%#v re-decoded as %#v (%v)", v, w, err)
		}
		enc2, _ := AppendValue(nil, w)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not canonical: %x then %x", enc, enc2)
		}
	})
}
