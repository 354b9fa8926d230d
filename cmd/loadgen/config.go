package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scenarios lists the scenarios, in the order.
var Scenarios = []string{"pingpong", "room", "ramp", "idle", "joinrandom"}

// Config is one loadgen run. A zero field takes the scenario's default, given with the field.
type Config struct {
	// Scenario is one of [Scenarios]. Required.
	Scenario string
	// Clients is the number of clients: pingpong 2, room 8, idle 10000, joinrandom 1000
	// (the ramp uses StartRooms, StepRooms and MaxCCU instead).
	Clients int
	// RoomSize is the members per room: pingpong 2, room 8, ramp 4, joinrandom 4 (the
	// rooms' maximum).
	RoomSize int
	// Rate is each client's events per second. If zero, 20.
	Rate float64
	// Payload is the event payload in bytes (at least 12: send time and sender). If zero, 64.
	Payload int
	// Unreliable sends events unreliably; by default they are reliable.
	Unreliable bool
	// Warmup runs the load before measuring: 1s for pingpong, 2s for room.
	Warmup time.Duration
	// Duration is the measured window of pingpong and room. If zero, 10s.
	Duration time.Duration
	// StartRooms and StepRooms are the rooms of the ramp's first step and the rooms each
	// later step adds. If zero, 25 and 25.
	StartRooms, StepRooms int
	// StepTime is each ramp step's measured window. If zero, 3s.
	StepTime time.Duration
	// Settle is the wait after connecting, before measuring: 1s for the ramp, 3s idle.
	Settle time.Duration
	// AddedP99 ends the ramp when a step's p99 exceeds the raw relay's first-step p99 by
	// more. If zero, 10ms.
	AddedP99 time.Duration
	// MaxLoss ends the ramp when a step loses more than this % of deliveries. If zero, 1.
	MaxLoss float64
	// MaxCCU ends the ramp before it exceeds this many clients. If zero, 10000.
	MaxCCU int
	// IdleWindow is how long the idle scenario measures idle CPU. If zero, 10s.
	IdleWindow time.Duration
	// JoinWindow spreads the joinrandom calls over this long. If zero, 1s.
	JoinWindow time.Duration
	// DialConcurrency bounds the connections being set up at once. If zero, 32.
	DialConcurrency int
	// Relay, if set, is the address of an external Boson relay to load instead of one
	// the loadgen starts; Fingerprint (required with it) pins its certificate, and
	// RelayMetrics, if set, is its Prometheus /metrics URL, for its CPU and memory.
	// The external relay's per-IP handshake rate limit (20/s by default) slows
	// connecting many clients from one address; raise it for the idle and joinrandom
	// scenarios.
	Relay, Fingerprint, RelayMetrics string
	// RelayCPUProfile, if set, is where the Boson relay the loadgen starts writes its
	// CPU profile (over its whole life).
	RelayCPUProfile string
	// RelayMemProfile, if set, is where the Boson relay the loadgen starts writes its
	// heap profile, after a garbage collection: each time the loadgen measures its heap
	// (the idle scenario's last time is with the connections idle), or else when it quits.
	RelayMemProfile string
}

var defaults = map[string]Config{
	"pingpong":   {Clients: 2, RoomSize: 2, Warmup: time.Second},
	"room":       {Clients: 8, RoomSize: 8, Warmup: 2 * time.Second},
	"ramp":       {RoomSize: 4, Settle: time.Second},
	"idle":       {Clients: 10000, Settle: 3 * time.Second},
	"joinrandom": {Clients: 1000, RoomSize: 4},
}

func (c *Config) withDefaults() {
	d := defaults[c.Scenario]
	c.Clients = cmp.Or(c.Clients, d.Clients)
	c.RoomSize = cmp.Or(c.RoomSize, d.RoomSize, 1)
	c.Rate = cmp.Or(c.Rate, 20)
	c.Payload = cmp.Or(c.Payload, 64)
	c.Warmup = cmp.Or(c.Warmup, d.Warmup)
	c.Duration = cmp.Or(c.Duration, 10*time.Second)
	c.StartRooms = cmp.Or(c.StartRooms, 25)
	c.StepRooms = cmp.Or(c.StepRooms, 25)
	c.StepTime = cmp.Or(c.StepTime, 3*time.Second)
	c.Settle = cmp.Or(c.Settle, d.Settle)
	c.AddedP99 = cmp.Or(c.AddedP99, 10*time.Millisecond)
	c.MaxLoss = cmp.Or(c.MaxLoss, 1)
	c.MaxCCU = cmp.Or(c.MaxCCU, 10000)
	c.IdleWindow = cmp.Or(c.IdleWindow, 10*time.Second)
	c.JoinWindow = cmp.Or(c.JoinWindow, time.Second)
	c.DialConcurrency = cmp.Or(c.DialConcurrency, 32)
}

func (c *Config) validate() error {
	if !slices.Contains(Scenarios, c.Scenario) {
		return fmt.Errorf("unknown scenario %q (want one of %s)", c.Scenario, strings.Join(Scenarios, ", "))
	}
	switch {
	case c.Payload < minPayload || c.Payload > 1200:
		return fmt.Errorf("payload %d: want %d to 1200 bytes", c.Payload, minPayload)
	case c.Rate <= 0 || c.Rate > 1000:
		return fmt.Errorf("rate %v: want more than 0 and at most 1000 Hz", c.Rate)
	case c.Scenario == "room" && (c.Clients < c.RoomSize || c.RoomSize < 2):
		return fmt.Errorf("room: %d clients in rooms of %d: want rooms of at least 2 and at least one room", c.Clients, c.RoomSize)
	case c.Scenario == "ramp" && c.RoomSize < 2:
		return errors.New("ramp: rooms of at least 2")
	case c.Clients < 1 && c.Scenario != "ramp", c.DialConcurrency < 1, c.StartRooms < 1, c.StepRooms < 1:
		return errors.New("clients, dial concurrency and ramp rooms must be positive")
	case c.Relay != "" && c.Fingerprint == "":
		return errors.New("-relay needs -fingerprint")
	}
	return nil
}

// settings describes the load in one line, for the report.
func (c *Config) settings() string {
	mode := "reliable"
	if c.Unreliable {
		mode = "unreliable"
	}
	switch c.Scenario {
	case "pingpong":
		return fmt.Sprintf("2 players, %s %d B round trips for %v", mode, c.Payload, c.Duration)
	case "room":
		return fmt.Sprintf("%d clients in rooms of %d, %s %d B events at %g Hz, %v measured", c.Clients, c.RoomSize, mode, c.Payload, c.Rate, c.Duration)
	case "ramp":
		return fmt.Sprintf("rooms of %d, %s %d B events at %g Hz; %d rooms, then +%d every %v; stop at p99 +%v over raw's first step, loss > %g%%, errors or %d clients",
			c.RoomSize, mode, c.Payload, c.Rate, c.StartRooms, c.StepRooms, c.Settle+c.StepTime, c.AddedP99, c.MaxLoss, c.MaxCCU)
	case "idle":
		return fmt.Sprintf("%d idle connections, %v measured", c.Clients, c.IdleWindow)
	}
	return fmt.Sprintf("%d connected clients join-or-create-random (rooms of at most %d) within %v", c.Clients, c.RoomSize, c.JoinWindow)
}
