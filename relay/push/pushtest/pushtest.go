// Package pushtest is a Web Push service (RFC 8030) for tests. It runs on an
// httptest TLS server, plays the browsers whose subscriptions it hands out, and
// checks each push it receives independently of the sender: the VAPID
// Authorization header (RFC 8292: an ES256 JWT verified with the k= public key,
// its aud, sub and exp claims), the TTL and Content-Encoding headers, and the
// aes128gcm body (RFC 8188), which it decrypts with the subscription's keys as a
// browser would (RFC 8291). [Service.Expect] adds exact values the key, sub and
// TTL must have. Valid pushes arrive on [Service.Pushes]; a request that fails a
// check fails the test (and gets 400).
//
// The package uses only the standard library, so that the push package's own
// external tests can import it.
package pushtest

import (
	"cmp"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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

// Want is what every push must carry, on top of the checks the service always
// makes (see the package doc). A zero field is not checked.
type Want struct {
	VAPIDKey   string        // the header's k=, the sender's public key (base64url)
	Subscriber string        // the JWT's sub claim
	TTL        time.Duration // the TTL header, in whole seconds
}

// Service is a test push service. Its methods are safe for concurrent use.
type Service struct {
	t        testing.TB
	srv      *httptest.Server
	pushes   chan Push
	requests chan string // endpoints of requests, before a hold is waited for

	mu       sync.Mutex // guards the following fields
	want     Want
	browsers map[string]*browser // by endpoint path
	status   map[string]int      // answer by endpoint path; default 201
	hold     chan struct{}       // if not nil, requests wait for it to close
}

// browser holds a subscription's private key and auth secret.
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// New starts a push service that stops when the test ends.
func New(t testing.TB) *Service {
	t.Helper()
	s := &Service{
		t: t, pushes: make(chan Push, 256), requests: make(chan string, 64),
		browsers: map[string]*browser{}, status: map[string]int{},
	}
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

// Expect makes every later push also be checked against w, replacing what an
// earlier call set.
func (s *Service) Expect(w Want) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want = w
}

// NewSubscription creates a browser: a P-256 key pair and a 16-byte auth secret,
// and an endpoint on this service.
func (s *Service) NewSubscription() Subscription {
	s.t.Helper()
	s.mu.Lock()
	path := fmt.Sprintf("/push/%d", len(s.browsers)+1)
	s.browsers[path] = nil // reserve it
	s.mu.Unlock()
	return s.Renew(s.srv.URL + path)
}

// Renew gives the endpoint new keys, as a browser renewing its subscription
// would, and returns the new subscription. Pushes encrypted to the old keys
// then fail the test.
func (s *Service) Renew(endpoint string) Subscription {
	s.t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	b := &browser{priv: priv, auth: make([]byte, 16)}
	rand.Read(b.auth)
	s.mu.Lock()
	s.browsers[s.path(endpoint)] = b
	s.mu.Unlock()
	enc := base64.RawURLEncoding.EncodeToString
	return Subscription{Endpoint: endpoint, P256dh: enc(priv.PublicKey().Bytes()), Auth: enc(b.auth)}
}

// SetStatus makes the service answer pushes to endpoint with the HTTP status
// code (e.g. 404 or 410 for an expired subscription, 429, 500) instead of 201
// Created. The pushes are still checked; only those answered with a 2xx code
// arrive on [Service.Pushes].
func (s *Service) SetStatus(endpoint string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[s.path(endpoint)] = code
}

// path returns the path of an endpoint URL, by which the service knows it.
func (s *Service) path(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		s.t.Fatalf("pushtest: endpoint %q: %v", endpoint, err)
	}
	return u.Path
}

// Hold makes requests that arrive from now on wait, before they are checked or
// answered, until release is called or the sender gives up. Calling release
// more than once is safe; register it with t.Cleanup before anything whose
// cleanup waits for a held request.
func (s *Service) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hold := make(chan struct{})
	s.hold = hold
	return sync.OnceFunc(func() { close(hold) })
}

// WaitRequest waits until a request reaches the service, held or not, and
// returns its endpoint. It fails the test if none arrives within timeout. Only
// the 64 earliest unwaited-for requests are remembered.
func (s *Service) WaitRequest(t testing.TB, timeout time.Duration) string {
	t.Helper()
	return receive(t, s.requests, timeout, "request")
}

// Pushes returns the channel of accepted pushes, in arrival order (256 buffered;
// more undrained ones fail the test).
func (s *Service) Pushes() <-chan Push { return s.pushes }

// Next returns the next push, failing the test if none arrives within timeout.
func (s *Service) Next(t testing.TB, timeout time.Duration) Push {
	t.Helper()
	return receive(t, s.pushes, timeout, "push")
}

// receive returns the next value from ch, failing the test if none arrives
// within timeout.
func receive[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("pushtest: no %s within %v", what, timeout)
		var zero T
		return zero
	}
}

// Drain returns the pushes accepted and not yet received, without waiting.
func (s *Service) Drain() []Push {
	var ps []Push
	for {
		select {
		case p := <-s.pushes:
			ps = append(ps, p)
		default:
			return ps
		}
	}
}

func (s *Service) handle(w http.ResponseWriter, r *http.Request) {
	select {
	case s.requests <- s.srv.URL + r.URL.Path:
	default:
	}
	s.mu.Lock()
	hold, code := s.hold, cmp.Or(s.status[r.URL.Path], http.StatusCreated)
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	p, err := s.check(r)
	if hold != nil && errors.Is(err, errReadBody) {
		return // the sender gave up while the request was held
	}
	if err != nil {
		s.t.Errorf("pushtest: %s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if code/100 == 2 {
		select {
		case s.pushes <- p:
		default:
			s.t.Errorf("pushtest: more than %d undrained pushes", cap(s.pushes))
		}
		w.Header().Set("Location", s.srv.URL+"/message/1")
	}
	w.WriteHeader(code)
}

var errReadBody = errors.New("reading the body failed")

// ttlString formats a Want.TTL as the TTL header carries it.
func ttlString(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// check validates a push request and decrypts it.
func (s *Service) check(r *http.Request) (Push, error) {
	s.mu.Lock()
	b, want := s.browsers[r.URL.Path], s.want
	s.mu.Unlock()
	p := Push{Endpoint: s.srv.URL + r.URL.Path, TTL: r.Header.Get("TTL")}
	switch {
	case r.Method != http.MethodPost:
		return p, fmt.Errorf("method %s, want POST", r.Method)
	case b == nil:
		return p, errors.New("unknown subscription")
	case p.TTL == "" || strings.TrimLeft(p.TTL, "0123456789") != "":
		return p, fmt.Errorf("TTL header %q, want seconds", p.TTL)
	case want.TTL != 0 && p.TTL != ttlString(want.TTL):
		return p, fmt.Errorf("TTL header %q, want %q", p.TTL, ttlString(want.TTL))
	case r.Header.Get("Content-Encoding") != "aes128gcm":
		return p, fmt.Errorf("Content-Encoding %q, want aes128gcm", r.Header.Get("Content-Encoding"))
	}
	var err error
	if p.VAPIDKey, p.Subscriber, err = checkVAPID(r.Header.Get("Authorization"), "https://"+r.Host); err != nil {
		return p, fmt.Errorf("VAPID: %w", err)
	}
	switch {
	case want.VAPIDKey != "" && p.VAPIDKey != want.VAPIDKey:
		return p, fmt.Errorf("VAPID: k=%q, want %q", p.VAPIDKey, want.VAPIDKey)
	case want.Subscriber != "" && p.Subscriber != want.Subscriber:
		return p, fmt.Errorf("VAPID: sub %q, want %q", p.Subscriber, want.Subscriber)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil {
		return p, fmt.Errorf("%w: %w", errReadBody, err)
	}
	plain, err := decrypt(body, b)
	if err != nil {
		return p, fmt.Errorf("aes128gcm: %w", err)
	}
	return p, json.Unmarshal(plain, &p.Message)
}
