package push_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay/push"
)

func validKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]byte, 16)
	_, _ = rand.Read(a)
	return base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(a)
}

// refusal is a case of TestSubscribeRefuses.
type refusal struct {
	name      string
	app, user string
	sub       push.Subscription
	forbidden bool // also matches ErrForbiddenEndpoint
}

func refusals(t *testing.T) []refusal {
	t.Helper()
	p256dh, auth := validKeys(t)
	ep := "https://push.example.com/send/abc"
	b64 := base64.RawURLEncoding.EncodeToString
	notAPoint := b64(append([]byte{4}, make([]byte, 64)...))
	compressed := b64(append([]byte{2}, make([]byte, 32)...))
	return []refusal{
		{"bad base64 p256dh", "a", "u", push.Subscription{ep, "!!not base64!!", auth}, false},
		{"bad base64 auth", "a", "u", push.Subscription{ep, p256dh, "a+b/c"}, false},
		{"auth 15 bytes", "a", "u", push.Subscription{ep, p256dh, b64(make([]byte, 15))}, false},
		{"auth 17 bytes", "a", "u", push.Subscription{ep, p256dh, b64(make([]byte, 17))}, false},
		{"p256dh not on the curve", "a", "u", push.Subscription{ep, notAPoint, auth}, false},
		{"p256dh compressed", "a", "u", push.Subscription{ep, compressed, auth}, false},
		{"p256dh empty", "a", "u", push.Subscription{ep, "", auth}, false},
		{"endpoint not a URL", "a", "u", push.Subscription{"not a url", p256dh, auth}, false},
		{"endpoint relative", "a", "u", push.Subscription{"/push/1", p256dh, auth}, false},
		{"endpoint empty", "a", "u", push.Subscription{"", p256dh, auth}, false},
		{"endpoint ftp", "a", "u", push.Subscription{"ftp://push.example.com/x", p256dh, auth}, false},
		{"endpoint user info", "a", "u", push.Subscription{"https://u:p@push.example.com/x", p256dh, auth}, false},
		{"endpoint too long", "a", "u", push.Subscription{ep + strings.Repeat("x", 2049-len(ep)), p256dh, auth}, false},
		{"empty user", "a", "", push.Subscription{ep, p256dh, auth}, false},
		{"empty app", "", "u", push.Subscription{ep, p256dh, auth}, false},
		{"user not UTF-8", "a", "\xff", push.Subscription{ep, p256dh, auth}, false},
		{"http", "a", "u", push.Subscription{"http://push.example.com/x", p256dh, auth}, true},
		{"127.0.0.1", "a", "u", push.Subscription{"https://127.0.0.1/x", p256dh, auth}, true},
		{"127.0.0.1 port", "a", "u", push.Subscription{"https://127.0.0.1:8443/x", p256dh, auth}, true},
		{"::1", "a", "u", push.Subscription{"https://[::1]/x", p256dh, auth}, true},
		{"v4-mapped loopback", "a", "u", push.Subscription{"https://[::ffff:127.0.0.1]/x", p256dh, auth}, true},
		{"10/8", "a", "u", push.Subscription{"https://10.1.2.3/x", p256dh, auth}, true},
		{"metadata", "a", "u", push.Subscription{"https://169.254.169.254/x", p256dh, auth}, true},
		{"unspecified", "a", "u", push.Subscription{"https://0.0.0.0/x", p256dh, auth}, true},
		{"localhost", "a", "u", push.Subscription{"https://localhost/x", p256dh, auth}, true},
		{"sub.localhost", "a", "u", push.Subscription{"https://a.localhost./x", p256dh, auth}, true},
		{"inet_aton short", "a", "u", push.Subscription{"https://127.1/x", p256dh, auth}, true},
		{"inet_aton hex", "a", "u", push.Subscription{"https://0x7f000001/x", p256dh, auth}, true},
		{"inet_aton decimal", "a", "u", push.Subscription{"https://2130706433/x", p256dh, auth}, true},
		{"endpoint not ASCII", "a", "u", push.Subscription{"https://push.example.com/\xff", p256dh, auth}, false},
	}
}

func TestSubscribeRefuses(t *testing.T) {
	s, err := push.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, tt := range refusals(t) {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Subscribe(tt.app, tt.user, tt.sub)
			if !errors.Is(err, push.ErrBadSubscription) {
				t.Fatalf("Subscribe: got %v, want ErrBadSubscription", err)
			}
			if got := errors.Is(err, push.ErrForbiddenEndpoint); got != tt.forbidden {
				t.Errorf("errors.Is(%v, ErrForbiddenEndpoint): got %v, want %v", err, got, tt.forbidden)
			}
		})
	}
	if st := s.Stats(); st.Subscriptions != 0 {
		t.Errorf("Stats.Subscriptions: got %d, want 0", st.Subscriptions)
	}
}

func TestSubscribeAccepts(t *testing.T) {
	p256dh, auth := validKeys(t)
	public := []string{
		"https://fcm.googleapis.com/fcm/send/abc:def",
		"https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
		"https://8.8.8.8/x",
		"https://[2606:4700::1111]:8443/x",
	}
	s, err := push.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for i, ep := range public {
		if err := s.Subscribe("app", "u", push.Subscription{ep, p256dh, auth}); err != nil {
			t.Errorf("Subscribe(%q): got %v, want nil", ep, err)
		}
		if got := s.Stats().Subscriptions; got != i+1 {
			t.Errorf("Stats.Subscriptions: got %d, want %d", got, i+1)
		}
	}
	private, err := push.New(&push.Config{AllowPrivateEndpoints: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = private.Close() })
	for _, ep := range []string{"http://127.0.0.1:8080/x", "https://localhost/x", "http://10.0.0.1/x"} {
		if err := private.Subscribe("app", "u", push.Subscription{ep, p256dh, auth}); err != nil {
			t.Errorf("Subscribe(%q) with AllowPrivateEndpoints: got %v, want nil", ep, err)
		}
	}
}

func TestParseSubscription(t *testing.T) {
	p256dh, auth := validKeys(t)
	js := `{"endpoint":"https://push.example.com/x","expirationTime":null,"keys":{"p256dh":"` +
		p256dh + `","auth":"` + auth + `"}}`
	sub, err := push.ParseSubscription([]byte(js))
	if err != nil {
		t.Fatalf("ParseSubscription: got %v, want nil", err)
	}
	if want := (push.Subscription{"https://push.example.com/x", p256dh, auth}); sub != want {
		t.Errorf("ParseSubscription: got %+v, want %+v", sub, want)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"endpoint":"https://push.example.com/x","keys":{"p256dh":"` + p256dh + `"}}`} {
		if _, err := push.ParseSubscription([]byte(bad)); !errors.Is(err, push.ErrBadSubscription) {
			t.Errorf("ParseSubscription(%q): got %v, want ErrBadSubscription", bad, err)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  push.Config
	}{
		{"subscriber without mailto", push.Config{Subscriber: "admin@example.com"}},
		{"subscriber http", push.Config{Subscriber: "http://example.com"}},
		{"subscriber mailto empty", push.Config{Subscriber: "mailto:"}},
		{"ttl below 1s", push.Config{TTL: 500 * time.Millisecond}},
		{"negative workers", push.Config{Workers: -1}},
		{"negative timeout", push.Config{Timeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := push.New(&tt.cfg); err == nil {
				_ = s.Close()
				t.Errorf("New(%+v): got nil error, want one", tt.cfg)
			}
		})
	}
}
