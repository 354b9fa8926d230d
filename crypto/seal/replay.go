package seal

// ReplayWindowSize is how many packet numbers behind the largest one received a
// [ReplayWindow] still remembers.
const ReplayWindowSize = 1024

const replayWords = ReplayWindowSize / 64

// ReplayWindow rejects duplicate and too-old packet numbers (RFC 6479 style: a bitmap
// of the last ReplayWindowSize numbers). Check before decrypting; Accept after the tag
// verified, so a forged packet cannot move the window. The zero value is an empty
// window. It is not safe for concurrent use; its owner is the connection's goroutine.
type ReplayWindow struct {
	largest uint64
	has     bool
	bits    [replayWords]uint64 // bit pn%size is set when pn was accepted
}

// Largest returns the largest packet number accepted, and false if none was.
func (w *ReplayWindow) Largest() (uint64, bool) { return w.largest, w.has }

// Check reports whether pn would be accepted: newer than the largest, or within the
// window and not seen yet. It changes nothing.
func (w *ReplayWindow) Check(pn uint64) bool {
	switch {
	case !w.has || pn > w.largest:
		return true
	case w.largest-pn >= ReplayWindowSize:
		return false
	}
	return w.bits[(pn/64)%replayWords]&(1<<(pn%64)) == 0
}

// Accept records pn as received. Call it only for a pn that Check accepted and whose
// packet authenticated.
func (w *ReplayWindow) Accept(pn uint64) {
	if !w.has || pn > w.largest {
		w.advance(pn)
	}
	w.bits[(pn/64)%replayWords] |= 1 << (pn % 64)
}

// advance moves the window's top to pn, clearing the bits of the numbers it skips.
func (w *ReplayWindow) advance(pn uint64) {
	if !w.has || pn-w.largest >= ReplayWindowSize {
		w.bits = [replayWords]uint64{}
	} else {
		for n := w.largest + 1; n <= pn; n++ {
			if n%64 == 0 && pn-n >= 63 { // a whole word
				w.bits[(n/64)%replayWords] = 0
				n += 63
				continue
			}
			w.bits[(n/64)%replayWords] &^= 1 << (n % 64)
		}
	}
	w.largest, w.has = pn, true
}

// ExpandPN recovers a 64-bit packet number from its low 32 bits as carried in a packet
// header: the value with those bits nearest to the next expected number (largest + 1,
// or 0 when nothing was received), as QUIC does (RFC 9000 appendix A.3).
func ExpandPN(largest uint64, has bool, truncated uint32) uint64 {
	expected := uint64(0)
	if has {
		expected = largest + 1
	}
	const win = uint64(1) << 32
	const half = win / 2
	candidate := (expected &^ (win - 1)) | uint64(truncated)
	switch {
	case candidate+half <= expected && candidate < (1<<62)-win:
		return candidate + win
	case candidate > expected+half && candidate >= win:
		return candidate - win
	}
	return candidate
}
