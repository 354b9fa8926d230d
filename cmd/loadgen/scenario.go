package main

import (
	"context"
	"fmt"
	"time"
)

// runSteady is the "room" scenario: cfg.Clients peers in rooms of cfg.RoomSize, each
// raising cfg.Payload bytes at cfg.Rate Hz, measured for cfg.Duration after warm-up.
func runSteady(ctx context.Context, cfg *Config, t *target, prog *progress) (*Result, error) {
	f := newFleet(cfg, t)
	defer f.close()
	prog.say("%s: connecting %d clients", t.d.name(), cfg.Clients)
	if err := f.addRooms(ctx, cfg.Clients/cfg.RoomSize); err != nil {
		return nil, err
	}
	return f.measure(ctx, cfg.Warmup, cfg.Duration, prog)
}

// runPingPong is the "pingpong" scenario: two players in a room; the first raises an
// event, the second raises it back on receipt, the first times the round trip and
// sends the next one at once. A round trip not back within a second counts as lost.
func runPingPong(ctx context.Context, cfg *Config, t *target, prog *progress) (*Result, error) {
	f := newFleet(cfg, t) // its pacer stays empty
	defer f.close()
	back := make(chan time.Time, 1)
	var echo peer
	ready := make(chan struct{})
	recv := func(i int, b []byte) {
		if i == 1 {
			<-ready
			if err := echo.send(b); err != nil {
				f.c.fail(err)
			}
			return
		}
		if at, _, ok := sentAt(b); ok {
			select {
			case back <- at:
			default:
			}
		}
	}
	ps, err := dialAll(ctx, t.d, 0, 2, 2, recv, &f.c)
	f.peers = ps
	if err != nil {
		return nil, err
	}
	echo = ps[1]
	close(ready)
	for _, p := range ps {
		if err := p.joinRoom(ctx, 0); err != nil {
			return nil, fmt.Errorf("join room: %w", err)
		}
	}
	if err := pingPong(ctx, f, ps[0], back, cfg.Warmup); err != nil {
		return nil, err
	}
	w, err := f.begin(ctx)
	if err != nil {
		return nil, err
	}
	prog.set(func() string { return fmt.Sprintf("%s: %d round trips", t.d.name(), f.c.delivered.Load()-w.deliv) })
	defer prog.set(nil)
	if err := pingPong(ctx, f, ps[0], back, cfg.Duration); err != nil {
		return nil, err
	}
	r, err := f.end(ctx, w)
	if r != nil {
		r.Expected = r.Sent
		r.LossPct = 100 * float64(r.Sent-r.Delivered) / float64(max(r.Sent, 1))
	}
	return r, err
}

// pingPong runs round trips from p for d.
func pingPong(ctx context.Context, f *fleet, p peer, back chan time.Time, d time.Duration) error {
	buf := make([]byte, max(f.cfg.Payload, minPayload))
	lost := time.NewTimer(time.Hour)
	defer lost.Stop()
	for end := time.Now().Add(d); time.Now().Before(end); {
		t0 := time.Now()
		stamp(buf, 0, t0)
		f.c.sent.Add(1)
		if err := p.send(buf); err != nil {
			f.c.fail(err)
		}
		lost.Reset(time.Second)
	wait:
		for {
			select {
			case at := <-back:
				if at.Equal(t0) {
					f.c.delivered.Add(1)
					f.rec.record(0, time.Since(t0))
					break wait
				}
			case <-lost.C:
				break wait
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
	}
	return nil
}

// RampResult is the ramp's steps and where it stopped.
type RampResult struct {
	BaselineP99 int64      `json:"baseline_p99_us"` // the raw relay's p99 at the first step
	LimitUs     int64      `json:"limit_us"`        // the added p99 that ends the ramp
	CCUReached  int        `json:"ccu_reached"`     // the largest CCU within the limits
	StopReason  string     `json:"stop_reason"`
	Steps       []RampStep `json:"steps"`
}

// RampStep is one step of the ramp.
type RampStep struct {
	CCU        int     `json:"ccu"`
	P50        int64   `json:"p50_us"`
	P99        int64   `json:"p99_us"`
	AddedP99   int64   `json:"added_p99_us"`
	LossPct    float64 `json:"loss_pct"`
	Errors     int64   `json:"errors"`
	Throughput float64 `json:"throughput"`
	RelayCPU   float64 `json:"relay_cpu_pct"`
	LoadgenCPU float64 `json:"loadgen_cpu_pct"`
	// Retransmits and Lost are the clients' retransmitted segments and packets from
	// the relay lost, per second (Boson only).
	Retransmits float64 `json:"client_retransmits_per_s,omitempty"`
	Lost        float64 `json:"client_packets_lost_per_s,omitempty"`
}

func (rr *RampResult) writeText(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "  ramp: CCU reached %d (stopped: %s; baseline p99 %d µs, limit +%d µs)\n",
		rr.CCUReached, rr.StopReason, rr.BaselineP99, rr.LimitUs)
	fmt.Fprintf(w, "  %7s %9s %9s %10s %7s %6s %10s %9s %9s %9s %7s\n", "ccu", "p50 µs", "p99 µs", "added µs",
		"loss %", "errs", "deliv/s", "relay %", "loadgen %", "retrans/s", "lost/s")
	for _, s := range rr.Steps {
		fmt.Fprintf(w, "  %7d %9d %9d %10d %7.2f %6d %10.0f %9.0f %9.0f %9.1f %7.1f\n", s.CCU, s.P50, s.P99, s.AddedP99,
			s.LossPct, s.Errors, s.Throughput, s.RelayCPU, s.LoadgenCPU, s.Retransmits, s.Lost)
	}
}

// runRamp is the "ramp" scenario: rooms of cfg.RoomSize at cfg.Rate Hz, cfg.StepRooms
// more every cfg.StepTime, until the step's p99 exceeds baseline + cfg.AddedP99, the
// loss exceeds cfg.MaxLoss %, errors appear or cfg.MaxCCU is reached. baseline is the
// raw relay's first-step p99 (0 when measuring the raw relay itself, which then sets it).
func runRamp(ctx context.Context, cfg *Config, t *target, baseline int64, prog *progress) (*Result, error) {
	f := newFleet(cfg, t)
	defer f.close()
	rr := &RampResult{BaselineP99: baseline, LimitUs: cfg.AddedP99.Microseconds()}
	var last *Result
	for step := 0; ; step++ {
		add := cfg.StepRooms
		if step == 0 {
			add = cfg.StartRooms
		}
		if (f.rooms+add)*cfg.RoomSize > cfg.MaxCCU {
			rr.StopReason = fmt.Sprintf("reached -max-ccu %d", cfg.MaxCCU)
			break
		}
		prog.say("%s: ramp to %d clients", t.d.name(), (f.rooms+add)*cfg.RoomSize)
		if err := f.addRooms(ctx, add); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			rr.StopReason = "connect or join failed: " + err.Error()
			break
		}
		r, err := f.measure(ctx, cfg.Settle, cfg.StepTime, prog)
		if err != nil {
			return nil, err
		}
		if rr.BaselineP99 == 0 {
			rr.BaselineP99 = r.Latency.P99
		}
		s := RampStep{CCU: r.Clients, P50: r.Latency.P50, P99: r.Latency.P99, AddedP99: r.Latency.P99 - rr.BaselineP99,
			LossPct: r.LossPct, Errors: r.Errors, Throughput: r.Throughput, RelayCPU: r.RelayCPU, LoadgenCPU: r.LoadgenCPU,
			Retransmits: r.ClientRetransmits, Lost: r.ClientPacketsLost}
		rr.Steps = append(rr.Steps, s)
		if reason := rampStop(cfg, s); reason != "" {
			rr.StopReason = reason
			break
		}
		rr.CCUReached, last = s.CCU, r
	}
	if last == nil {
		last = &Result{Relay: t.d.name(), RelayCPU: -1}
	}
	last.Ramp = rr
	return last, nil
}

func rampStop(cfg *Config, s RampStep) string {
	switch {
	case s.AddedP99 > cfg.AddedP99.Microseconds():
		return fmt.Sprintf("p99 %d µs is over the baseline by more than %v at %d clients", s.P99, cfg.AddedP99, s.CCU)
	case s.LossPct > cfg.MaxLoss:
		return fmt.Sprintf("loss %.2f%% over %.2f%% at %d clients", s.LossPct, cfg.MaxLoss, s.CCU)
	case s.Errors > 0:
		return fmt.Sprintf("%d errors at %d clients", s.Errors, s.CCU)
	}
	return ""
}
