package transporttest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

const ms = time.Millisecond

func TestDecide(t *testing.T) {
	tests := []struct {
		name          string
		link          Link
		wantLost      bool
		wantCopies    int
		wantReordered bool
		minDelay      time.Duration // inclusive
		maxDelay      time.Duration // inclusive
	}{
		{"zero link is perfect", Link{}, false, 1, false, 0, 0},
		{"certain loss", Link{Loss: 1, Latency: ms}, true, 0, false, 0, 0},
		{"loss above 1 is certain", Link{Loss: 2}, true, 0, false, 0, 0},
		{"negative loss never happens", Link{Loss: -1}, false, 1, false, 0, 0},
		{"certain duplication", Link{Duplicate: 1}, false, 2, false, 0, 0},
		{"latency", Link{Latency: 20 * ms}, false, 1, false, 20 * ms, 20 * ms},
		{"negative latency is zero", Link{Latency: -ms}, false, 1, false, 0, 0},
		{"jitter adds up to Jitter", Link{Latency: 20 * ms, Jitter: 5 * ms}, false, 1, false, 20 * ms, 25*ms - 1},
		{"reorder holds up to ReorderDelay", Link{Reorder: 1, Latency: 20 * ms, ReorderDelay: 3 * ms}, false, 1, true, 20*ms + 1, 23 * ms},
		{"reorder delay defaults to latency and jitter", Link{Reorder: 1, Latency: 20 * ms, Jitter: 5 * ms}, false, 1, true, 20*ms + 1, 50*ms - 1},
		{"reorder delay is 1ms at least", Link{Reorder: 1}, false, 1, true, 1, ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for range 1000 {
				f := tt.link.decide(r)
				if f.lost != tt.wantLost || f.copies != tt.wantCopies || f.reordered != tt.wantReordered {
					t.Fatalf("decide: got %+v, want lost %v, %d copies, reordered %v", f, tt.wantLost, tt.wantCopies, tt.wantReordered)
				}
				if !f.lost && (f.delay < tt.minDelay || f.delay > tt.maxDelay) {
					t.Fatalf("delay: got %v, want within [%v, %v]", f.delay, tt.minDelay, tt.maxDelay)
				}
			}
		})
	}
}

// within reports whether got is within four standard deviations of a binomial rate p
// over n trials.
func within(got float64, p float64, n int) bool {
	return math.Abs(got-p) <= 4*math.Sqrt(p*(1-p)/float64(n))+1e-9
}

func TestLossRate(t *testing.T) {
	const n = 10000
	for _, loss := range []float64{0, 0.01, 0.1, 0.3, 0.5, 0.9, 1} {
		t.Run(fmt.Sprint(loss), func(t *testing.T) {
			got := deliverySequence(t, 1, Link{Loss: loss}, n, 0)
			if rate := 1 - float64(len(got))/n; !within(rate, loss, n) {
				t.Errorf("Loss %v: got loss rate %.4f over %d datagrams, want %v", loss, rate, n, loss)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Fatalf("Loss %v: got seq %d after %d, want increasing", loss, got[i], got[i-1])
				}
			}
		})
	}
}

func TestDuplicateRate(t *testing.T) {
	const n = 10000
	for _, dup := range []float64{0, 0.05, 0.2, 1} {
		t.Run(fmt.Sprint(dup), func(t *testing.T) {
			got := deliverySequence(t, 1, Link{Duplicate: dup}, n, 0)
			copies := 0
			for i := 1; i < len(got); i++ {
				switch {
				case got[i] == got[i-1]:
					copies++ // a copy arrives right behind its original
				case got[i] != got[i-1]+1:
					t.Fatalf("Duplicate %v: got seq %d after %d, want a copy or the next one", dup, got[i], got[i-1])
				}
			}
			if rate := float64(copies) / n; !within(rate, dup, n) {
				t.Errorf("Duplicate %v: got duplication rate %.4f over %d datagrams, want %v", dup, rate, n, dup)
			}
		})
	}
}

// TestReorderRate sends bursts in a bubble, where the burst leaves at one instant: held
// datagrams arrive after the rest, so those that arrive after a later one are the
// reordered ones (but for held datagrams at the very end of the burst).
func TestReorderRate(t *testing.T) {
	const n = 10000
	for _, reorder := range []float64{0, 0.05, 0.2, 0.5} {
		t.Run(fmt.Sprint(reorder), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				got := deliverySequence(t, 1, Link{Reorder: reorder, Latency: 10 * ms}, n, 0)
				if len(got) != n {
					t.Fatalf("Reorder %v: got %d datagrams, want %d", reorder, len(got), n)
				}
				late, highest := 0, uint32(0)
				for _, s := range got {
					if s < highest {
						late++
					}
					highest = max(highest, s)
				}
				if rate := float64(late) / n; !within(rate, reorder, n) {
					t.Errorf("Reorder %v: got %.4f of datagrams overtaken, want %v", reorder, rate, reorder)
				}
			})
		})
	}
}

func TestJitterKeepsOrder(t *testing.T) {
	inModes(t, func(t *testing.T, exact bool) {
		gap := time.Duration(0) // a burst under real time, spread out in a bubble
		if exact {
			gap = 100 * time.Microsecond
		}
		got := deliverySequence(t, 3, Link{Latency: 5 * ms, Jitter: 20 * ms}, 200, gap)
		if len(got) != 200 {
			t.Fatalf("got %d datagrams, want 200", len(got))
		}
		for i, s := range got {
			if s != uint32(i) {
				t.Fatalf("datagram %d: got seq %d, want %d", i, s, i)
			}
		}
	})
}

// checkElapsed checks a duration measured in a bubble (exact) or under real time (at
// least want, with a generous upper bound for slow machines).
func checkElapsed(t *testing.T, exact bool, what string, got, want time.Duration) {
	t.Helper()
	if exact && got != want || !exact && (got < want || got > want+2*time.Second) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestLatency(t *testing.T) {
	tests := []struct {
		name string
		link Link
	}{
		{"latency", Link{Latency: 25 * ms}},
		{"latency with jitter", Link{Latency: 25 * ms, Jitter: 10 * ms}},
		{"lossless reordering", Link{Latency: 25 * ms, Reorder: 0.5, ReorderDelay: 10 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inModes(t, func(t *testing.T, exact bool) {
				nw := newNet(t, 1, tt.link)
				a, b := listen(t, nw, addrA), listen(t, nw, addrB)
				rounds := 20
				if !exact {
					rounds = 4 // each takes Latency in real time
				}
				for i := range rounds {
					start := time.Now()
					sendSeqs(t, a, addrB, i, 1, 0)
					readSeqs(t, b, 1)
					got := time.Since(start)
					lo, hi := tt.link.Latency, tt.link.Latency+tt.link.Jitter+tt.link.ReorderDelay
					if got < lo || exact && got > hi {
						t.Errorf("write to read: got %v, want within [%v, %v]", got, lo, hi)
					}
				}
			})
		})
	}
}
