package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// checkEndpoint checks an endpoint URL: printable ASCII (as push services
// issue them; it must survive the JSON store unchanged), absolute http(s), a
// host, no user info, at most maxEndpointLen bytes; and, unless allowPrivate, https and a
// host that is not a non-public address literal or a localhost name.
func checkEndpoint(raw string, allowPrivate bool) error {
	if raw == "" || len(raw) > maxEndpointLen {
		return badSub("endpoint is empty or longer than 2048 bytes", nil)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
		return badSub("endpoint is not printable ASCII", nil)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return badSub("endpoint is not a URL", nil)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return badSub("endpoint scheme is not https", nil)
	}
	if u.Opaque != "" || u.Hostname() == "" || u.User != nil {
		return badSub("endpoint has no host or has user info", nil)
	}
	if allowPrivate {
		return nil
	}
	if u.Scheme != "https" {
		return badSub("endpoint is not https", ErrForbiddenEndpoint)
	}
	if !publicHostname(u.Hostname()) {
		return badSub(fmt.Sprintf("endpoint host %q is not public", u.Hostname()), ErrForbiddenEndpoint)
	}
	return nil
}

// publicHostname reports whether host, as written, may name a public host: an
// address literal must be public; localhost names and names whose last label
// is numeric (inet_aton forms such as "127.1" or "0x7f.1") are refused. Other
// names are checked when dialling.
func publicHostname(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return isPublicAddr(a)
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return false
	}
	last := h[strings.LastIndexByte(h, '.')+1:]
	hex, isHex := strings.CutPrefix(last, "0x")
	numeric := strings.Trim(last, "0123456789") == "" ||
		(isHex && strings.Trim(hex, "0123456789abcdef") == "")
	return last != "" && !numeric
}

// blockedPrefixes are special-purpose ranges (RFC 6890 and successors) that
// the netip predicates do not cover, or that embed IPv4 addresses.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated; :: and ::1 too)
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT)
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// isPublicAddr reports whether a is a global unicast address outside the
// private, loopback, link-local and special-purpose ranges.
func isPublicAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// checkDialAddr refuses a resolved "ip:port" that is not public.
func checkDialAddr(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !isPublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenEndpoint, address)
	}
	return nil
}

// dialControl is a net.Dialer Control that runs checkDialAddr on the address
// of every connection attempt, after name resolution.
func dialControl(_, address string, _ syscall.RawConn) error { return checkDialAddr(address) }

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// checkedDial wraps a caller's dial function: it cannot be given a Control, so
// the connection's remote address is checked once connected.
func checkedDial(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := checkDialAddr(c.RemoteAddr().String()); err != nil {
			_ = c.Close()
			return nil, err
		}
		return c, nil
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newClient returns the HTTP client for push requests and whether the service
// owns its transport (and so closes its idle connections on Close).
func newClient(cfg *Config) (*http.Client, bool, error) {
	if cfg.HTTPClient == nil {
		d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
		if !cfg.AllowPrivateEndpoints {
			d.Control = dialControl
		}
		t := &http.Transport{
			DialContext:         d.DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: cfg.Timeout,
			MaxIdleConns:        100,
			IdleConnTimeout:     90 * time.Second,
		}
		return &http.Client{Transport: t, Timeout: cfg.Timeout, CheckRedirect: noRedirect}, true, nil
	}
	c := *cfg.HTTPClient
	c.CheckRedirect = noRedirect
	if cfg.AllowPrivateEndpoints {
		return &c, false, nil
	}
	t, err := guardTransport(c.Transport, cfg.Timeout)
	if err != nil {
		return nil, false, err
	}
	c.Transport = t
	return &c, true, nil
}

// guardTransport clones rt (nil: a new transport) and adds the address check
// to its dialers.
func guardTransport(rt http.RoundTripper, timeout time.Duration) (*http.Transport, error) {
	var t *http.Transport
	switch rt := rt.(type) {
	case nil:
		t = &http.Transport{ForceAttemptHTTP2: true, TLSHandshakeTimeout: timeout}
	case *http.Transport:
		t = rt.Clone()
	default:
		return nil, errors.New("push: HTTPClient.Transport must be an *http.Transport unless AllowPrivateEndpoints is set")
	}
	if t.Proxy != nil {
		return nil, errors.New("push: HTTPClient.Transport must have no Proxy unless AllowPrivateEndpoints is set")
	}
	if t.DialContext == nil {
		d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: dialControl}
		t.DialContext = d.DialContext
	} else {
		t.DialContext = checkedDial(t.DialContext)
	}
	//lint:ignore SA1019 a caller's transport may still set the deprecated DialTLS, which would bypass the guard
	if dial := t.DialTLS; dial != nil && t.DialTLSContext == nil {
		t.DialTLSContext = func(_ context.Context, network, addr string) (net.Conn, error) { return dial(network, addr) }
	}
	//lint:ignore SA1019 cleared: DialTLSContext, guarded below, replaces it
	t.DialTLS = nil
	if t.DialTLSContext != nil {
		t.DialTLSContext = checkedDial(t.DialTLSContext)
	}
	return t, nil
}
