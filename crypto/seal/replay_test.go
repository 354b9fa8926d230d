package seal

import (
	"math/rand/v2"
	"testing"
)

func TestReplayWindow(t *testing.T) {
	var w ReplayWindow
	accept := func(pn uint64) bool {
		if !w.Check(pn) {
			return false
		}
		w.Accept(pn)
		return true
	}
	steps := []struct {
		pn   uint64
		want bool
	}{
		{5, true},                           // first packet need not be 0
		{5, false},                          // duplicate
		{3, true},                           // late but inside the window
		{3, false},                          // late duplicate
		{2000, true},                        // jump ahead
		{2000 - ReplayWindowSize, false},    // just outside
		{2000 - ReplayWindowSize + 1, true}, // just inside
		{5, false},                          // far behind
		{1999, true},
		{2001, true},
	}
	for i, s := range steps {
		if got := accept(s.pn); got != s.want {
			t.Fatalf("step %d: packet %d accepted %v, want %v", i, s.pn, got, s.want)
		}
	}
	if l, ok := w.Largest(); !ok || l != 2001 {
		t.Fatalf("Largest: got %d, %v; want 2001, true", l, ok)
	}
}

// TestReplayWindowMatchesReference checks the bitmap against a map of everything seen,
// over random streams with jumps, reordering and duplicates.
func TestReplayWindowMatchesReference(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var w ReplayWindow
		seen := map[uint64]bool{}
		var largest uint64
		var has bool
		next := uint64(0)
		for range 20000 {
			var pn uint64
			switch r := rng.IntN(100); {
			case r < 60:
				pn = next
				next++
			case r < 65:
				next += uint64(rng.IntN(3000))
				pn = next
			default:
				pn = next - min(next, uint64(rng.IntN(1500)))
			}
			want := !seen[pn] && (!has || pn > largest || largest-pn < ReplayWindowSize)
			if got := w.Check(pn); got != want {
				t.Fatalf("seed %d: Check(%d) with largest %d: got %v, want %v", seed, pn, largest, got, want)
			}
			if want {
				w.Accept(pn)
				seen[pn] = true
				if !has || pn > largest {
					largest, has = pn, true
				}
			}
		}
	}
}

func TestExpandPN(t *testing.T) {
	tests := []struct {
		largest   uint64
		has       bool
		truncated uint32
		want      uint64
	}{
		{0, false, 0, 0},
		{0, false, 7, 7},
		{10, true, 11, 11},
		{10, true, 5, 5},                                  // late packet
		{0xFFFFFFFF, true, 0, 0x100000000},                // wraps forward
		{0x100000005, true, 0xFFFFFFF0, 0xFFFFFFF0},       // late packet across the wrap
		{0x2_0000_0000, true, 3, 0x2_0000_0003},           // later epoch
		{0x2_0000_0000, true, 0x8000_0002, 0x1_8000_0002}, // more than half behind is earlier
	}
	for _, tt := range tests {
		if got := ExpandPN(tt.largest, tt.has, tt.truncated); got != tt.want {
			t.Errorf("ExpandPN(%#x, %v, %#x): got %#x, want %#x", tt.largest, tt.has, tt.truncated, got, tt.want)
		}
	}
}

func FuzzReplayWindow(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 3, 200, 1, 0, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		var w ReplayWindow
		seen := map[uint64]bool{}
		var pn uint64
		for i := 0; i+1 < len(b); i += 2 {
			delta := uint64(b[i])<<8 | uint64(b[i+1])
			if delta&1 == 0 {
				pn += delta >> 1
			} else {
				pn -= min(pn, delta>>1)
			}
			ok := w.Check(pn)
			if ok && seen[pn] {
				t.Fatalf("packet %d accepted twice", pn)
			}
			if ok {
				w.Accept(pn)
				seen[pn] = true
			}
		}
	})
}

func BenchmarkReplayWindow(b *testing.B) {
	var w ReplayWindow
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		pn := i ^ (i & 3) // small reordering
		if w.Check(pn) {
			w.Accept(pn)
		}
	}
}
