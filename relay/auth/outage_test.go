package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testTimeout = 200 * time.Millisecond

// outage is a way for the webhook to be unavailable.
type outage struct {
	name        string
	handler     http.HandlerFunc // nil: nothing listens
	wantMsg     string           // prefix of the error message
	wantTimeout bool
}

var outages = []outage{
	{"timeout before headers", block, "auth webhook: timed out after 200ms", true},
	{"timeout in body", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ResultCode":`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, "auth webhook: timed out after 200ms", true},
	{"connection refused", nil, "auth webhook: request failed: dial tcp", false},
	{"status 503", status(http.StatusServiceUnavailable), "auth webhook: status 503 Service Unavailable", false},
	{"status 500", status(http.StatusInternalServerError), "auth webhook: status 500 Internal Server Error", false},
	{"status 404", status(http.StatusNotFound), "auth webhook: status 404 Not Found", false},
	{"redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}, "auth webhook: status 302 Found (redirects are not followed)", false},
	{"garbage", respond("<html>oops</html>"), "auth webhook: response is not JSON: invalid character '<'", false},
	{"empty", respond(""), "auth webhook: response is not JSON", false},
	{"not an object", respond(`[1,2]`), "auth webhook: response is not a JSON object", false},
	{"missing ResultCode", respond(`{"UserId":"u"}`), "auth webhook: ResultCode missing", false},
	{"unknown ResultCode", respond(`{"ResultCode":9}`), "auth webhook: unknown ResultCode 9", false},
	{"oversize", respond(`{"ResultCode":1,"Data":{"pad":"` + strings.Repeat("x", 100) + `"}}`),
		"auth webhook: response larger than 100 bytes", false},
	{"oversize, chunked", func(w http.ResponseWriter, _ *http.Request) {
		for range 20 {
			_, _ = io.WriteString(w, "          ")
			w.(http.Flusher).Flush()
		}
	}, "auth webhook: response larger than 100 bytes", false},
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// outageURL starts the outage's server, or finds a port nobody listens on.
func outageURL(t *testing.T, o outage) (string, *testServer) {
	t.Helper()
	if o.handler == nil {
		return "http://" + closedAddr(t) + "/auth", nil
	}
	srv := newServer(t, o.handler)
	return srv.URL + "/auth", srv
}

func TestAuthenticateUnavailable(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			u, srv := outageURL(t, o)
			w := newWebhook(t, Config{URL: u + "?secret=s3", Timeout: testTimeout, MaxResponseBytes: 100})
			start := time.Now()
			res, err := w.Authenticate(t.Context(), &Request{UserID: "u1", Params: "token=t0k"})
			ue, ok := errors.AsType[*UnavailableError](err)
			if !ok || res != nil {
				t.Fatalf("Authenticate: got %v, %v; want nil, an *UnavailableError", res, err)
			}
			t.Logf("error: %v", err)
			if !strings.HasPrefix(err.Error(), o.wantMsg) || ue.Timeout() != o.wantTimeout {
				t.Errorf("got %q (timeout %v), want prefix %q (timeout %v)", err, ue.Timeout(), o.wantMsg, o.wantTimeout)
			}
			if msg := err.Error(); strings.Contains(msg, "s3") || strings.Contains(msg, "t0k") {
				t.Errorf("error %q reveals the query", msg)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Authenticate took %v, want about %v at most", d, testTimeout)
			}
			if srv != nil && srv.requests.Load() != 1 {
				t.Errorf("webhook calls: got %d, want 1", srv.requests.Load())
			}
		})
	}
}

func TestAuthenticateAllowWhenDown(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			u, _ := outageURL(t, o)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, t.Output()), nil))
			w := newWebhook(t, Config{URL: u, Timeout: testTimeout, MaxResponseBytes: 100, AllowWhenDown: true, Logger: log})
			res, err := w.Authenticate(t.Context(), &Request{UserID: "u1", Nickname: "nick"})
			want := &Result{UserID: "u1", Nickname: "nick", Anonymous: true}
			if err != nil {
				t.Fatalf("Authenticate: got error %v, want nil", err)
			}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("Authenticate (-want +got):\n%s", diff)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), o.wantMsg) {
				t.Errorf("logs: got %q, want a warning with %q", logs.String(), o.wantMsg)
			}
			res, err = w.Authenticate(t.Context(), &Request{})
			if err != nil || !res.Anonymous || !isRandomID(res.UserID) {
				t.Errorf("Authenticate without a user id: got %+v, %v; want an anonymous random id", res, err)
			}
		})
	}
}

// TestAuthenticateCanceled checks that the caller's own cancellation or deadline is
// reported as such, not as an outage, and never admits the client.
func TestAuthenticateCanceled(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"canceled", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"caller's deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 50*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, block)
			w := newWebhook(t, Config{URL: srv.URL, Timeout: 10 * time.Second, AllowWhenDown: true})
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			res, err := w.Authenticate(ctx, &Request{UserID: "u1"})
			if _, down := errors.AsType[*UnavailableError](err); !errors.Is(err, tt.wantErr) || down || res != nil {
				t.Errorf("Authenticate: got %v, %v; want nil, %v", res, err, tt.wantErr)
			}
		})
	}
}
