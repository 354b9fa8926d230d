package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is the outcome of one loadgen run: the same scenario against the Boson relay
// and the raw UDP relay, and their ratios.
type Report struct {
	Scenario   string    `json:"scenario"`
	Command    string    `json:"command"`
	Started    time.Time `json:"started"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	// LoadAvg is /proc/loadavg's 1-minute figure at the start and the end (-1: unknown).
	LoadAvg  [2]float64 `json:"loadavg"`
	Settings string     `json:"settings"`
	Boson    *Result    `json:"boson"`
	Raw      *Result    `json:"raw"`
	Ratios   []Ratio    `json:"ratios"`
	Notes    []string   `json:"notes,omitempty"`
}

// Result is what one relay did under the scenario's load.
type Result struct {
	Relay      string  `json:"relay"` // "boson" or "raw"
	Clients    int     `json:"clients"`
	Seconds    float64 `json:"seconds"` // the measured window
	Sent       int64   `json:"sent"`
	Expected   int64   `json:"expected"` // deliveries the sends call for
	Delivered  int64   `json:"delivered"`
	LossPct    float64 `json:"loss_pct"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Throughput float64 `json:"throughput"` // deliveries (or round trips) per second
	Latency    Latency `json:"latency_us"`
	// RelayCPU is the relay process's CPU over the window in % of one core; -1 when not
	// measured. RelayRSS and RelayHeap are at the end of the window, in bytes.
	RelayCPU       float64 `json:"relay_cpu_pct"`
	RelayRSS       uint64  `json:"relay_rss"`
	RelayHeap      uint64  `json:"relay_heap"`
	PerRelayCPUSec float64 `json:"deliveries_per_relay_cpu_s,omitempty"`
	// RelayPktsIn and RelayPktsOut are the relay's datagrams per second over the window.
	RelayPktsIn  float64 `json:"relay_pkts_in_per_s"`
	RelayPktsOut float64 `json:"relay_pkts_out_per_s"`
	// RelayReads and RelayWrites are the relay's read and write system calls per second
	// that moved datagrams (recvmmsg and sendmmsg take many per call).
	RelayReads  float64 `json:"relay_reads_per_s,omitempty"`
	RelayWrites float64 `json:"relay_writes_per_s,omitempty"`
	LoadgenCPU  float64 `json:"loadgen_cpu_pct"` // the clients' process
	// ClientRetransmits and ClientPacketsLost are, per second over the window and
	// summed over the clients, the reliable segments they sent again and the packets
	// from the relay that never reached them (Boson only: raw clients have neither).
	ClientRetransmits float64 `json:"client_retransmits_per_s,omitempty"`
	ClientPacketsLost float64 `json:"client_packets_lost_per_s,omitempty"`
	Curve             []Point `json:"curve,omitempty"`

	Ramp *RampResult `json:"ramp,omitempty"`
	Idle *IdleResult `json:"idle,omitempty"`
	Join *JoinResult `json:"join,omitempty"`
}

// Latency are percentiles in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p99.9"`
	Max   int64   `json:"max"`
}

// Point is one point of a plotted line.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Ratio is one figure of both relays and Boson's over raw's.
type Ratio struct {
	Name  string  `json:"name"`
	Boson float64 `json:"boson"`
	Raw   float64 `json:"raw"`
	Ratio float64 `json:"ratio"` // Boson / raw; 0 when raw is 0
	Unit  string  `json:"unit"`
}

func ratio(name, unit string, b, r float64) Ratio {
	x := Ratio{Name: name, Boson: b, Raw: r, Unit: unit}
	if r != 0 {
		x.Ratio = b / r
	}
	return x
}

// addRatios fills rep.Ratios from its two results.
func (rep *Report) addRatios() {
	b, r := rep.Boson, rep.Raw
	if b == nil || r == nil {
		return
	}
	add := func(name, unit string, bv, rv float64) { rep.Ratios = append(rep.Ratios, ratio(name, unit, bv, rv)) }
	switch {
	case b.Idle != nil && r.Idle != nil:
		add("relay heap per connection", "B", b.Idle.HeapPerConn, r.Idle.HeapPerConn)
		add("relay RSS per connection", "B", b.Idle.RSSPerConn, r.Idle.RSSPerConn)
		add("relay idle CPU", "% core", b.Idle.IdleCPU, r.Idle.IdleCPU)
		return
	case b.Join != nil && r.Join != nil:
		add("time to all joined", "ms", b.Join.AllJoinedMs, r.Join.AllJoinedMs)
		add("call p50", "µs", float64(b.Join.Call.P50), float64(r.Join.Call.P50))
		add("call p99", "µs", float64(b.Join.Call.P99), float64(r.Join.Call.P99))
		add("relay CPU", "% core", b.RelayCPU, r.RelayCPU)
		return
	case b.Ramp != nil && r.Ramp != nil:
		add("CCU reached", "clients", float64(b.Ramp.CCUReached), float64(r.Ramp.CCUReached))
	}
	add("latency p50", "µs", float64(b.Latency.P50), float64(r.Latency.P50))
	add("latency p90", "µs", float64(b.Latency.P90), float64(r.Latency.P90))
	add("latency p99", "µs", float64(b.Latency.P99), float64(r.Latency.P99))
	add("latency p99.9", "µs", float64(b.Latency.P999), float64(r.Latency.P999))
	add("throughput", "/s", b.Throughput, r.Throughput)
	if b.RelayCPU >= 0 {
		add("relay CPU", "% core", b.RelayCPU, r.RelayCPU)
		add("deliveries per relay CPU-second", "", b.PerRelayCPUSec, r.PerRelayCPUSec)
		add("relay RSS", "MiB", mib(b.RelayRSS), mib(r.RelayRSS))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// WriteText writes the report for people.
func (rep *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "scenario %s  (%s)\n", rep.Scenario, rep.Settings)
	fmt.Fprintf(w, "command  %s\n", rep.Command)
	fmt.Fprintf(w, "machine  GOMAXPROCS=%d, loadavg %.2f at start, %.2f at end, %s\n\n",
		rep.GOMAXPROCS, rep.LoadAvg[0], rep.LoadAvg[1], rep.Started.Format(time.RFC3339))
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		if r != nil {
			r.writeText(w)
		}
	}
	if len(rep.Ratios) > 0 {
		fmt.Fprintf(w, "%-34s %14s %14s %8s\n", "boson vs raw", "boson", "raw", "ratio")
		for _, x := range rep.Ratios {
			fmt.Fprintf(w, "%-34s %14s %14s %7.2fx\n", x.Name, num(x.Boson, x.Unit), num(x.Raw, x.Unit), x.Ratio)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func num(v float64, unit string) string {
	s := fmt.Sprintf("%.0f", v)
	if v != 0 && v < 100 && v > -100 {
		s = fmt.Sprintf("%.2f", v)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

func (r *Result) writeText(w io.Writer) {
	fmt.Fprintf(w, "[%s] %d clients, %.1fs measured\n", r.Relay, r.Clients, r.Seconds)
	switch {
	case r.Idle != nil:
		r.Idle.writeText(w)
	case r.Join != nil:
		r.Join.writeText(w)
	default:
		fmt.Fprintf(w, "  sent %d, delivered %d of %d (loss %.2f%%), %.0f/s, errors %d\n",
			r.Sent, r.Delivered, r.Expected, r.LossPct, r.Throughput, r.Errors)
		l := r.Latency
		fmt.Fprintf(w, "  latency µs: p50 %d  p90 %d  p99 %d  p99.9 %d  max %d  (%d samples)\n",
			l.P50, l.P90, l.P99, l.P999, l.Max, l.Count)
	}
	if r.Ramp != nil {
		r.Ramp.writeText(w)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
	if r.ClientRetransmits > 0 || r.ClientPacketsLost > 0 {
		fmt.Fprintf(w, "  clients: %.1f retransmitted segments/s, %.1f packets from the relay lost/s\n",
			r.ClientRetransmits, r.ClientPacketsLost)
	}
	fmt.Fprintf(w, "  relay: %s; loadgen CPU %.0f%% of a core\n\n", r.relayText(), r.LoadgenCPU)
}

func (r *Result) relayText() string {
	if r.RelayCPU < 0 {
		return "CPU and memory not measured (external relay without -relay-metrics)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CPU %.1f%% of a core, RSS %.1f MiB", r.RelayCPU, mib(r.RelayRSS))
	if r.RelayHeap > 0 {
		fmt.Fprintf(&b, ", heap %.1f MiB", mib(r.RelayHeap))
	}
	if r.PerRelayCPUSec > 0 {
		fmt.Fprintf(&b, ", %.0f deliveries per CPU-second", r.PerRelayCPUSec)
	}
	if r.RelayPktsOut > 0 {
		fmt.Fprintf(&b, ", datagrams %.0f/s in, %.0f/s out", r.RelayPktsIn, r.RelayPktsOut)
	}
	if r.RelayReads > 0 && r.RelayWrites > 0 {
		fmt.Fprintf(&b, " (%.1f per read call, %.1f per write call)", r.RelayPktsIn/r.RelayReads, r.RelayPktsOut/r.RelayWrites)
	}
	return b.String()
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(rep)
}
