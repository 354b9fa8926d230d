package auth

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// captured is what a test webhook saw of one request.
type captured struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// testServer is a webhook on loopback that records requests and answers with a handler.
type testServer struct {
	*httptest.Server
	requests atomic.Int32

	mu   sync.Mutex // guards the following fields
	last captured
}

// newServer starts a test webhook that answers with h; it is closed when t ends.
func newServer(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.last = captured{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body}
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// lastRequest returns the last request the server saw.
func (s *testServer) lastRequest() captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// respond answers every request with status 200 and body.
func respond(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// block answers nothing until the client gives up.
func block(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// closedAddr returns a loopback address that refuses connections.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return addr
}

// newWebhook returns a Webhook for cfg, logging to the test's output.
func newWebhook(t *testing.T, cfg Config) *Webhook {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatalf("New: got %v, want nil", err)
	}
	return w
}

// isRandomID reports whether id looks like a random id: 32 lowercase hex digits.
func isRandomID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
