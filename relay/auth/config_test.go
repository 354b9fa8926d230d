package auth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewInvalidConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantMsg string
	}{
		{"no URL", Config{}, "URL is required"},
		{"bad URL", Config{URL: "http://[::1"}, "URL: missing ']' in host"},
		{"ftp", Config{URL: "ftp://example.com/auth"}, `URL scheme "ftp" is not http or https`},
		{"relative", Config{URL: "/auth"}, `URL scheme "" is not http or https`},
		{"no host", Config{URL: "http:///auth"}, "URL has no host"},
		{"bad query", Config{URL: "http://example.com/?a=%zz"}, "URL query"},
		{"negative Timeout", Config{URL: "http://example.com", Timeout: -time.Second}, "Timeout -1s is negative"},
		{"negative MaxResponseBytes", Config{URL: "http://example.com", MaxResponseBytes: -1}, "MaxResponseBytes -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.cfg)
			if w != nil || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: got %v, %v; want nil, ErrInvalidConfig", w, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("New: got %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	w := newWebhook(t, Config{URL: "https://example.com/auth"})
	if w.timeout != 5*time.Second || w.maxBytes != 64<<10 || w.allowWhenDown {
		t.Errorf("defaults: got timeout %v, maxBytes %d, allowWhenDown %v; want 5s, 65536, false",
			w.timeout, w.maxBytes, w.allowWhenDown)
	}
	if w.client.Timeout != 5*time.Second || w.client.CheckRedirect == nil {
		t.Errorf("default client: got Timeout %v, CheckRedirect %p; want 5s, non-nil",
			w.client.Timeout, w.client.CheckRedirect)
	}
}

// TestNewCopiesConfig checks that New keeps its own copy of Params and Client.
func TestNewCopiesConfig(t *testing.T) {
	hc := &http.Client{Timeout: time.Minute}
	cfg := Config{URL: "http://example.com/auth", Params: url.Values{"key": {"secret"}}, Client: hc}
	w := newWebhook(t, cfg)
	cfg.Params["key"][0] = "changed"
	cfg.Params.Set("other", "added")
	if hc.CheckRedirect != nil {
		t.Errorf("caller's Client: got CheckRedirect set, want it untouched")
	}
	if w.client == hc || w.client.Timeout != time.Minute {
		t.Errorf("Webhook client: got %p with Timeout %v, want a copy of %p with 1m0s", w.client, w.client.Timeout, hc)
	}
	u, err := w.target(&Request{Type: Custom})
	if err != nil {
		t.Fatalf("target: %v", err)
	}
	want := url.Values{"key": {"secret"}, "authType": {"custom"}, "appId": {""}, "appVersion": {""}}
	if diff := cmp.Diff(want, u.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}
