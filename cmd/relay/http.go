package main

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// webServer serves the status page (/), /healthz and /metrics of a relay.
type webServer struct {
	srv      *relay.Server
	log      *slog.Logger
	hs       *http.Server
	draining atomic.Bool // /healthz answers 503 once set
}

func newWebServer(srv *relay.Server, log *slog.Logger, adminToken string) *webServer {
	w := &webServer{srv: srv, log: log}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newStatsCollector(srv),
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", w.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError),
	}))
	mux.HandleFunc("GET /{$}", w.rooms)
	w.adminRoutes(mux, adminToken)
	mux.HandleFunc("GET /push/vapid-public-key", w.vapidKey)
	w.hs = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return w
}

// start serves on ln (nothing if ln is nil) and returns a channel closed when serving
// has stopped.
func (w *webServer) start(ln net.Listener) <-chan struct{} {
	done := make(chan struct{})
	if ln == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		if err := w.hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			w.log.Error("http server stopped", "err", err)
		}
	}()
	return done
}

// stop shuts the HTTP server down gracefully, or at once when ctx ends.
func (w *webServer) stop(ctx context.Context) {
	if err := w.hs.Shutdown(ctx); err != nil {
		w.hs.Close()
	}
}

// healthz answers 200 "ok" while the relay serves and 503 "draining" once it shuts down.
func (w *webServer) healthz(rw http.ResponseWriter, _ *http.Request) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if w.draining.Load() {
		rw.WriteHeader(http.StatusServiceUnavailable)
		rw.Write([]byte("draining\n"))
		return
	}
	rw.Write([]byte("ok\n"))
}

// roomRow is one line of the status page.
type roomRow struct {
	relay.RoomInfo
	Age time.Duration
}

// statusPage is the data of the status page.
type statusPage struct {
	Addr     string
	Stats    relay.Stats
	Draining bool
	Rooms    []roomRow
}

var statusTemplate = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Boson relay {{.Addr}}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>
</head>
<body>
<h1>Boson relay {{.Addr}}{{if .Draining}} (draining){{end}}</h1>
<p>{{.Stats.Sessions}} sessions ({{.Stats.Authenticated}} authenticated), {{.Stats.Rooms}} rooms,
{{.Stats.Requests}} requests, {{.Stats.Events}} events raised, {{.Stats.EventsOut}} delivered.</p>
<table>
<tr><th>App</th><th>Version</th><th>Room</th><th>Players</th><th>Inactive</th><th>Max</th><th>Open</th><th>Visible</th><th>Master</th><th>Cached events</th><th>Age</th></tr>
{{range .Rooms}}<tr><td>{{.AppID}}</td><td>{{.AppVersion}}</td><td>{{.Name}}</td><td>{{.Players}}</td><td>{{.Inactive}}</td><td>{{if .MaxPlayers}}{{.MaxPlayers}}{{else}}-{{end}}</td><td>{{.Open}}</td><td>{{.Visible}}</td><td>{{.Master}}</td><td>{{.CachedEvents}}</td><td>{{.Age}}</td></tr>
{{else}}<tr><td colspan="11">no rooms</td></tr>
{{end}}</table>
</body>
</html>
`))

// rooms serves the status page: the relay's counters and its live rooms.
func (w *webServer) rooms(rw http.ResponseWriter, _ *http.Request) {
	now := time.Now()
	p := statusPage{Addr: w.srv.Addr().String(), Stats: w.srv.Stats(), Draining: w.draining.Load()}
	for _, r := range w.srv.Rooms() {
		p.Rooms = append(p.Rooms, roomRow{RoomInfo: r, Age: now.Sub(r.Created).Round(time.Second)})
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if err := statusTemplate.Execute(rw, p); err != nil {
		w.log.Warn("status page", "err", err)
	}
}
