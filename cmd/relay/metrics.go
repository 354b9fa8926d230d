package main

import (
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// snapshot is what one scrape reads from the relay.
type snapshot struct {
	r relay.Stats
	t transport.ListenerStats
}

// metric is one series of [statsCollector].
type metric struct {
	name, help string
	kind       prometheus.ValueType
	value      func(*snapshot) float64
}

func gauge(name, help string, v func(*snapshot) float64) metric {
	return metric{name, help, prometheus.GaugeValue, v}
}

func counter(name, help string, v func(*snapshot) float64) metric {
	return metric{name, help, prometheus.CounterValue, v}
}

// relayMetrics are the relay's and its transport listener's statistics, as Prometheus
// series.
var relayMetrics = []metric{
	gauge("boson_sessions", "Open relay sessions (connections).", func(s *snapshot) float64 { return float64(s.r.Sessions) }),
	gauge("boson_authenticated_sessions", "Sessions that authenticated.", func(s *snapshot) float64 { return float64(s.r.Authenticated) }),
	gauge("boson_rooms", "Rooms in memory.", func(s *snapshot) float64 { return float64(s.r.Rooms) }),
	counter("boson_requests_total", "Requests handled.", func(s *snapshot) float64 { return float64(s.r.Requests) }),
	counter("boson_events_total", "Custom events raised.", func(s *snapshot) float64 { return float64(s.r.Events) }),
	counter("boson_events_delivered_total", "Custom events delivered (one per receiver).", func(s *snapshot) float64 { return float64(s.r.EventsOut) }),
	counter("boson_refused_total", "Messages refused by a rate limit.", func(s *snapshot) float64 { return float64(s.r.Refused) }),
	counter("boson_disconnected_total", "Clients disconnected for abuse.", func(s *snapshot) float64 { return float64(s.r.Disconnected) }),

	gauge("boson_transport_connections", "Open transport connections.", func(s *snapshot) float64 { return float64(s.t.Conns) }),
	gauge("boson_transport_half_open", "Handshakes under way.", func(s *snapshot) float64 { return float64(s.t.HalfOpen) }),
	counter("boson_transport_handshakes_total", "Handshakes completed.", func(s *snapshot) float64 { return float64(s.t.Handshakes) }),
	counter("boson_transport_handshake_failures_total", "Handshakes that failed or timed out.", func(s *snapshot) float64 { return float64(s.t.HandshakeFailed) }),
	counter("boson_transport_handshakes_limited_total", "Handshakes refused by the half-open bound or the per-IP rate.", func(s *snapshot) float64 { return float64(s.t.HandshakeLimited) }),
	counter("boson_transport_retries_total", "Stateless RETRY packets sent.", func(s *snapshot) float64 { return float64(s.t.Retries) }),
	counter("boson_transport_first_contact_bad_total", "First-contact datagrams dropped as malformed or too small.", func(s *snapshot) float64 { return float64(s.t.FirstContactBad) }),
	counter("boson_transport_resumes_total", "Sessions resumed.", func(s *snapshot) float64 { return float64(s.t.Resumes) }),
	counter("boson_transport_resumes_refused_total", "Resumes refused.", func(s *snapshot) float64 { return float64(s.t.ResumeRefused) }),
	counter("boson_transport_resets_total", "Stateless resets sent.", func(s *snapshot) float64 { return float64(s.t.Resets) }),
	counter("boson_transport_unknown_cid_total", "DATA packets for no connection.", func(s *snapshot) float64 { return float64(s.t.UnknownCID) }),
	counter("boson_transport_dropped_total", "Datagrams of unknown type or too short.", func(s *snapshot) float64 { return float64(s.t.Dropped) }),
	counter("boson_transport_packets_received_total", "Datagrams read from the socket.", func(s *snapshot) float64 { return float64(s.t.PacketsReceived) }),
	counter("boson_transport_packets_sent_total", "Datagrams written to the socket.", func(s *snapshot) float64 { return float64(s.t.PacketsSent) }),
	counter("boson_transport_received_bytes_total", "UDP payload bytes received.", func(s *snapshot) float64 { return float64(s.t.BytesReceived) }),
	counter("boson_transport_sent_bytes_total", "UDP payload bytes sent.", func(s *snapshot) float64 { return float64(s.t.BytesSent) }),
	counter("boson_transport_write_errors_total", "Socket write errors.", func(s *snapshot) float64 { return float64(s.t.WriteErrors) }),
	counter("boson_transport_reads_total", "Read system calls that returned datagrams.", func(s *snapshot) float64 { return float64(s.t.Reads) }),
	counter("boson_transport_writes_total", "Write system calls.", func(s *snapshot) float64 { return float64(s.t.Writes) }),
}

// statsCollector is a prometheus.Collector that reads the relay's statistics at
// scrape time.
type statsCollector struct {
	srv   *relay.Server
	descs []*prometheus.Desc // parallel to relayMetrics
}

func newStatsCollector(srv *relay.Server) *statsCollector {
	c := &statsCollector{srv: srv}
	for _, m := range relayMetrics {
		c.descs = append(c.descs, prometheus.NewDesc(m.name, m.help, nil, nil))
	}
	return c
}

// Describe sends the descriptions of every series.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads the statistics once and sends every series.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := &snapshot{r: c.srv.Stats(), t: c.srv.Listener().Stats()}
	for i, m := range relayMetrics {
		pm, err := prometheus.NewConstMetric(c.descs[i], m.kind, m.value(s))
		if err != nil {
			pm = prometheus.NewInvalidMetric(c.descs[i], err)
		}
		ch <- pm
	}
}
