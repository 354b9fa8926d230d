// Package pushtest is a Web Push service (RFC 8030) for tests. It runs on an
// httptest TLS server, plays the browsers whose subscriptions it hands out, and
// checks each push it receives independently of the sender: the VAPID
// Authorization header (RFC 8292: an ES256 JWT verified with the k= public key,
// its aud, sub and exp claims), the TTL and Content-Encoding headers, and the
// aes128gcm body (RFC 8188), which it decrypts with the subscription's keys as a
// browser would (RFC 8291). Valid pushes arrive on [Service.Pushes]; a request
// that fails a check fails the test (and gets 400).
package pushtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Subscription is a browser's push subscription, as PushSubscription.toJSON()
// gives it (endpoint, keys.p256dh, keys.auth; keys in base64url without padding).
type Subscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

// Push is one push the service accepted, decrypted.
type Push struct {
	Endpoint   string         // the subscription it was sent to
	VAPIDKey   string         // the sender's public key, from the header's k= (base64url)
	Subscriber string         // the JWT's sub claim
	TTL        string         // the TTL header
	Message    map[string]any // the decrypted JSON payload
}

// Title returns the message's "title" string, if any.
func (p *Push) Title() string { s, _ := p.Message["title"].(string); return s }

// Body returns the message's "body" string, if any.
func (p *Push) Body() string { s, _ := p.Message["body"].(string); return s }

// Service is a test push service. Its methods are safe for concurrent use.
type Service struct {
	t      testing.TB
	srv    *httptest.Server
	pushes chan Push

	mu       sync.Mutex // guards browsers
	browsers map[string]*browser
}

// browser holds a subscription's private key and auth secret.
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// New starts a push service that stops when the test ends.
func New(t testing.TB) *Service {
	t.Helper()
	s := &Service{t: t, pushes: make(chan Push, 256), browsers: map[string]*browser{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that hang up are not errors here
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

// Client returns an HTTP client that trusts the service's certificate, for the
// sender's configuration (push.Config.HTTPClient).
func (s *Service) Client() *http.Client { return s.srv.Client() }

// URL returns the service's base URL (https://127.0.0.1:port).
func (s *Service) URL() string { return s.srv.URL }

// NewSubscription creates a browser: a P-256 key pair and a 16-byte auth secret,
// and an endpoint on this service.
func (s *Service) NewSubscription() Subscription {
	s.t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	b := &browser{priv: priv, auth: make([]byte, 16)}
	rand.Read(b.auth)
	s.mu.Lock()
	path := fmt.Sprintf("/push/%d", len(s.browsers)+1)
	s.browsers[path] = b
	s.mu.Unlock()
	enc := base64.RawURLEncoding.EncodeToString
	return Subscription{Endpoint: s.srv.URL + path, P256dh: enc(priv.PublicKey().Bytes()), Auth: enc(b.auth)}
}

// Pushes returns the channel of accepted pushes, in arrival order (256 buffered;
// more undrained ones fail the test).
func (s *Service) Pushes() <-chan Push { return s.pushes }

// Next returns the next push, failing the test if none arrives within timeout.
func (s *Service) Next(t testing.TB, timeout time.Duration) Push {
	t.Helper()
	select {
	case p := <-s.pushes:
		return p
	case <-time.After(timeout):
		t.Fatalf("pushtest: no push within %v", timeout)
		return Push{}
	}
}

func (s *Service) handle(w http.ResponseWriter, r *http.Request) {
	p, err := s.check(r)
	if err != nil {
		s.t.Errorf("pushtest: %s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case s.pushes <- p:
	default:
		s.t.Errorf("pushtest: more than %d undrained pushes", cap(s.pushes))
	}
	w.Header().Set("Location", s.srv.URL+"/message/1")
	w.WriteHeader(http.StatusCreated)
}

// check validates a push request and decrypts it.
func (s *Service) check(r *http.Request) (Push, error) {
	s.mu.Lock()
	b := s.browsers[r.URL.Path]
	s.mu.Unlock()
	p := Push{Endpoint: s.srv.URL + r.URL.Path, TTL: r.Header.Get("TTL")}
	switch {
	case r.Method != http.MethodPost:
		return p, fmt.Errorf("method %s, want POST", r.Method)
	case b == nil:
		return p, fmt.Errorf("unknown subscription")
	case p.TTL == "" || strings.TrimLeft(p.TTL, "0123456789") != "":
		return p, fmt.Errorf("TTL header %q, want seconds", p.TTL)
	case r.Header.Get("Content-Encoding") != "aes128gcm":
		return p, fmt.Errorf("Content-Encoding %q, want aes128gcm", r.Header.Get("Content-Encoding"))
	}
	var err error
	if p.VAPIDKey, p.Subscriber, err = checkVAPID(r.Header.Get("Authorization"), "https://"+r.Host); err != nil {
		return p, fmt.Errorf("VAPID: %w", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil {
		return p, err
	}
	plain, err := decrypt(body, b)
	if err != nil {
		return p, fmt.Errorf("aes128gcm: %w", err)
	}
	return p, json.Unmarshal(plain, &p.Message)
}
