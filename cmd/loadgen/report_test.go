package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStampRoundTrip(t *testing.T) {
	b := make([]byte, minPayload)
	now := time.Unix(1700000000, 123456789)
	stamp(b, 42, now)
	at, sender, ok := sentAt(b)
	if !ok || !at.Equal(now) || sender != 42 {
		t.Errorf("sentAt: got %v %d %v, want %v 42 true", at, sender, ok, now)
	}
	if _, _, ok := sentAt(b[:minPayload-1]); ok {
		t.Error("sentAt of a short payload: got ok, want not ok")
	}
}

func TestRecorderPercentiles(t *testing.T) {
	r := newRecorder()
	for i := 1; i <= 1000; i++ { // 1..1000 µs, spread over the shards
		r.record(i, time.Duration(i)*time.Microsecond)
	}
	r.record(0, 0) // clamped to the histogram's 1 µs minimum
	if got := r.countNoReset(); got != 1001 {
		t.Fatalf("countNoReset: got %d, want 1001", got)
	}
	l := summarize(r.take())
	want := Latency{Count: 1001, Min: 1, P50: 500, P90: 900, P99: 990, P999: 999, Max: 1000}
	l.Mean = 0
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("summarize (-want +got):\n%s", diff)
	}
	if got := summarize(r.take()).Count; got != 0 {
		t.Errorf("after take: got %d values, want 0", got)
	}
}

func TestCurveIsMonotonic(t *testing.T) {
	r := newRecorder()
	for i := 1; i <= 100000; i++ {
		r.record(i, time.Duration(i%997+1)*time.Microsecond)
	}
	c := curve(r.take())
	if len(c) < 40 {
		t.Fatalf("curve: got %d points, want at least 40 for 100000 samples", len(c))
	}
	for i := 1; i < len(c); i++ {
		if c[i].X < c[i-1].X || c[i].Y < c[i-1].Y {
			t.Fatalf("curve not monotonic at %d: %v then %v", i, c[i-1], c[i])
		}
	}
	if last := c[len(c)-1]; last.X != 100 || last.Y != 997 {
		t.Errorf("curve's last point: got %v, want {100 997}", last)
	}
	if got := curve(newHist()); got != nil {
		t.Errorf("curve of nothing: got %v, want nil", got)
	}
}

func TestJoinFill(t *testing.T) {
	var jr JoinResult
	rooms := []string{"a", "a", "a", "b", "b", "c", "", "a", "a"}
	created := []bool{true, false, false, true, false, true, false, false, false}
	jr.fill(rooms, created, 4)
	want := JoinResult{Joined: 8, RoomsCreated: 3, Rooms: 3, FullRooms: 0, MaxFill: 5, OverMax: 1,
		Fill: []int{0, 1, 1, 0, 0, 1}}
	if diff := cmp.Diff(want, jr); diff != "" {
		t.Errorf("fill (-want +got):\n%s", diff)
	}
}

func TestParseMetrics(t *testing.T) {
	const page = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 3.3554432e+07
go_memstats_heap_alloc_bytes 1.048576e+06
boson_sessions 3
`
	st, err := parseMetrics(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	want := procStat{CPU: 12500 * time.Millisecond, RSS: 32 << 20, Heap: 1 << 20, Sessions: -1}
	if st != want {
		t.Errorf("parseMetrics: got %+v, want %+v", st, want)
	}
	if _, err := parseMetrics(strings.NewReader("go_goroutines 3\n")); err == nil {
		t.Error("parseMetrics without process_cpu_seconds_total: got nil error, want one")
	}
}

func TestRatios(t *testing.T) {
	rep := &Report{
		Boson: &Result{Latency: Latency{P50: 300, P99: 900}, Throughput: 1000, RelayCPU: 20, PerRelayCPUSec: 5000},
		Raw:   &Result{Latency: Latency{P50: 100, P99: 300}, Throughput: 1000, RelayCPU: 10, PerRelayCPUSec: 10000},
	}
	rep.addRatios()
	got := map[string]float64{}
	for _, x := range rep.Ratios {
		got[x.Name] = x.Ratio
	}
	for name, want := range map[string]float64{"latency p50": 3, "latency p99": 3, "throughput": 1,
		"relay CPU": 2, "deliveries per relay CPU-second": 0.5, "latency p90": 0} {
		if got[name] != want {
			t.Errorf("ratio %q: got %v, want %v", name, got[name], want)
		}
	}
}

func TestWriteTextAndJSON(t *testing.T) {
	rep := &Report{Scenario: "room", Settings: "s", Command: "loadgen -scenario room", GOMAXPROCS: 2,
		Boson: &Result{Relay: "boson", Latency: Latency{P50: 300, P999: 2000}, RelayCPU: -1},
		Raw:   &Result{Relay: "raw", Latency: Latency{P50: 100}}}
	rep.addRatios()
	var b strings.Builder
	rep.WriteText(&b)
	for _, want := range []string{"[raw]", "[boson]", "p99.9 2000", "not measured", "latency p50", "3.00x"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil {
		t.Fatalf("JSON report does not parse: %v", err)
	}
	if p := back["boson"].(map[string]any)["latency_us"].(map[string]any)["p99.9"]; p != 2000.0 {
		t.Errorf("JSON boson p99.9: got %v, want 2000", p)
	}
}

func TestPlotSVG(t *testing.T) {
	for _, tt := range []struct {
		name string
		rep  *Report
		want []string
	}{
		{"percentiles", &Report{Scenario: "room",
			Boson: &Result{Relay: "boson", Curve: []Point{{0, 100}, {90, 200}, {99, 400}, {100, 900}}},
			Raw:   &Result{Relay: "raw", Curve: []Point{{0, 50}, {90, 80}, {99, 120}, {100, 300}}}},
			[]string{"percentile", "99%", "boson", "raw", "<polyline"}},
		{"ramp", &Report{Scenario: "ramp",
			Boson: &Result{Relay: "boson", Ramp: &RampResult{Steps: []RampStep{{CCU: 100, P99: 500}, {CCU: 200, P99: 9000}}}},
			Raw:   &Result{Relay: "raw", Ramp: &RampResult{Steps: []RampStep{{CCU: 100, P99: 300}}}}},
			[]string{"concurrent clients", "p99 latency"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := plotReport(tt.rep).writeSVG(&b); err != nil {
				t.Fatal(err)
			}
			checkXML(t, b.String())
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("SVG lacks %q", w)
				}
			}
		})
	}
	if p := plotReport(&Report{Boson: &Result{}, Raw: &Result{}}); p != nil {
		t.Errorf("plot without latencies: got %+v, want nil", p)
	}
}

func checkXML(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.1, 2}, {3, 5}, {7, 10}, {1234, 2000}} {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%v): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    Config
		ok   bool
	}{
		{"room defaults", Config{Scenario: "room"}, true},
		{"ramp defaults", Config{Scenario: "ramp"}, true},
		{"unknown scenario", Config{Scenario: "soak"}, false},
		{"tiny payload", Config{Scenario: "room", Payload: 4}, false},
		{"room smaller than clients", Config{Scenario: "room", Clients: 3, RoomSize: 4}, false},
		{"relay without fingerprint", Config{Scenario: "room", Relay: "127.0.0.1:7350"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.withDefaults()
			if err := c.validate(); (err == nil) != tt.ok {
				t.Errorf("validate: got %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
