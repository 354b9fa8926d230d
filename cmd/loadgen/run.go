package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Run runs the scenario against the raw UDP relay, then the Boson relay, and returns
// the report. Progress goes to progressW. It stops early when ctx ends.
func (c Config) Run(ctx context.Context, progressW io.Writer) (*Report, error) {
	c.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	files := c.Clients
	if c.Scenario == "ramp" {
		files = c.MaxCCU
	}
	if err := raiseNoFile(uint64(files) + 1024); err != nil {
		return nil, err
	}
	prog := newProgress(progressW)
	defer prog.close()
	rep := &Report{Scenario: c.Scenario, Started: time.Now(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Settings: c.settings()}
	rep.LoadAvg[0] = loadAvg()
	var err error
	if rep.Raw, err = c.runOn(ctx, "raw", 0, prog); err != nil {
		return nil, fmt.Errorf("raw relay: %w", err)
	}
	var baseline int64
	if rep.Raw.Ramp != nil {
		baseline = rep.Raw.Ramp.BaselineP99
	}
	if rep.Boson, err = c.runOn(ctx, "boson", baseline, prog); err != nil {
		return nil, fmt.Errorf("boson relay: %w", err)
	}
	rep.LoadAvg[1] = loadAvg()
	rep.addRatios()
	rep.addNotes(&c)
	return rep, nil
}

func (c *Config) runOn(ctx context.Context, kind string, baseline int64, prog *progress) (*Result, error) {
	t, err := startTarget(ctx, c, kind)
	if err != nil {
		return nil, err
	}
	defer t.close()
	switch c.Scenario {
	case "pingpong":
		return runPingPong(ctx, c, t, prog)
	case "room":
		return runSteady(ctx, c, t, prog)
	case "ramp":
		return runRamp(ctx, c, t, baseline, prog)
	case "idle":
		return runIdle(ctx, c, t, prog)
	}
	return runJoinRandom(ctx, c, t, prog)
}

// addNotes adds what a reader must know to trust the figures.
func (rep *Report) addNotes(c *Config) {
	if l := max(rep.LoadAvg[0], rep.LoadAvg[1]); l > 0.5 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the 1-minute load average was %.2f: other processes shared the CPU, so the figures are noisy", l))
	}
	if c.Relay != "" {
		rep.Notes = append(rep.Notes, "Boson figures are from the external relay "+c.Relay+"; the raw relay ran as a child of the loadgen")
	}
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r != nil && r.LoadgenCPU > 90*float64(rep.GOMAXPROCS) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("the loadgen itself used %.0f%% CPU with the %s relay: the clients, not the relay, may be the limit", r.LoadgenCPU, r.Relay))
		}
	}
	if c.Scenario == "ramp" {
		rep.Notes = append(rep.Notes, "the clients, the loadgen and the relay share this machine's cores: the CCU reached is this machine's, clients included, not the relay's alone")
	}
}

// loadAvg returns the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
