package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runJSON runs the loadgen with args (plus -json) and returns its report.
func runJSON(t *testing.T, args ...string) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out, errw strings.Builder
	if err := run(ctx, append(args, "-json"), &out, &errw); err != nil {
		t.Fatalf("run %v: %v\nstderr:\n%s", args, err, errw.String())
	}
	var rep Report
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	if rep.Boson == nil || rep.Raw == nil {
		t.Fatalf("report lacks a relay: %s", out.String())
	}
	return &rep
}

// The scenarios at a tiny scale, end to end: real child relays, real UDP.

func TestScenarioPingPong(t *testing.T) {
	plot := filepath.Join(t.TempDir(), "p.svg")
	rep := runJSON(t, "-scenario", "pingpong", "-warmup", "100ms", "-duration", "400ms", "-plot", plot)
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r.Delivered < 10 || r.Latency.P50 <= 0 || r.RelayCPU < 0 {
			t.Errorf("%s: %d round trips, p50 %d µs, relay CPU %v; want some, > 0, measured", r.Relay, r.Delivered, r.Latency.P50, r.RelayCPU)
		}
	}
	if b, err := os.ReadFile(plot); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("plot: %v, want an SVG file", err)
	}
}

func TestScenarioRoom(t *testing.T) {
	rep := runJSON(t, "-scenario", "room", "-clients", "6", "-room-size", "3", "-warmup", "200ms", "-duration", "600ms", "-unreliable")
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r.Clients != 6 || r.Sent == 0 || r.Delivered == 0 || r.Errors != 0 {
			t.Errorf("%s: %d clients sent %d, delivered %d, errors %d (%s)", r.Relay, r.Clients, r.Sent, r.Delivered, r.Errors, r.FirstError)
		}
	}
	if len(rep.Ratios) == 0 {
		t.Error("no ratios")
	}
}

func TestScenarioRamp(t *testing.T) {
	rep := runJSON(t, "-scenario", "ramp", "-start-rooms", "1", "-step-rooms", "1", "-step-time", "300ms",
		"-settle", "100ms", "-max-ccu", "8", "-added-p99", "10s")
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r.Ramp == nil || len(r.Ramp.Steps) != 2 || r.Ramp.CCUReached != 8 {
			t.Errorf("%s ramp: %+v, want 2 steps reaching 8 clients", r.Relay, r.Ramp)
		}
	}
}

func TestScenarioIdle(t *testing.T) {
	heap := filepath.Join(t.TempDir(), "heap.prof")
	rep := runJSON(t, "-scenario", "idle", "-clients", "20", "-settle", "100ms", "-idle-window", "300ms",
		"-relay-memprofile", heap)
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r.Idle == nil || r.Idle.Conns != 20 || r.Idle.HeapPerConn == 0 {
			t.Errorf("%s idle: %+v, want 20 connections and a heap figure", r.Relay, r.Idle)
		}
	}
	if b, err := os.ReadFile(heap); err != nil || len(b) == 0 {
		t.Errorf("heap profile: %d bytes, %v; want a profile", len(b), err)
	}
}

func TestScenarioJoinRandom(t *testing.T) {
	rep := runJSON(t, "-scenario", "joinrandom", "-clients", "10", "-room-size", "4", "-join-window", "200ms")
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		j := r.Join
		if j == nil || j.Joined != 10 || j.OverMax != 0 || j.Errors != 0 || j.Rooms < 3 {
			t.Errorf("%s joinrandom: %+v (%s), want 10 joined in at least 3 rooms, none over 4", r.Relay, j, r.FirstError)
		}
	}
}
