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
	"github.com/google/go-cmp/cmp"
)

// newService starts a Service that talks to ps, with AllowPrivateEndpoints
// (ps listens on 127.0.0.1) and mod applied to the Config.
func newService(t *testing.T, ps *pushServer, mod func(*push.Config)) *push.Service {
	t.Helper()
	cfg := push.Config{
		AllowPrivateEndpoints: true,
		HTTPClient:            ps.srv.Client(),
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
	ps.expect(s.PublicKey(), cfg.Subscriber, cfg.TTL)
	return s
}

func subscribe(t *testing.T, s *push.Service, app, user string, b *browser) {
	t.Helper()
	if err := s.Subscribe(app, user, b.sub); err != nil {
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
			ps := newPushServer(t)
			s := newService(t, ps, func(c *push.Config) { c.Subscriber, c.TTL = tt.subscriber, tt.ttl })
			b := ps.newBrowser()
			subscribe(t, s, "app", "alice", b)
			m := push.Message{Title: "Your turn", Body: "Bob moved", Data: map[string]any{"room": "r1", "n": 3}}
			res := send(t, s, "app", []string{"alice", "bob", "alice"}, m)
			if want := (push.Result{Sent: 1}); res != want {
				t.Fatalf("Send: got %+v, want %+v", res, want)
			}
			d := ps.next(t)
			want := map[string]any{"title": "Your turn", "body": "Bob moved", "data": map[string]any{"room": "r1", "n": 3.0}}
			if d.path != b.path {
				t.Errorf("push went to %s, want %s", d.path, b.path)
			}
			if diff := cmp.Diff(want, d.msg); diff != "" {
				t.Errorf("decrypted message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPaddedKeysAccepted(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	b := ps.newBrowser()
	sub := b.sub
	sub.P256dh = base64.URLEncoding.EncodeToString(b.priv.PublicKey().Bytes())
	sub.Auth = base64.URLEncoding.EncodeToString(b.auth)
	if !strings.HasSuffix(sub.Auth, "==") {
		t.Fatalf("auth %q is not padded", sub.Auth)
	}
	if err := s.Subscribe("app", "alice", sub); err != nil {
		t.Fatalf("Subscribe with padded keys: got %v, want nil", err)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{Title: "t"}); res.Sent != 1 {
		t.Fatalf("Send: got %+v, want Sent 1", res)
	}
	ps.next(t)
}

func TestMaxPayload(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	subscribe(t, s, "app", "alice", ps.newBrowser())
	overhead := len(`{"title":"","body":"","data":null}`)
	body := strings.Repeat("x", push.MaxPayload-overhead)
	if res := send(t, s, "app", []string{"alice"}, push.Message{Body: body}); res.Sent != 1 {
		t.Fatalf("Send of MaxPayload bytes: got %+v, want Sent 1", res)
	}
	if got := ps.next(t).msg["body"]; got != body {
		t.Errorf("body of %d bytes arrived altered", len(body))
	}
	_, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{Body: body + "x"})
	if !errors.Is(err, push.ErrTooLarge) {
		t.Fatalf("Send of MaxPayload+1 bytes: got %v, want ErrTooLarge", err)
	}
	if n := s.Enqueue("app", []string{"alice"}, push.Message{Body: body + "x"}); n != 0 {
		t.Errorf("Enqueue of MaxPayload+1 bytes: got %d, want 0", n)
	}
	if ds := ps.drain(); len(ds) != 0 {
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
			ps := newPushServer(t)
			s := newService(t, ps, nil)
			b := ps.newBrowser()
			subscribe(t, s, "app", "alice", b)
			ps.setStatus(b.path, tt.code)
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
	ps := newPushServer(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxSubscriptionsPerUser = 2 })
	b1, b2, b3 := ps.newBrowser(), ps.newBrowser(), ps.newBrowser()
	for _, b := range []*browser{b1, b2, b3} {
		subscribe(t, s, "app", "alice", b)
	}
	if st := s.Stats(); st.Subscriptions != 2 || st.Users != 1 {
		t.Fatalf("Stats: got %+v, want 2 subscriptions of 1 user", st)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{}); res != (push.Result{Sent: 2}) {
		t.Fatalf("Send: got %+v, want Sent 2", res)
	}
	got := map[string]bool{}
	for _, d := range ps.drain() {
		got[d.path] = true
	}
	if want := map[string]bool{b2.path: true, b3.path: true}; !cmp.Equal(got, want) {
		t.Errorf("pushes went to %v, want %v (the oldest replaced)", got, want)
	}
}

func TestSameEndpointReplaces(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	b := ps.newBrowser()
	subscribe(t, s, "app", "alice", b)
	renewed := ps.rekey(b.path) // same endpoint, new keys
	subscribe(t, s, "app", "alice", renewed)
	if st := s.Stats(); st.Subscriptions != 1 {
		t.Fatalf("Stats.Subscriptions: got %d, want 1", st.Subscriptions)
	}
	if res := send(t, s, "app", []string{"alice"}, push.Message{Title: "k2"}); res.Sent != 1 {
		t.Fatalf("Send: got %+v, want Sent 1 (with the new keys)", res)
	}
	ps.next(t)

	subscribe(t, s, "app", "bob", renewed) // the browser changed hands
	if s.Subscribed("app", "alice") || !s.Subscribed("app", "bob") {
		t.Errorf("Subscribed(alice, bob): got %v, %v, want false, true",
			s.Subscribed("app", "alice"), s.Subscribed("app", "bob"))
	}
}

func TestMaxUsers(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxUsers = 1 })
	subscribe(t, s, "app", "alice", ps.newBrowser())
	subscribe(t, s, "app", "alice", ps.newBrowser())
	for _, k := range [][2]string{{"app", "bob"}, {"other", "alice"}} {
		if err := s.Subscribe(k[0], k[1], ps.newBrowser().sub); !errors.Is(err, push.ErrFull) {
			t.Errorf("Subscribe(%q, %q): got %v, want ErrFull", k[0], k[1], err)
		}
	}
}

// MaxSubscriptions bounds the subscriptions over all users: a new one above it is
// refused, while one that replaces another (same endpoint, or a user's oldest) is not.
func TestMaxSubscriptions(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, func(c *push.Config) { c.MaxSubscriptions = 3; c.MaxSubscriptionsPerUser = 2 })
	a1, a2 := ps.newBrowser(), ps.newBrowser()
	subscribe(t, s, "app", "alice", a1)
	subscribe(t, s, "app", "alice", a2)
	subscribe(t, s, "app", "bob", ps.newBrowser())
	for _, k := range [][2]string{{"app", "bob"}, {"app", "carol"}} {
		if err := s.Subscribe(k[0], k[1], ps.newBrowser().sub); !errors.Is(err, push.ErrFull) {
			t.Errorf("Subscribe(%q, %q) at the limit: got %v, want ErrFull", k[0], k[1], err)
		}
	}
	subscribe(t, s, "app", "alice", ps.rekey(a1.path)) // same endpoint: replaces
	subscribe(t, s, "app", "alice", ps.newBrowser())   // alice's oldest goes
	if st := s.Stats(); st.Subscriptions != 3 {
		t.Fatalf("Stats.Subscriptions: got %d, want 3", st.Subscriptions)
	}
	if ok, err := s.Unsubscribe("app", "alice", a1.sub); !ok || err != nil {
		t.Fatalf("Unsubscribe: got %v, %v, want true, nil", ok, err)
	}
	subscribe(t, s, "app", "carol", ps.newBrowser())
}

func TestUnsubscribe(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	b := ps.newBrowser()
	subscribe(t, s, "app", "alice", b)
	for i, want := range []bool{true, false} {
		got, err := s.Unsubscribe("app", "alice", push.Subscription{Endpoint: b.sub.Endpoint})
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
	ps := newPushServer(t)
	files := func(c *push.Config) {
		c.KeyFile, c.StoreFile = filepath.Join(dir, "vapid.json"), filepath.Join(dir, "subs.json")
	}
	s1 := newService(t, ps, files)
	b1, b2, b3 := ps.newBrowser(), ps.newBrowser(), ps.newBrowser()
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
	ps.drain()
	if ok, err := s2.Unsubscribe("app", "alice", b1.sub); !ok || err != nil {
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
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	b := ps.newBrowser()
	subscribe(t, s, "app", "alice", b)
	if n := s.Enqueue("app", []string{"alice", "nobody"}, push.Message{Title: "queued"}); n != 1 {
		t.Fatalf("Enqueue: got %d, want 1", n)
	}
	if d := ps.next(t); d.path != b.path || d.msg["title"] != "queued" {
		t.Errorf("delivery: got %v %v, want %s title queued", d.path, d.msg, b.path)
	}
}

func TestEnqueueFullQueueDrops(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, func(c *push.Config) { c.Workers, c.QueueLength = 1, 1 })
	release := ps.holdRequests()
	t.Cleanup(release) // before s.Close
	subscribe(t, s, "app", "alice", ps.newBrowser())
	subscribe(t, s, "app", "bob", ps.newBrowser())
	if n := s.Enqueue("app", []string{"alice"}, push.Message{}); n != 1 {
		t.Fatalf("Enqueue #1: got %d, want 1", n)
	}
	waitArrived(t, ps) // the only worker is now busy
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
	ps.next(t)
	ps.next(t)
}

func waitArrived(t *testing.T, ps *pushServer) {
	t.Helper()
	select {
	case <-ps.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the push service within 10s")
	}
}

func TestCloseCancelsSend(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	t.Cleanup(ps.holdRequests())
	subscribe(t, s, "app", "alice", ps.newBrowser())
	type sendResult struct {
		res push.Result
		err error
	}
	done := make(chan sendResult, 1)
	go func() {
		res, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{})
		done <- sendResult{res, err}
	}()
	waitArrived(t, ps)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}
	r := <-done // Close waited for Send
	if !errors.Is(r.err, net.ErrClosed) || r.res != (push.Result{Failed: 1}) {
		t.Errorf("Send cut by Close: got %+v, %v, want {Failed:1}, net.ErrClosed", r.res, r.err)
	}
}

func TestClose(t *testing.T) {
	ps := newPushServer(t)
	s := newService(t, ps, nil)
	b := ps.newBrowser()
	subscribe(t, s, "app", "alice", b)
	for i := range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: got %v, want nil", i+1, err)
		}
	}
	if _, err := s.Send(t.Context(), "app", []string{"alice"}, push.Message{}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: got %v, want net.ErrClosed", err)
	}
	if err := s.Subscribe("app", "bob", ps.newBrowser().sub); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Subscribe after Close: got %v, want net.ErrClosed", err)
	}
	if _, err := s.Unsubscribe("app", "alice", b.sub); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Unsubscribe after Close: got %v, want net.ErrClosed", err)
	}
	if n := s.Enqueue("app", []string{"alice"}, push.Message{}); n != 0 {
		t.Errorf("Enqueue after Close: got %d, want 0", n)
	}
	if s.Subscribed("app", "alice") {
		t.Error("Subscribed after Close: got true, want false")
	}
	if ds := ps.drain(); len(ds) != 0 {
		t.Errorf("%d pushes sent after Close", len(ds))
	}
}

// TestSendChecksResolvedAddress subscribes a public-looking name that resolves
// to the loopback test server (httptest's client dials it for *.example.com):
// Subscribe accepts it, and the send is refused when connecting.
func TestSendChecksResolvedAddress(t *testing.T) {
	for _, allow := range []bool{false, true} {
		ps := newPushServer(t)
		s := newService(t, ps, func(c *push.Config) { c.AllowPrivateEndpoints = allow })
		b := ps.newBrowser()
		b.sub.Endpoint = "https://push.example.com" + b.path
		subscribe(t, s, "app", "alice", b)
		res := send(t, s, "app", []string{"alice"}, push.Message{})
		want := push.Result{Failed: 1}
		if allow {
			want = push.Result{Sent: 1}
		}
		if res != want {
			t.Errorf("AllowPrivateEndpoints %v: Send got %+v, want %+v", allow, res, want)
		}
		if n := len(ps.drain()); n != want.Sent {
			t.Errorf("AllowPrivateEndpoints %v: %d pushes arrived, want %d", allow, n, want.Sent)
		}
	}
}
