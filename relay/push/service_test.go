package push_test

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay/push"
	"github.com/bosonrt/boson/relay/push/pushtest"
	"github.com/google/go-cmp/cmp"
)

// timeout bounds the wait for a push or a request to reach the push service.
const timeout = 10 * time.Second

// newService starts a Service that talks to ps, with AllowPrivateEndpoints
// (ps listens on 127.0.0.1) and mod applied to the Config, and makes ps check
// that pushes carry the Service's key and the Config's Subscriber and TTL (or
// their defaults).
func newService(t *testing.T, ps *pushtest.Service, mod func(*push.Config)) *push.Service {
	t.Helper()
	cfg := push.Config{
		AllowPrivateEndpoints: true,
		HTTPClient:            ps.Client(),
		Logger:                slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := push.New(&cfg)
	if err != nil {
		t.Fatalf("New: got %v, want nil", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	want := pushtest.Want{VAPIDKey: s.PublicKey(), Subscriber: cfg.Subscriber, TTL: cfg.TTL}
	if want.Subscriber == "" {
		want.Subscriber = "mailto:admin@localhost"
	}
	if want.TTL == 0 {
		want.TTL = 24 * time.Hour
	}
	ps.Expect(want)
	return s
}

// toPush converts a test browser's subscription to the push package's.
func toPush(sub pushtest.Subscription) push.Subscription {
	return push.Subscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth}
}

func subscribe(t *testing.T, s *push.Service, app, user string, sub pushtest.Subscription) {
	t.Helper()
	if err := s.Subscribe(app, user, toPush(sub)); err != nil {
		t.Fatalf("Subscribe(%q, %q): got %v, want nil", app, user, err)
	}
}

func send(t *testing.T, s *push.Service, app string, users []string, m push.Message) push.Result {
	t.Helper()
	res, err := s.Send(t.Context(), app, users, m)
	if err != nil {
		t.Fatalf("Send: got %v, want nil", err)
	}
	return res
}

func TestSendDelivers(t *testing.T) {
	tests := []struct {
		name       string
		subscriber string
		ttl        time.Duration
	}{
		{"defaults", "", 0},
		{"https subscriber", "https://game.example.com/contact", time.Hour},
		{"mailto subscriber", "mailto:ops@game.example.com", 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := pushtest.New(t)
			s := newService(t, ps, func(c *push.Config) { c.Subscriber, c.TTL = tt.subscriber, tt.ttl })
			b := ps.NewSubscription()
			subscribe(t, s, "app", "alice", b)
			m := push.Message{Title: "Your turn", Body: "Bob moved", Data: map[string]any{"room": "r1", "n": 3}}
			res := send(t, s, "app", []string{"alice", "bob", "alice"}, m)
			if want := (push.Result{Sent: 1}); res != want {
				t.Fatalf("Send: got %+v, want %+v", res, want)
			}
			d := ps.Next(t, timeout)
			want := map[string]any{"title": "Your turn", "body": "Bob moved", "data": map[string]any{"room": "r1", "n": 3.0}}
			if d.Endpoint != b.Endpoint {
				t.Errorf("push went to %s, want %s", d.Endpoint, b.Endpoint)
			}
			if diff := cmp.Diff(want, d.Message); diff != "" {
				t.Errorf("decrypted message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPaddedKeysAccepted(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	sub := toPush(ps.NewSubscription())
	sub.P256dh, sub.Auth = padded(t, sub.P256dh), padded(t, sub.Auth)
	if !strings.HasSuffix(sub.Auth, "==") {
		t.Fatalf("auth %q is not padded", sub.Auth)
	}
	if err := s.Subscribe("app", "alice", sub); err != nil {
		t.Fatalf("Subscribe with padded keys: got %v, want nil", err)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{Title: "t"}); res.Sent != 1 {
		t.Fatalf("Send: got %+v, want Sent 1", res)
	}
	ps.Next(t, timeout)
}

// padded re-encodes unpadded base64url s with padding.
func padded(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return base64.URLEncoding.EncodeToString(b)
}

func TestMaxPayload(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	subscribe(t, s, "app", "alice", ps.NewSubscription())
	overhead := len(`{"title":"","body":"","data":null}`)
	body := strings.Repeat("x", push.MaxPayload-overhead)
	if res := send(t, s, "app", []string{"alice"}, push.Message{Body: body}); res.Sent != 1 {
		t.Fatalf("Send of MaxPayload bytes: got %+v, want Sent 1", res)
	}
	if got := ps.Next(t, timeout).Message["body"]; got != body {
		t.Errorf("body of %d bytes arrived altered", len(body))
	}
	_, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{Body: body + "x"})
	if !errors.Is(err, push.ErrTooLarge) {
		t.Fatalf("Send of MaxPayload+1 bytes: got %v, want ErrTooLarge", err)
	}
	if n := s.Enqueue("app", []string{"alice"}, push.Message{Body: body + "x"}); n != 0 {
		t.Errorf("Enqueue of MaxPayload+1 bytes: got %d, want 0", n)
	}
	if ds := ps.Drain(); len(ds) != 0 {
		t.Errorf("too large messages reached the push service %d times", len(ds))
	}
}

func TestGoneRemovesSubscription(t *testing.T) {
	tests := []struct {
		code       int
		want       push.Result
		subscribed bool
	}{
		{http.StatusGone, push.Result{Removed: 1}, false},
		{http.StatusNotFound, push.Result{Removed: 1}, false},
		{http.StatusInternalServerError, push.Result{Failed: 1}, true},
		{http.StatusTooManyRequests, push.Result{Failed: 1}, true},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			ps := pushtest.New(t)
			s := newService(t, ps, nil)
			b := ps.NewSubscription()
			subscribe(t, s, "app", "alice", b)
			ps.SetStatus(b.Endpoint, tt.code)
			if res := send(t, s, "app", []string{"alice"}, push.Message{}); res != tt.want {
				t.Errorf("Send: got %+v, want %+v", res, tt.want)
			}
			if got := s.Subscribed("app", "alice"); got != tt.subscribed {
				t.Errorf("Subscribed: got %v, want %v", got, tt.subscribed)
			}
			st := s.Stats()
			if got := (push.Result{Sent: int(st.Sent), Failed: int(st.Failed), Removed: int(st.Removed)}); got != tt.want {
				t.Errorf("Stats: got %+v, want %+v", st, tt.want)
			}
		})
	}
}

func TestMaxSubscriptionsPerUser(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxSubscriptionsPerUser = 2 })
	b1, b2, b3 := ps.NewSubscription(), ps.NewSubscription(), ps.NewSubscription()
	for _, b := range []pushtest.Subscription{b1, b2, b3} {
		subscribe(t, s, "app", "alice", b)
	}
	if st := s.Stats(); st.Subscriptions != 2 || st.Users != 1 {
		t.Fatalf("Stats: got %+v, want 2 subscriptions of 1 user", st)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{}); res != (push.Result{Sent: 2}) {
		t.Fatalf("Send: got %+v, want Sent 2", res)
	}
	got := map[string]bool{}
	for _, d := range ps.Drain() {
		got[d.Endpoint] = true
	}
	if want := map[string]bool{b2.Endpoint: true, b3.Endpoint: true}; !cmp.Equal(got, want) {
		t.Errorf("pushes went to %v, want %v (the oldest replaced)", got, want)
	}
}

func TestSameEndpointReplaces(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	b := ps.NewSubscription()
	subscribe(t, s, "app", "alice", b)
	renewed := ps.Renew(b.Endpoint) // same endpoint, new keys
	subscribe(t, s, "app", "alice", renewed)
	if st := s.Stats(); st.Subscriptions != 1 {
		t.Fatalf("Stats.Subscriptions: got %d, want 1", st.Subscriptions)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{Title: "k2"}); res.Sent != 1 {
		t.Fatalf("Send: got %+v, want Sent 1 (with the new keys)", res)
	}
	ps.Next(t, timeout)

	subscribe(t, s, "app", "bob", renewed) // the browser changed hands
	if s.Subscribed("app", "alice") || !s.Subscribed("app", "bob") {
		t.Errorf("Subscribed(alice, bob): got %v, %v, want false, true",
			s.Subscribed("app", "alice"), s.Subscribed("app", "bob"))
	}
}

func TestMaxUsers(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxUsers = 1 })
	subscribe(t, s, "app", "alice", ps.NewSubscription())
	subscribe(t, s, "app", "alice", ps.NewSubscription())
	for _, k := range [][2]string{{"app", "bob"}, {"other", "alice"}} {
		if err := s.Subscribe(k[0], k[1], toPush(ps.NewSubscription())); !errors.Is(err, push.ErrFull) {
			t.Errorf("Subscribe(%q, %q): got %v, want ErrFull", k[0], k[1], err)
		}
	}
}

// MaxSubscriptions bounds the subscriptions over all users: a new one above it is
// refused, while one that replaces another (same endpoint, or a user's oldest) is not.
func TestMaxSubscriptions(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxSubscriptions = 3; c.MaxSubscriptionsPerUser = 2 })
	a1, a2 := ps.NewSubscription(), ps.NewSubscription()
	subscribe(t, s, "app", "alice", a1)
	subscribe(t, s, "app", "alice", a2)
	subscribe(t, s, "app", "bob", ps.NewSubscription())
	for _, k := range [][2]string{{"app", "bob"}, {"app", "carol"}} {
		if err := s.Subscribe(k[0], k[1], toPush(ps.NewSubscription())); !errors.Is(err, push.ErrFull) {
			t.Errorf("Subscribe(%q, %q) at the limit: got %v, want ErrFull", k[0], k[1], err)
		}
	}
	subscribe(t, s, "app", "alice", ps.Renew(a1.Endpoint)) // same endpoint: replaces
	subscribe(t, s, "app", "alice", ps.NewSubscription())  // alice's oldest goes
	if st := s.Stats(); st.Subscriptions != 3 {
		t.Fatalf("Stats.Subscriptions: got %d, want 3", st.Subscriptions)
	}
	if ok, err := s.Unsubscribe("app", "alice", toPush(a1)); !ok || err != nil {
		t.Fatalf("Unsubscribe: got %v, %v, want true, nil", ok, err)
	}
	subscribe(t, s, "app", "carol", ps.NewSubscription())
}

func TestUnsubscribe(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	b := ps.NewSubscription()
	subscribe(t, s, "app", "alice", b)
	for i, want := range []bool{true, false} {
		got, err := s.Unsubscribe("app", "alice", push.Subscription{Endpoint: b.Endpoint})
		if err != nil || got != want {
			t.Errorf("Unsubscribe #%d: got %v, %v, want %v, nil", i+1, got, err, want)
		}
	}
	if s.Subscribed("app", "alice") {
		t.Error("Subscribed after Unsubscribe: got true, want false")
	}
}

func TestKeyFilePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vapid.json")
	var keys []string
	for range 2 {
		s, err := push.New(&push.Config{KeyFile: path})
		if err != nil {
			t.Fatalf("New: got %v, want nil", err)
		}
		keys = append(keys, s.PublicKey())
		if err := s.Close(); err != nil {
			t.Fatalf("Close: got %v, want nil", err)
		}
	}
	if keys[0] != keys[1] {
		t.Errorf("PublicKey after restart: got %q, want %q", keys[1], keys[0])
	}
	if b, err := base64.RawURLEncoding.DecodeString(keys[0]); err != nil || len(b) != 65 || b[0] != 4 {
		t.Errorf("PublicKey %q: want base64url of a 65-byte uncompressed point", keys[0])
	}
	checkMode(t, path)
}

func TestKeyFileCorruptRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vapid.json")
	if err := os.WriteFile(path, []byte(`{"privateKey":"AAAA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := push.New(&push.Config{KeyFile: path}); err == nil {
		_ = s.Close()
		t.Fatal("New with a corrupt key file: got nil error, want one")
	}
	if b, _ := os.ReadFile(path); string(b) != `{"privateKey":"AAAA"}` {
		t.Errorf("corrupt key file was rewritten: %q", b)
	}
}

func checkMode(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s: got %v, want 0600", filepath.Base(path), fi.Mode().Perm())
	}
}

func TestStorePersists(t *testing.T) {
	dir := t.TempDir()
	ps := pushtest.New(t)
	files := func(c *push.Config) {
		c.KeyFile, c.StoreFile = filepath.Join(dir, "vapid.json"), filepath.Join(dir, "subs.json")
	}
	s1 := newService(t, ps, files)
	b1, b2, b3 := ps.NewSubscription(), ps.NewSubscription(), ps.NewSubscription()
	subscribe(t, s1, "app", "alice", b1)
	subscribe(t, s1, "app", "alice", b2)
	subscribe(t, s1, "app", "bob", b3)
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	checkMode(t, filepath.Join(dir, "subs.json"))

	s2 := newService(t, ps, files)
	if st := s2.Stats(); st.Subscriptions != 3 || st.Users != 2 {
		t.Fatalf("Stats after reload: got %+v, want 3 subscriptions of 2 users", st)
	}
	if res := send(t, s2, "app", []string{"alice", "bob"}, push.Message{}); res.Sent != 3 {
		t.Fatalf("Send after reload: got %+v, want Sent 3", res)
	}
	ps.Drain()
	if ok, err := s2.Unsubscribe("app", "alice", toPush(b1)); !ok || err != nil {
		t.Fatalf("Unsubscribe: got %v, %v, want true, nil", ok, err)
	}
	if err := s2.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	s3 := newService(t, ps, files)
	if st := s3.Stats(); st.Subscriptions != 2 {
		t.Errorf("Stats.Subscriptions after Unsubscribe and reload: got %d, want 2", st.Subscriptions)
	}
}

func TestStoreCorruptRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subs.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"subscriptions":[{"app":"a"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := push.New(&push.Config{StoreFile: path}); err == nil {
		_ = s.Close()
		t.Fatal("New with a corrupt store: got nil error, want one")
	}
}

func TestEnqueueDelivers(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	b := ps.NewSubscription()
	subscribe(t, s, "app", "alice", b)
	if n := s.Enqueue("app", []string{"alice", "nobody"}, push.Message{Title: "queued"}); n != 1 {
		t.Fatalf("Enqueue: got %d, want 1", n)
	}
	if d := ps.Next(t, timeout); d.Endpoint != b.Endpoint || d.Message["title"] != "queued" {
		t.Errorf("delivery: got %v %v, want %s title queued", d.Endpoint, d.Message, b.Endpoint)
	}
}

func TestEnqueueFullQueueDrops(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, func(c *push.Config) { c.Workers, c.QueueLength = 1, 1 })
	release := ps.Hold()
	t.Cleanup(release) // before s.Close
	subscribe(t, s, "app", "alice", ps.NewSubscription())
	subscribe(t, s, "app", "bob", ps.NewSubscription())
	if n := s.Enqueue("app", []string{"alice"}, push.Message{}); n != 1 {
		t.Fatalf("Enqueue #1: got %d, want 1", n)
	}
	ps.WaitRequest(t, timeout) // the only worker is now busy
	if n := s.Enqueue("app", []string{"alice"}, push.Message{}); n != 1 {
		t.Fatalf("Enqueue #2: got %d, want 1 (fills the queue)", n)
	}
	if n := s.Enqueue("app", []string{"alice", "bob"}, push.Message{}); n != 0 {
		t.Fatalf("Enqueue #3: got %d, want 0 (queue full)", n)
	}
	if got := s.Stats().Dropped; got != 2 {
		t.Errorf("Stats.Dropped: got %d, want 2", got)
	}
	release()
	ps.Next(t, timeout)
	ps.Next(t, timeout)
}

func TestCloseCancelsSend(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	t.Cleanup(ps.Hold())
	subscribe(t, s, "app", "alice", ps.NewSubscription())
	type sendResult struct {
		res push.Result
		err error
	}
	done := make(chan sendResult, 1)
	go func() {
		res, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{})
		done <- sendResult{res, err}
	}()
	ps.WaitRequest(t, timeout)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	r := <-done // Close waited for Send
	if !errors.Is(r.err, net.ErrClosed) || r.res != (push.Result{Failed: 1}) {
		t.Errorf("Send cut by Close: got %+v, %v, want {Failed:1}, net.ErrClosed", r.res, r.err)
	}
}

func TestClose(t *testing.T) {
	ps := pushtest.New(t)
	s := newService(t, ps, nil)
	b := ps.NewSubscription()
	subscribe(t, s, "app", "alice", b)
	for i := range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: got %v, want nil", i+1, err)
		}
	}
	if _, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: got %v, want net.ErrClosed", err)
	}
	if err := s.Subscribe("app", "bob", toPush(ps.NewSubscription())); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Subscribe after Close: got %v, want net.ErrClosed", err)
	}
	if _, err := s.Unsubscribe("app", "alice", toPush(b)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Unsubscribe after Close: got %v, want net.ErrClosed", err)
	}
	if n := s.Enqueue("app", []string{"alice"}, push.Message{}); n != 0 {
		t.Errorf("Enqueue after Close: got %d, want 0", n)
	}
	if s.Subscribed("app", "alice") {
		t.Error("Subscribed after Close: got true, want false")
	}
	if ds := ps.Drain(); len(ds) != 0 {
		t.Errorf("%d pushes sent after Close", len(ds))
	}
}

// TestSendChecksResolvedAddress subscribes a public-looking name that resolves
// to the loopback test server (httptest's client dials it for *.example.com):
// Subscribe accepts it, and the send is refused when connecting.
func TestSendChecksResolvedAddress(t *testing.T) {
	for _, allow := range []bool{false, true} {
		ps := pushtest.New(t)
		s := newService(t, ps, func(c *push.Config) { c.AllowPrivateEndpoints = allow })
		b := ps.NewSubscription()
		b.Endpoint = strings.Replace(b.Endpoint, ps.URL(), "https://push.example.com", 1)
		subscribe(t, s, "app", "alice", b)
		res := send(t, s, "app", []string{"alice"}, push.Message{})
		want := push.Result{Failed: 1}
		if allow {
			want = push.Result{Sent: 1}
		}
		if res != want {
			t.Errorf("AllowPrivateEndpoints %v: Send got %+v, want %+v", allow, res, want)
		}
		if n := len(ps.Drain()); n != want.Sent {
			t.Errorf("AllowPrivateEndpoints %v: %d pushes arrived, want %d", allow, n, want.Sent)
		}
	}
}
