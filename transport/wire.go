package transport

import (
	"encoding/binary"
	"errors"
)

// Datagram types: the first byte of every non-DTLS datagram (PROTOCOL.md §1).
const (
	typeRetry         = 0xD0
	typeData          = 0xD1
	typePlain         = 0xD2
	typeReset         = 0xD3
	typeResume        = 0xD4
	typeResumed       = 0xD5
	typeResumeRefused = 0xD6
)

const (
	headerLen       = 9  // type ‖ dst_cid u32 ‖ pn u32
	tagLen          = 16 // Poly1305 tag
	resetLen        = 1 + 16
	minClientPacket = 64 // sealed client packets are padded to this, so RESET ≤ 1/3 of any trigger
	maxChannels     = 32
	maxFragments    = 16
)

// Frame types inside a DATA packet (PROTOCOL.md §4).
const (
	framePadding    = 0x00
	framePing       = 0x01
	framePong       = 0x02
	frameClose      = 0x03
	frameNewToken   = 0x04
	frameReliable   = 0x10
	frameUnreliable = 0x11
	frameSequenced  = 0x12
	frameFragment   = 0x13
	frameEager      = 0x14
)

// errMalformed reports a frame or message that does not parse. It never reaches users:
// malformed packets are counted and dropped.
var errMalformed = errors.New("transport: malformed")

// header is the clear part of a DATA packet; it is the AEAD's additional data.
type header struct {
	typ byte
	cid uint32
	pn  uint32
}

func parseHeader(b []byte) (header, bool) {
	if len(b) < headerLen {
		return header{}, false
	}
	return header{typ: b[0], cid: binary.BigEndian.Uint32(b[1:5]), pn: binary.BigEndian.Uint32(b[5:9])}, true
}

func appendHeader(b []byte, typ byte, cid uint32, pn uint32) []byte {
	b = append(b, typ)
	b = binary.BigEndian.AppendUint32(b, cid)
	return binary.BigEndian.AppendUint32(b, pn)
}

// frame is one decoded frame. data aliases the packet it came from.
type frame struct {
	typ   byte
	ch    uint8
	index uint8
	count uint8
	seq   uint32 // sequenced and fragment seq (u16), eager message seq (u32)
	id    uint64 // PING/PONG id
	delay uint64 // PONG delay in µs; CLOSE code
	data  []byte
}

// nextFrame decodes the frame at the start of b and returns the rest. A PADDING frame
// consumes everything. It never panics, whatever b holds.
func nextFrame(b []byte) (f frame, rest []byte, err error) {
	if len(b) == 0 {
		return f, nil, errMalformed
	}
	f.typ = b[0]
	b = b[1:]
	switch f.typ {
	case framePadding:
		return f, nil, nil
	case framePing:
		if len(b) < 8 {
			return f, nil, errMalformed
		}
		f.id = binary.BigEndian.Uint64(b)
		return f, b[8:], nil
	case framePong:
		if len(b) < 8 {
			return f, nil, errMalformed
		}
		f.id = binary.BigEndian.Uint64(b)
		var n int
		if f.delay, n = binary.Uvarint(b[8:]); n <= 0 {
			return f, nil, errMalformed
		}
		return f, b[8+n:], nil
	case frameClose:
		if len(b) < 2 {
			return f, nil, errMalformed
		}
		f.delay = uint64(binary.BigEndian.Uint16(b))
		return takeBytes(f, b[2:])
	case frameNewToken:
		return takeBytes(f, b)
	case frameReliable, frameUnreliable:
		if len(b) < 1 {
			return f, nil, errMalformed
		}
		f.ch = b[0]
		return takeBytes(f, b[1:])
	case frameSequenced:
		if len(b) < 3 {
			return f, nil, errMalformed
		}
		f.ch, f.seq = b[0], uint32(binary.BigEndian.Uint16(b[1:]))
		return takeBytes(f, b[3:])
	case frameFragment:
		return nextFragment(f, b)
	case frameEager:
		if len(b) < 5 {
			return f, nil, errMalformed
		}
		f.ch, f.seq = b[0], binary.BigEndian.Uint32(b[1:])
		return takeBytes(f, b[5:])
	}
	return f, nil, errMalformed
}

func nextFragment(f frame, b []byte) (frame, []byte, error) {
	if len(b) < 5 {
		return f, nil, errMalformed
	}
	f.ch, f.seq = b[0], uint32(binary.BigEndian.Uint16(b[1:]))
	f.index, f.count = b[3], b[4]
	if f.count < 2 || f.count > maxFragments || f.index >= f.count {
		return f, nil, errMalformed
	}
	return takeBytes(f, b[5:])
}

// takeBytes reads a varint length and that many bytes into f.data.
func takeBytes(f frame, b []byte) (frame, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return f, nil, errMalformed
	}
	end := k + int(n)
	f.data = b[k:end:end]
	return f, b[end:], nil
}

// Frame encoders. Each appends one frame to b.

func appendPing(b []byte, id uint64) []byte {
	return binary.BigEndian.AppendUint64(append(b, framePing), id)
}

func appendPong(b []byte, id uint64, delayMicros uint64) []byte {
	b = binary.BigEndian.AppendUint64(append(b, framePong), id)
	return binary.AppendUvarint(b, delayMicros)
}

func appendClose(b []byte, code uint16, reason string) []byte {
	b = binary.BigEndian.AppendUint16(append(b, frameClose), code)
	b = binary.AppendUvarint(b, uint64(len(reason)))
	return append(b, reason...)
}

func appendNewToken(b []byte, token []byte) []byte {
	b = binary.AppendUvarint(append(b, frameNewToken), uint64(len(token)))
	return append(b, token...)
}

// appendChannelFrame writes RELIABLE or UNRELIABLE.
func appendChannelFrame(b []byte, typ byte, ch uint8, data []byte) []byte {
	b = append(b, typ, ch)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendSequenced(b []byte, ch uint8, seq uint16, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(append(b, frameSequenced, ch), seq)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendFragment(b []byte, ch uint8, seq uint16, index, count uint8, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(append(b, frameFragment, ch), seq)
	b = append(b, index, count)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendEager(b []byte, ch uint8, seq uint32, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(append(b, frameEager, ch), seq)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// Frame sizes, for deciding whether a frame fits in the packet being built.

func varintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

func channelFrameLen(n int) int   { return 2 + varintLen(n) + n }
func sequencedFrameLen(n int) int { return 4 + varintLen(n) + n }
func fragmentFrameLen(n int) int  { return 6 + varintLen(n) + n }
func eagerFrameLen(n int) int     { return 6 + varintLen(n) + n }

const (
	pingFrameLen = 9
	pongFrameMax = 9 + 10
)
