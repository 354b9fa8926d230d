package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// target is a relay under load: how to dial it and where its resource use comes from.
type target struct {
	d    dialer
	proc relayProc
	ch   *child // nil for an external relay
}

// startTarget starts (or, for Boson with cfg.Relay set, connects to) the relay of kind.
func startTarget(ctx context.Context, cfg *Config, kind string) (*target, error) {
	if kind == "boson" && cfg.Relay != "" {
		fp, err := handshake.ParseFingerprint(cfg.Fingerprint)
		if err != nil {
			return nil, fmt.Errorf("-fingerprint: %w", err)
		}
		return &target{
			d:    &bosonDialer{addr: cfg.Relay, fp: fp, unreliable: cfg.Unreliable},
			proc: &metricsProc{url: cfg.RelayMetrics, hc: &http.Client{Timeout: 5 * time.Second}},
		}, nil
	}
	var prof profiles
	if kind == "boson" {
		prof = profiles{cpu: cfg.RelayCPUProfile, heap: cfg.RelayMemProfile}
	}
	ch, err := startChild(ctx, kind, prof)
	if err != nil {
		return nil, err
	}
	t := &target{proc: ch, ch: ch}
	switch kind {
	case "boson":
		fp, err := handshake.ParseFingerprint(ch.fp)
		if err != nil {
			ch.close()
			return nil, err
		}
		t.d = &bosonDialer{addr: ch.addr, fp: fp, unreliable: cfg.Unreliable}
	default:
		ua, err := net.ResolveUDPAddr("udp4", ch.addr)
		if err != nil {
			ch.close()
			return nil, err
		}
		t.d = &rawDialer{addr: ua}
	}
	return t, nil
}

func (t *target) close() {
	if t.ch != nil {
		t.ch.close()
	}
}

// fillRelay sets r's relay figures from the stats at the start and end of a window.
func (t *target) fillRelay(r *Result, a, b procStat, secs float64) {
	if !t.proc.measured() {
		r.RelayCPU = -1
		return
	}
	r.RelayCPU = pct(b.CPU-a.CPU, secs)
	r.RelayRSS, r.RelayHeap = b.RSS, b.Heap
	r.RelayPktsIn, r.RelayPktsOut = float64(b.PktsIn-a.PktsIn)/secs, float64(b.PktsOut-a.PktsOut)/secs
	r.RelayReads, r.RelayWrites = float64(b.Reads-a.Reads)/secs, float64(b.Writes-a.Writes)/secs
}
