package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Config configures a [Webhook]. URL is required; the other fields have defaults.
type Config struct {
	// URL is the webhook's address, with scheme http or https. Required. A query string
	// in it is kept and sent with every call; every other parameter overrides it.
	URL string
	// Params are sent with every call, for example a secret key that proves to the
	// webhook that the call comes from the relay. They override the client's parameters
	// of the same name. If nil, none.
	Params url.Values
	// Timeout bounds each call, from sending the request to reading the whole response;
	// the caller's context may end it sooner. If zero, 5s.
	Timeout time.Duration
	// MaxResponseBytes bounds the webhook's response body; a larger one is an
	// [*UnavailableError]. If zero, 64 KiB.
	MaxResponseBytes int64
	// AllowWhenDown admits clients anonymously when the webhook is unavailable (timeout,
	// connection error, 5xx, bad JSON). If false (the default), they are refused with an
	// [*UnavailableError].
	AllowWhenDown bool
	// Client makes the calls. If nil, a client with Timeout that uses
	// [http.DefaultTransport]. The Webhook uses a copy whose CheckRedirect refuses to
	// follow redirects: a 3xx answer is an [*UnavailableError].
	Client *http.Client
	// Logger receives the package's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

const (
	defaultTimeout          = 5 * time.Second
	defaultMaxResponseBytes = 64 << 10
)

// clone returns a copy of c that shares no mutable state with it.
func (c *Config) clone() Config {
	cc := *c
	if c.Params != nil {
		cc.Params = maps.Clone(c.Params)
		for k, vs := range cc.Params {
			cc.Params[k] = slices.Clone(vs)
		}
	}
	if c.Client != nil {
		hc := *c.Client
		cc.Client = &hc
	}
	return cc
}

func (c *Config) withDefaults() {
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = defaultMaxResponseBytes
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	c.Client.CheckRedirect = refuseRedirect
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// refuseRedirect makes the client return a 3xx response instead of following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *Config) validate() error {
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	switch {
	case c.Timeout < 0:
		return fmt.Errorf("%w: Timeout %v is negative", ErrInvalidConfig, c.Timeout)
	case c.MaxResponseBytes < 0:
		return fmt.Errorf("%w: MaxResponseBytes %d is negative", ErrInvalidConfig, c.MaxResponseBytes)
	}
	return nil
}

// parseURL parses and checks Config.URL. Its errors do not quote the URL, whose query
// may hold secrets.
func parseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: URL is required", ErrInvalidConfig)
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return nil, fmt.Errorf("%w: URL: %v", ErrInvalidConfig, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: URL scheme %q is not http or https", ErrInvalidConfig, u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("%w: URL has no host", ErrInvalidConfig)
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return nil, fmt.Errorf("%w: URL query: %v", ErrInvalidConfig, err)
	}
	return u, nil
}
