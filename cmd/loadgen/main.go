// Loadgen is the load generator: it puts the same load on a Boson relay and on a raw
// UDP relay (the same fan-out with no encryption and no reliability) over real UDP on
// this machine, and reports both and their ratio, so that every figure comes with the
// floor it is measured against.
//
// Scenarios (-scenario):
//
//   - pingpong: two players in a room bounce an event; the round trip, one at a time.
//   - room: N clients in rooms of K raise P-byte events at R Hz (default one room of 8
//     at 20 Hz); throughput and the latency of every delivery (send time carried in
//     the payload, read at the receiver on the same clock).
//   - ramp: rooms of 4 at 20 Hz, more rooms every few seconds until a step's p99 is
//     10 ms over the raw relay's first step, deliveries are lost or errors appear;
//     the concurrent clients (CCU) reached, for both relays.
//   - idle: 10 000 connections that only keep alive; the relay's heap and RSS per
//     connection and its idle CPU.
//   - joinrandom: 1 000 connected clients call join-or-create-random within one
//     second; time until all joined, call latency, rooms created and their fill.
//
// Each relay the loadgen starts runs in a child process (the loadgen re-executed), so
// its CPU and memory are its own. With -relay the Boson side is an external relay,
// whose CPU and memory come from its -relay-metrics URL (cmd/relay's /metrics) or
// are not measured.
//
// A live progress line goes to stderr; the report goes to stdout as text, or JSON with
// -json; -plot writes an SVG latency plot comparing the two relays.
//
// Usage:
//
//	loadgen -scenario room [-clients 8] [-room-size 8] [-rate 20] [-payload 64]
//	        [-unreliable] [-duration 10s] [-json] [-plot lat.svg]
//	        [-relay host:port -fingerprint FP [-relay-metrics http://host:7351/metrics]]
//	        [-relay-cpuprofile relay.prof] [-relay-memprofile heap.prof]
//
// loadgen -h lists every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	if kind := os.Getenv(serveEnv); kind != "" {
		os.Exit(serveChild(kind))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		stop()
		os.Exit(1)
	}
}

// run parses args, runs the load and writes the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "write the report as JSON")
	plotFile := fs.String("plot", "", "write an SVG latency plot of both relays to this file")
	fs.StringVar(&c.Scenario, "scenario", "", "one of "+strings.Join(Scenarios, ", ")+" (required)")
	fs.IntVar(&c.Clients, "clients", 0, "clients (default: pingpong 2, room 8, idle 10000, joinrandom 1000)")
	fs.IntVar(&c.RoomSize, "room-size", 0, "members per room (default: room 8, ramp 4, joinrandom 4)")
	fs.Float64Var(&c.Rate, "rate", 0, "events per second per client (default 20)")
	fs.IntVar(&c.Payload, "payload", 0, "event payload bytes, 12 to 1200 (default 64)")
	fs.BoolVar(&c.Unreliable, "unreliable", false, "send events unreliably (default reliable)")
	fs.DurationVar(&c.Warmup, "warmup", 0, "load before measuring (default: pingpong 1s, room 2s)")
	fs.DurationVar(&c.Duration, "duration", 0, "measured window of pingpong and room (default 10s)")
	fs.IntVar(&c.StartRooms, "start-rooms", 0, "ramp: rooms of the first step (default 25)")
	fs.IntVar(&c.StepRooms, "step-rooms", 0, "ramp: rooms added per step (default 25)")
	fs.DurationVar(&c.StepTime, "step-time", 0, "ramp: measured window of each step (default 3s)")
	fs.DurationVar(&c.Settle, "settle", 0, "wait after connecting before measuring (default: ramp 1s, idle 3s)")
	fs.DurationVar(&c.AddedP99, "added-p99", 0, "ramp: stop when p99 exceeds the raw relay's first step by more (default 10ms)")
	fs.Float64Var(&c.MaxLoss, "max-loss", 0, "ramp: stop when a step loses more than this % of deliveries (default 1)")
	fs.IntVar(&c.MaxCCU, "max-ccu", 0, "ramp: never exceed this many clients (default 10000)")
	fs.DurationVar(&c.IdleWindow, "idle-window", 0, "idle: how long to measure idle CPU (default 10s)")
	fs.DurationVar(&c.JoinWindow, "join-window", 0, "joinrandom: spread the calls over this long (default 1s)")
	fs.IntVar(&c.DialConcurrency, "dial-concurrency", 0, "connections set up at once (default 32)")
	fs.StringVar(&c.Relay, "relay", "", "load this external Boson relay (host:port) instead of starting one")
	fs.StringVar(&c.Fingerprint, "fingerprint", "", "the external relay's certificate fingerprint (with -relay)")
	fs.StringVar(&c.RelayMetrics, "relay-metrics", "", "the external relay's Prometheus /metrics URL, for its CPU and memory")
	fs.StringVar(&c.RelayCPUProfile, "relay-cpuprofile", "", "write the started Boson relay's CPU profile to this file")
	fs.StringVar(&c.RelayMemProfile, "relay-memprofile", "", "write the started Boson relay's heap profile (after GC; idle: with the connections idle) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rep, err := c.Run(ctx, stderr)
	if err != nil {
		return err
	}
	rep.Command = strings.TrimSpace("loadgen " + strings.Join(args, " "))
	if *plotFile != "" {
		if err := writePlot(*plotFile, rep); err != nil {
			return err
		}
	}
	if *jsonOut {
		return rep.WriteJSON(stdout)
	}
	rep.WriteText(stdout)
	return nil
}

func writePlot(path string, rep *Report) error {
	p := plotReport(rep)
	if p == nil {
		return errors.New("-plot: this scenario has no latency to plot")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.writeSVG(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
