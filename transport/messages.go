package transport

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

const protocolVersion = 1

// Refusal codes in ACCEPT (PROTOCOL.md §2, step 7).
const (
	refuseVersion     = 1
	refuseUnencrypted = 2
	refuseChannels    = 3
	refuseFull        = 4
	refuseShutdown    = 5
)

// RESUME_REFUSED reasons (PROTOCOL.md §6).
const (
	resumeExpired = 1
	resumeUsed    = 2
	resumeInvalid = 3
	resumeBusy    = 4
)

const flagUnencrypted = 1

// hello is the client's first application message over DTLS.
type hello struct {
	version     uint16
	unencrypted bool
	clientCID   uint32
	mtu         uint16 // the largest datagram the client sends and receives
	maxMessage  uint32 // the largest reliable message the client sends and receives
	channels    []Mode
}

const helloFixedLen = 2 + 1 + 4 + 2 + 4 + 1

func (h *hello) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, h.version)
	b = append(b, boolFlag(h.unencrypted))
	b = binary.BigEndian.AppendUint32(b, h.clientCID)
	b = binary.BigEndian.AppendUint16(b, h.mtu)
	b = binary.BigEndian.AppendUint32(b, h.maxMessage)
	b = append(b, byte(len(h.channels)))
	for _, m := range h.channels {
		b = append(b, byte(m))
	}
	return b
}

func parseHello(b []byte) (hello, error) {
	var h hello
	if len(b) < helloFixedLen {
		return h, errMalformed
	}
	h.version = binary.BigEndian.Uint16(b)
	if b[2]&^flagUnencrypted != 0 {
		return h, errMalformed
	}
	h.unencrypted = b[2]&flagUnencrypted != 0
	h.clientCID = binary.BigEndian.Uint32(b[3:])
	h.mtu = binary.BigEndian.Uint16(b[7:])
	h.maxMessage = binary.BigEndian.Uint32(b[9:])
	n := int(b[13])
	if len(b) != helloFixedLen+n || !validMTU(int(h.mtu)) || h.maxMessage == 0 {
		return h, errMalformed
	}
	modes, err := parseModes(b[helloFixedLen:])
	h.channels = modes
	return h, err
}

// validMTU reports whether an MTU is one the protocol allows.
func validMTU(mtu int) bool { return mtu >= minMTU && mtu <= maxMTU }

const (
	minMTU = 1200
	maxMTU = 9000
)

func parseModes(b []byte) ([]Mode, error) {
	if len(b) == 0 || len(b) > maxChannels {
		return nil, errMalformed
	}
	modes := make([]Mode, len(b))
	for i, m := range b {
		if !Mode(m).valid() {
			return nil, errMalformed
		}
		modes[i] = Mode(m)
	}
	return modes, nil
}

// params are the connection parameters a relay grants in ACCEPT and RESUMED. mtu and
// maxMessage are negotiated: the smaller of the client's (HELLO) and the relay's.
type params struct {
	serverCID   uint32
	unencrypted bool
	resetToken  [16]byte
	mtu         uint16
	maxMessage  uint32
	idleMillis  uint32
	keepMillis  uint32
	sessionID   uint64
	token       []byte
}

const paramsFixedLen = 4 + 1 + 16 + 2 + 4 + 4 + 4 + 8 + 2

func (p *params) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, p.serverCID)
	b = append(b, boolFlag(p.unencrypted))
	b = append(b, p.resetToken[:]...)
	b = binary.BigEndian.AppendUint16(b, p.mtu)
	b = binary.BigEndian.AppendUint32(b, p.maxMessage)
	b = binary.BigEndian.AppendUint32(b, p.idleMillis)
	b = binary.BigEndian.AppendUint32(b, p.keepMillis)
	b = binary.BigEndian.AppendUint64(b, p.sessionID)
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.token)))
	return append(b, p.token...)
}

func parseParams(b []byte) (params, error) {
	var p params
	if len(b) < paramsFixedLen {
		return p, errMalformed
	}
	p.serverCID = binary.BigEndian.Uint32(b)
	if b[4]&^flagUnencrypted != 0 {
		return p, errMalformed
	}
	p.unencrypted = b[4]&flagUnencrypted != 0
	copy(p.resetToken[:], b[5:21])
	p.mtu = binary.BigEndian.Uint16(b[21:])
	p.maxMessage = binary.BigEndian.Uint32(b[23:])
	p.idleMillis = binary.BigEndian.Uint32(b[27:])
	p.keepMillis = binary.BigEndian.Uint32(b[31:])
	p.sessionID = binary.BigEndian.Uint64(b[35:])
	n := int(binary.BigEndian.Uint16(b[43:]))
	if len(b) != paramsFixedLen+n || !validMTU(int(p.mtu)) || p.maxMessage == 0 || p.idleMillis == 0 || p.keepMillis == 0 {
		return p, errMalformed
	}
	p.token = b[paramsFixedLen:]
	return p, nil
}

// accept is the relay's answer to hello.
type accept struct {
	version uint16
	status  uint8
	reason  string // when status != 0
	params  params // when status == 0
}

func (a *accept) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, a.version)
	b = append(b, a.status)
	if a.status != 0 {
		r := truncateUTF8(a.reason, 255)
		b = append(b, byte(len(r)))
		return append(b, r...)
	}
	return a.params.append(b)
}

func parseAccept(b []byte) (accept, error) {
	var a accept
	if len(b) < 4 {
		return a, errMalformed
	}
	a.version = binary.BigEndian.Uint16(b)
	a.status = b[2]
	if a.status != 0 {
		n := int(b[3])
		if len(b) != 4+n || !utf8.Valid(b[4:]) {
			return a, errMalformed
		}
		a.reason = string(b[4:])
		return a, nil
	}
	p, err := parseParams(b[3:])
	a.params = p
	return a, err
}

// tokenBody is the plaintext of a resume token (PROTOCOL.md §6). Only the relay reads it.
type tokenBody struct {
	id        [16]byte
	session   uint64
	expires   int64 // unix milliseconds
	secret    [32]byte
	plain     bool
	channels  []Mode
	data      []byte
	serverCID uint32
	mtu       uint16 // negotiated, carried to a new connection for the session
	maxMsg    uint32
}

const tokenVersion = 1

func (t *tokenBody) append(b []byte) []byte {
	b = append(b, tokenVersion)
	b = append(b, t.id[:]...)
	b = binary.BigEndian.AppendUint64(b, t.session)
	b = binary.BigEndian.AppendUint64(b, uint64(t.expires))
	b = append(b, t.secret[:]...)
	b = append(b, boolFlag(t.plain), byte(len(t.channels)))
	for _, m := range t.channels {
		b = append(b, byte(m))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(t.data)))
	b = append(b, t.data...)
	b = binary.BigEndian.AppendUint32(b, t.serverCID)
	b = binary.BigEndian.AppendUint16(b, t.mtu)
	return binary.BigEndian.AppendUint32(b, t.maxMsg)
}

func parseTokenBody(b []byte) (tokenBody, error) {
	var t tokenBody
	const fixed = 1 + 16 + 8 + 8 + 32 + 2
	if len(b) < fixed || b[0] != tokenVersion {
		return t, errMalformed
	}
	copy(t.id[:], b[1:17])
	t.session = binary.BigEndian.Uint64(b[17:])
	t.expires = int64(binary.BigEndian.Uint64(b[25:]))
	copy(t.secret[:], b[33:65])
	if b[65]&^flagUnencrypted != 0 {
		return t, errMalformed
	}
	t.plain = b[65] != 0
	n := int(b[66])
	rest := b[fixed:]
	if len(rest) < n+2 {
		return t, errMalformed
	}
	modes, err := parseModes(rest[:n])
	if err != nil {
		return t, err
	}
	t.channels = modes
	rest = rest[n:]
	dn := int(binary.BigEndian.Uint16(rest))
	if len(rest) != 2+dn+4+2+4 {
		return t, errMalformed
	}
	t.data = rest[2 : 2+dn]
	rest = rest[2+dn:]
	t.serverCID = binary.BigEndian.Uint32(rest)
	t.mtu = binary.BigEndian.Uint16(rest[4:])
	t.maxMsg = binary.BigEndian.Uint32(rest[6:])
	if !validMTU(int(t.mtu)) || t.maxMsg == 0 {
		return t, errMalformed
	}
	return t, nil
}

// resumeReq is a decoded RESUME datagram. Slices alias the datagram.
type resumeReq struct {
	token       []byte
	clientNonce [16]byte
	clientCID   uint32
	flags       uint8
	mac         [16]byte
	signed      []byte // the bytes the MAC covers
}

const resumeMinLen = 1200

func appendResume(b []byte, token []byte, nonce *[16]byte, clientCID uint32, flags uint8, mac func([]byte) [16]byte) []byte {
	start := len(b)
	b = append(b, typeResume)
	b = binary.BigEndian.AppendUint16(b, uint16(len(token)))
	b = append(b, token...)
	b = append(b, nonce[:]...)
	b = binary.BigEndian.AppendUint32(b, clientCID)
	b = append(b, flags)
	m := mac(b[start:])
	b = append(b, m[:]...)
	for len(b)-start < resumeMinLen {
		b = append(b, 0)
	}
	return b
}

func parseResume(b []byte) (resumeReq, error) {
	var r resumeReq
	if len(b) < resumeMinLen || b[0] != typeResume {
		return r, errMalformed
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	end := 3 + n + 16 + 4 + 1
	if end+16 > len(b) {
		return r, errMalformed
	}
	r.token = b[3 : 3+n]
	copy(r.clientNonce[:], b[3+n:])
	r.clientCID = binary.BigEndian.Uint32(b[3+n+16:])
	r.flags = b[end-1]
	copy(r.mac[:], b[end:end+16])
	r.signed = b[:end]
	for _, x := range b[end+16:] {
		if x != 0 {
			return r, errMalformed
		}
	}
	return r, nil
}

func boolFlag(v bool) byte {
	if v {
		return flagUnencrypted
	}
	return 0
}

// refusalText is the message a client shows for an ACCEPT refusal code.
func refusalText(code uint8) string {
	switch code {
	case refuseVersion:
		return "unsupported protocol version"
	case refuseUnencrypted:
		return "relay does not allow unencrypted connections"
	case refuseChannels:
		return "relay refused the channel list"
	case refuseFull:
		return "relay is full"
	case refuseShutdown:
		return "relay is shutting down"
	}
	return fmt.Sprintf("refused (code %d)", code)
}

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
