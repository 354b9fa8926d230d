package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
)

func TestIsPublicAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"2606:4700::1111", true}, {"::ffff:8.8.8.8", true},
		{"127.0.0.1", false}, {"127.255.0.9", false}, {"::1", false}, {"::ffff:127.0.0.1", false},
		{"10.0.0.1", false}, {"172.16.5.4", false}, {"192.168.1.1", false}, {"fd00::1", false},
		{"169.254.169.254", false}, {"fe80::1%eth0", false}, {"0.0.0.0", false}, {"::", false},
		{"100.64.0.1", false}, {"224.0.0.1", false}, {"255.255.255.255", false}, {"ff02::1", false},
		{"64:ff9b::7f00:1", false}, {"2002:7f00:1::1", false}, {"2001:db8::1", false}, {"198.18.0.1", false},
		// IPv4-compatible (::/96, deprecated), IPv4-translated (::ffff:0:0:0/96, SIIT)
		// and site-local (fec0::/10, deprecated) addresses: never public.
		{"::7f00:1", false}, {"::a00:1", false}, {"::ffff:0:7f00:1", false}, {"fec0::1", false},
	}
	for _, tt := range tests {
		if got := isPublicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("isPublicAddr(%s): got %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestCheckDialAddr(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "10.0.0.1:443", "localhost:443", "garbage"} {
		if err := checkDialAddr(addr); !errors.Is(err, ErrForbiddenEndpoint) {
			t.Errorf("checkDialAddr(%q): got %v, want ErrForbiddenEndpoint", addr, err)
		}
	}
	if err := checkDialAddr("8.8.8.8:443"); err != nil {
		t.Errorf("checkDialAddr(8.8.8.8:443): got %v, want nil", err)
	}
}

// TestDialGuard stores endpoints that would fail the URL check (as if their
// DNS had changed since Subscribe) and checks that the dialler refuses them:
// no request reaches the loopback server and, where the guard is a
// net.Dialer Control, not even a TCP connection.
func TestDialGuard(t *testing.T) {
	var conns, reqs atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reqs.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut by checkedDial
	srv.StartTLS()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	loopback := []string{
		srv.URL + "/x",
		"https://localhost:" + u.Port() + "/x", // resolved when dialling
	}
	// httptest's client dials its server for *.example.com: a public-looking
	// name that resolves to loopback, through a caller's DialContext.
	viaExample := append([]string{"https://push.example.com/x"}, loopback...)
	noDial := srv.Client().Transport.(*http.Transport).Clone()
	noDial.DialContext = nil
	// A caller's transport with only the deprecated DialTLS hook, dialling the
	// loopback server whatever the endpoint's host.
	legacyTLS := srv.Client().Transport.(*http.Transport).Clone()
	legacyTLS.DialContext = nil
	tlsConf := legacyTLS.TLSClientConfig
	//lint:ignore SA1019 what callers may still set
	legacyTLS.DialTLS = func(string, string) (net.Conn, error) {
		return tls.Dial("tcp", srv.Listener.Addr().String(), tlsConf)
	}
	tests := []struct {
		name      string
		client    *http.Client
		endpoints []string
		control   bool // guarded before connecting (net.Dialer Control)
	}{
		{"default client", nil, loopback, true},
		{"caller's client", &http.Client{Transport: noDial}, loopback, true},
		{"caller's client with DialContext", srv.Client(), viaExample, false},
		{"caller's client with DialTLS", &http.Client{Transport: legacyTLS}, viaExample, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(&Config{HTTPClient: tt.client, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, ep := range tt.endpoints {
				storeUnchecked(t, s, ep)
			}
			conns.Store(0)
			res, err := s.Send(t.Context(), "app", []string{"u"}, Message{Title: "x"})
			if want := (Result{Failed: len(tt.endpoints)}); err != nil || res != want {
				t.Errorf("Send: got %+v, %v, want %+v, nil", res, err, want)
			}
			if n := conns.Load(); tt.control && n != 0 {
				t.Errorf("%d connections reached a loopback server, want 0", n)
			}
		})
	}
	if n := reqs.Load(); n != 0 {
		t.Errorf("%d requests reached a loopback server, want 0", n)
	}
}

// storeUnchecked adds a subscription for ("app", "u") without the host policy.
func storeUnchecked(t *testing.T, s *Service, endpoint string) {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sub := Subscription{
		Endpoint: endpoint,
		P256dh:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(make([]byte, 16)),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.addLocked(userKey{"app", "u"}, sub); err != nil {
		t.Fatal(err)
	}
}

type roundTripper struct{}

func (roundTripper) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("no") }

func TestNewRefusesUnguardableClient(t *testing.T) {
	proxied := &http.Transport{Proxy: http.ProxyFromEnvironment}
	for _, c := range []*http.Client{{Transport: roundTripper{}}, {Transport: proxied}} {
		if s, err := New(&Config{HTTPClient: c}); err == nil {
			_ = s.Close()
			t.Errorf("New with transport %T: got nil error, want one", c.Transport)
		}
		s, err := New(&Config{HTTPClient: c, AllowPrivateEndpoints: true})
		if err != nil {
			t.Errorf("New with transport %T and AllowPrivateEndpoints: got %v, want nil", c.Transport, err)
			continue
		}
		_ = s.Close()
	}
}
