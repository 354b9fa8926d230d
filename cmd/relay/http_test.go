package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/transport"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestRelayServesRoomsOverUDPAndStatusOverHTTP runs the relay, creates a room with a
// real client, reads the three HTTP pages, and stops the relay, which the client sees.
func TestRelayServesRoomsOverUDPAndStatusOverHTTP(t *testing.T) {
	b, stop := startRelayCmd(t, t.TempDir())
	defer stop()
	c, disconnected := dialClient(t, b)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const name = "<b>x</b>"
	if _, err := c.CreateRoom(ctx, name, nil, nil); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	base := "http://" + b.http

	if code, body := get(t, hc, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz: got %d %q, want 200 \"ok\\n\"", code, body)
	}
	checkMetrics(t, hc, base+"/metrics")
	code, page := get(t, hc, base+"/")
	if code != http.StatusOK || !strings.Contains(page, "&lt;b&gt;x&lt;/b&gt;") || strings.Contains(page, name) {
		t.Errorf("GET /: got %d, want 200 and the room name escaped; page:\n%s", code, page)
	}
	if code, _ := get(t, hc, base+"/nothing"); code != http.StatusNotFound {
		t.Errorf("GET /nothing: got %d, want 404", code)
	}

	stop()
	select {
	case err := <-disconnected:
		var ce *transport.CloseError
		if !errors.As(err, &ce) || ce.Code != transport.CodeShutdown {
			t.Errorf("client disconnected with %v, want a close with CodeShutdown", err)
		}
	case <-ctx.Done():
		t.Fatal("the client was not disconnected when the relay stopped")
	}
	if _, err := hc.Get(base + "/healthz"); err == nil {
		t.Errorf("GET /healthz after the relay stopped: got nil error")
	}
}

// dialClient connects an anonymous client to the relay, pinning its printed
// fingerprint. The channel receives the error of its DisconnectedEvent.
func dialClient(t *testing.T, b banner) (*client.Client, <-chan error) {
	t.Helper()
	pin, err := handshake.ParseFingerprint(b.fingerprint)
	if err != nil {
		t.Fatalf("printed fingerprint %q: %v", b.fingerprint, err)
	}
	disconnected := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, b.udp, &client.Options{
		AppID:        "test",
		Nickname:     "alice",
		Auth:         client.Auth{Type: auth.None},
		Fingerprints: []handshake.Fingerprint{pin},
		Handler: func(e client.Event) {
			if d, ok := e.(*client.DisconnectedEvent); ok {
				disconnected <- d.Err
			}
		},
	})
	if err != nil {
		t.Fatalf("client.Dial: %v", err)
	}
	return c, disconnected
}

func get(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// checkMetrics parses /metrics as Prometheus text and checks the relay's series.
func checkMetrics(t *testing.T, hc *http.Client, url string) {
	t.Helper()
	code, body := get(t, hc, url)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: got %d, want 200", code)
	}
	if !strings.Contains(body, "\nboson_rooms 1\n") {
		t.Errorf("GET /metrics: no line \"boson_rooms 1\" in:\n%s", body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid Prometheus text: %v", err)
	}
	for _, tt := range []struct {
		name    string
		counter bool
		atLeast float64
	}{
		{"boson_rooms", false, 1},
		{"boson_sessions", false, 1},
		{"boson_authenticated_sessions", false, 1},
		{"boson_requests_total", true, 2}, // authenticate, create
		{"boson_transport_handshakes_total", true, 1},
		{"boson_transport_packets_received_total", true, 1},
		{"go_goroutines", false, 1},
	} {
		f := families[tt.name]
		if f == nil || len(f.GetMetric()) != 1 {
			t.Errorf("/metrics: no single series %s", tt.name)
			continue
		}
		m := f.GetMetric()[0]
		v := m.GetGauge().GetValue()
		if tt.counter {
			v = m.GetCounter().GetValue()
		}
		if v < tt.atLeast {
			t.Errorf("/metrics: %s is %v, want at least %v", tt.name, v, tt.atLeast)
		}
	}
}

func TestHealthzTurns503WhenDraining(t *testing.T) {
	w := &webServer{log: slog.New(slog.DiscardHandler)}
	for _, tt := range []struct {
		draining bool
		code     int
		body     string
	}{
		{false, http.StatusOK, "ok\n"},
		{true, http.StatusServiceUnavailable, "draining\n"},
	} {
		w.draining.Store(tt.draining)
		rec := httptest.NewRecorder()
		w.healthz(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != tt.code || rec.Body.String() != tt.body {
			t.Errorf("draining=%v: got %d %q, want %d %q", tt.draining, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
	}
}
