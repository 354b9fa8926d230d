package handshake

import (
	"encoding/binary"
)

// Datagram framing of first contact (PROTOCOL.md §2).
const (
	// MinFirstContact is the least size of a first-contact datagram: the relay answers
	// one with at most RetryLen bytes, well under a third of it.
	MinFirstContact = 1200
	// TrailerMarker starts the trailer after the ClientHello record.
	TrailerMarker = 0xB5
	// TypeRetry is the first byte of a RETRY datagram.
	TypeRetry = 0xD0
	// CookieLen is the length of the relay's cookies.
	CookieLen = 16
	// MaxCookieLen is the longest cookie a trailer may carry.
	MaxCookieLen = 32
	// RetryLen is the length of a RETRY datagram.
	RetryLen = 2 + CookieLen
)

const (
	recordHeaderLen    = 13 // content type, version, epoch, sequence number, length
	handshakeHeaderLen = 12 // type, length, message_seq, fragment offset and length
	contentHandshake   = 22
	typeClientHello    = 1
)

// IsDTLS reports whether a datagram holds DTLS records: its first byte is a DTLS 1.2
// content type (20 to 25) and it is long enough for a record header.
func IsDTLS(b []byte) bool {
	return len(b) >= recordHeaderLen && b[0] >= 20 && b[0] <= 25
}

// FirstContact is a parsed first-contact datagram. Cookie aliases the datagram.
type FirstContact struct {
	Random  [32]byte // the ClientHello random, which the cookie is bound to
	Cookie  []byte   // empty on a first attempt
	DTLSLen int      // the DTLS record's length: the datagram without the trailer
}

// ParseFirstContact checks that b is a first-contact datagram: at least
// MinFirstContact bytes, one DTLS record of epoch 0 holding one whole ClientHello
// (message_seq 0), then the trailer and zero padding. It allocates nothing.
func ParseFirstContact(b []byte) (FirstContact, error) {
	var fc FirstContact
	if len(b) < MinFirstContact {
		return fc, ErrNotFirstContact
	}
	n, ok := clientHelloRecord(b)
	if !ok {
		return fc, ErrNotFirstContact
	}
	t := b[n:]
	if len(t) < 2 || t[0] != TrailerMarker || int(t[1]) > MaxCookieLen || len(t) < 2+int(t[1]) {
		return fc, ErrNotFirstContact
	}
	for _, x := range t[2+int(t[1]):] {
		if x != 0 {
			return fc, ErrNotFirstContact
		}
	}
	body := b[recordHeaderLen+handshakeHeaderLen:]
	copy(fc.Random[:], body[2:34])
	fc.Cookie = t[2 : 2+int(t[1]) : 2+int(t[1])]
	fc.DTLSLen = n
	return fc, nil
}

// clientHelloRecord reports whether b starts with a DTLS record of epoch 0 holding one
// unfragmented ClientHello with message_seq 0, and returns the record's length.
func clientHelloRecord(b []byte) (int, bool) {
	if len(b) < recordHeaderLen+handshakeHeaderLen+34 || b[0] != contentHandshake || b[1] != 0xFE {
		return 0, false
	}
	if binary.BigEndian.Uint16(b[3:]) != 0 { // epoch
		return 0, false
	}
	recLen := int(binary.BigEndian.Uint16(b[11:]))
	end := recordHeaderLen + recLen
	if end > len(b) || recLen < handshakeHeaderLen+34 {
		return 0, false
	}
	h := b[recordHeaderLen:end]
	msgLen := uint24(h[1:])
	if h[0] != typeClientHello || binary.BigEndian.Uint16(h[4:]) != 0 || uint24(h[6:]) != 0 ||
		uint24(h[9:]) != msgLen || handshakeHeaderLen+msgLen != recLen {
		return 0, false
	}
	return end, true
}

func uint24(b []byte) int { return int(b[0])<<16 | int(b[1])<<8 | int(b[2]) }

// AppendFirstContact appends a first-contact datagram to dst: the DTLS datagram
// clientHello (one ClientHello record), the trailer with cookie (empty on a first
// attempt) and zero padding to MinFirstContact bytes. A cookie longer than
// MaxCookieLen (no relay issues one) is cut to that length.
func AppendFirstContact(dst, clientHello, cookie []byte) []byte {
	cookie = cookie[:min(len(cookie), MaxCookieLen)]
	start := len(dst)
	dst = append(dst, clientHello...)
	dst = append(dst, TrailerMarker, byte(len(cookie)))
	dst = append(dst, cookie...)
	for len(dst)-start < MinFirstContact {
		dst = append(dst, 0)
	}
	return dst
}

// IsClientHello reports whether a DTLS datagram starts with an unfragmented ClientHello
// record of epoch 0: the datagram a client turns into a first-contact datagram.
func IsClientHello(b []byte) bool {
	_, ok := clientHelloRecord(b)
	return ok
}

// AppendRetry appends a RETRY datagram carrying cookie to dst.
func AppendRetry(dst, cookie []byte) []byte {
	dst = append(dst, TypeRetry, byte(len(cookie)))
	return append(dst, cookie...)
}

// ParseRetry returns the cookie of a RETRY datagram, aliasing b.
func ParseRetry(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != TypeRetry || int(b[1]) > MaxCookieLen || len(b) != 2+int(b[1]) {
		return nil, false
	}
	return b[2:], true
}
