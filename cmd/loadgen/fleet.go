package main

import (
	"context"
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// fleet is the peers of one relay, in rooms of cfg.RoomSize, sending with a pacer
// and timed by a recorder.
type fleet struct {
	cfg   *Config
	t     *target
	c     counters
	rec   *recorder
	pace  *pacer
	peers []peer
	rooms int
}

func newFleet(cfg *Config, t *target) *fleet {
	f := &fleet{cfg: cfg, t: t, rec: newRecorder()}
	f.pace = newPacer(cfg.Rate, cfg.Payload, 4, &f.c)
	return f
}

func (f *fleet) close() {
	f.pace.close()
	closeAll(f.peers)
}

// recv times one delivery.
func (f *fleet) recv(i int, b []byte) {
	if t, _, ok := sentAt(b); ok {
		f.c.delivered.Add(1)
		if f.c.inWindow(t.UnixNano()) {
			f.c.delivWin.Add(1)
		}
		f.rec.record(i, time.Since(t))
	}
}

// addRooms connects n more rooms of cfg.RoomSize peers and starts them sending.
func (f *fleet) addRooms(ctx context.Context, n int) error {
	k := f.cfg.RoomSize
	ps, err := dialAll(ctx, f.t.d, len(f.peers), n*k, f.cfg.DialConcurrency, f.recv, &f.c)
	f.peers = append(f.peers, ps...)
	if err != nil {
		return err
	}
	first := len(f.peers) - len(ps)
	for j, p := range ps {
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.joinRoom(jctx, f.rooms+j/k)
		cancel()
		if err != nil {
			return fmt.Errorf("join room: %w", err)
		}
	}
	for j, p := range ps {
		f.pace.add(p, first+j)
	}
	f.rooms += n
	return nil
}

// window is the start of a measurement.
type window struct {
	t0                time.Time
	relay             procStat
	self              time.Duration
	sent, deliv, errs int64
	retrans, lost     uint64 // the clients' transport counters (transportCounts)
}

func (f *fleet) begin(ctx context.Context) (window, error) {
	st, err := f.t.proc.stat(ctx, false)
	f.rec.take() // drop what came before
	f.c.openWindow(time.Now())
	retrans, lost := f.transportCounts()
	return window{t0: time.Now(), relay: st, self: selfCPU(),
		sent: f.c.sent.Load(), deliv: f.c.delivered.Load(), errs: f.c.errs.Load(),
		retrans: retrans, lost: lost}, err
}

// transportCounts sums the peers' transport counters.
func (f *fleet) transportCounts() (retrans, lost uint64) {
	for _, p := range f.peers {
		r, l := p.transportCounts()
		retrans, lost = retrans+r, lost+l
	}
	return retrans, lost
}

// lossDrain is how long a window's last sends may take to arrive before the ones
// still missing count as lost.
const lossDrain = 300 * time.Millisecond

// end closes the window w and returns its figures.
func (f *fleet) end(ctx context.Context, w window) (*Result, error) {
	f.c.winTo.Store(time.Now().UnixNano())
	h := f.rec.take()
	secs := time.Since(w.t0).Seconds()
	r := &Result{
		Relay: f.t.d.name(), Clients: len(f.peers), Seconds: secs,
		Sent:      f.c.sent.Load() - w.sent,
		Delivered: f.c.delivered.Load() - w.deliv,
		Errors:    f.c.errs.Load() - w.errs, FirstError: f.c.lastError(),
		LoadgenCPU: pct(selfCPU()-w.self, secs),
	}
	retrans, lost := f.transportCounts()
	r.ClientRetransmits = float64(retrans-w.retrans) / secs
	r.ClientPacketsLost = float64(lost-w.lost) / secs
	st, err := f.t.proc.stat(ctx, false)
	if err == nil {
		err = sleepCtx(ctx, lossDrain)
	}
	// Loss counts the payloads stamped within the window, wherever their sends and
	// deliveries were counted.
	r.Expected = f.c.sentWin.Load() * int64(f.cfg.RoomSize-1)
	if r.Expected > 0 {
		r.LossPct = max(0, 100*float64(r.Expected-f.c.delivWin.Load())/float64(r.Expected))
	}
	r.Throughput = float64(r.Delivered) / secs
	r.Latency = summarize(h)
	r.Curve = curve(h)
	f.t.fillRelay(r, w.relay, st, secs)
	if cpu := (st.CPU - w.relay.CPU).Seconds(); f.t.proc.measured() && cpu > 0 {
		r.PerRelayCPUSec = float64(r.Delivered) / cpu
	}
	return r, err
}

// pct is CPU time d over secs of wall time, in % of one core.
func pct(d time.Duration, secs float64) float64 { return 100 * d.Seconds() / secs }

// measure runs the fleet's load for d after warm-up and returns the window's figures.
func (f *fleet) measure(ctx context.Context, warmup, d time.Duration, prog *progress) (*Result, error) {
	if err := sleepCtx(ctx, warmup); err != nil {
		return nil, err
	}
	w, err := f.begin(ctx)
	if err != nil {
		return nil, err
	}
	prog.set(func() string { return f.status(w) })
	defer prog.set(nil)
	if err := sleepCtx(ctx, d); err != nil {
		return nil, err
	}
	return f.end(ctx, w)
}

// status is the live progress line of a window.
func (f *fleet) status(w window) string {
	secs := time.Since(w.t0).Seconds()
	return fmt.Sprintf("%s: %d clients, %.1fs, sent %d, delivered %d (%.0f/s), errors %d",
		f.t.d.name(), len(f.peers), secs, f.c.sent.Load()-w.sent, f.c.delivered.Load()-w.deliv,
		float64(f.c.delivered.Load()-w.deliv)/max(secs, 0.001), f.c.errs.Load()-w.errs)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// summarize reads the percentiles of h, in microseconds.
func summarize(h *hdrhistogram.Histogram) Latency {
	return Latency{
		Count: h.TotalCount(), Min: h.Min(), Mean: h.Mean(), Max: h.Max(),
		P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9),
	}
}

// curve samples h's percentile distribution for the plot: percentiles 1-10^(-i/10),
// i = 0..50 (up to 99.999 %), and the maximum.
func curve(h *hdrhistogram.Histogram) []Point {
	if h.TotalCount() == 0 {
		return nil
	}
	var out []Point
	for i := 0; i <= 50; i++ {
		q := 100 * (1 - pow10(-float64(i)/10))
		if q > 100*(1-1/float64(h.TotalCount())) && i > 0 {
			break // beyond what this many samples can tell
		}
		out = append(out, Point{X: q, Y: float64(h.ValueAtQuantile(q))})
	}
	return append(out, Point{X: 100, Y: float64(h.Max())})
}
