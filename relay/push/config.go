package push

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Config configures a [Service]. The zero value is valid: an in-memory key
// pair and subscription list, and only https endpoints on public hosts.
// [New] copies it; changing it afterwards has no effect.
type Config struct {
	// KeyFile is the VAPID key pair file (JSON {"publicKey","privateKey"},
	// base64url, the format of `web-push generate-vapid-keys --json`, mode 0600).
	// If it is missing, New creates it with a new P-256 pair; if present it is
	// reused, so the public key survives restarts. If empty, the pair lives in
	// memory only.
	KeyFile string

	// StoreFile is the subscriptions file (JSON, mode 0600). It is rewritten
	// atomically (temp file + rename) shortly after changes and by Close. If
	// empty, subscriptions live in memory only.
	StoreFile string

	// Subscriber is the VAPID "sub" claim: "mailto:" and an address, or an
	// https URL. If empty, "mailto:admin@localhost".
	Subscriber string

	// TTL is how long the push service keeps an undelivered message (the TTL
	// header, in whole seconds; at least 1s). If zero, 24h.
	TTL time.Duration

	// MaxSubscriptionsPerUser bounds the subscriptions (browsers) of one user;
	// adding one more replaces the oldest. If zero, 8.
	MaxSubscriptionsPerUser int

	// MaxUsers bounds the users with at least one subscription, over all apps;
	// Subscribe refuses a new user above it with ErrFull. If zero, 100000.
	MaxUsers int

	// MaxSubscriptions bounds the subscriptions over all users and apps (each
	// holds an endpoint of up to 2048 bytes, and the store file is rewritten
	// whole); Subscribe refuses one that would exceed it with ErrFull, unless it
	// replaces another (the same endpoint, or the user's oldest). If zero,
	// 100000.
	MaxSubscriptions int

	// Workers is the number of concurrent sends, both of the Enqueue workers
	// and within one Send. If zero, 8.
	Workers int

	// QueueLength is the number of sends Enqueue can queue; when the queue is
	// full Enqueue drops (and counts) them. If zero, 4096.
	QueueLength int

	// Timeout bounds each push HTTP request. If zero, 10s.
	Timeout time.Duration

	// AllowPrivateEndpoints allows http:// endpoints and endpoints whose host
	// is, or resolves to, a loopback, private, link-local or other non-public
	// address. If false (the default), only https endpoints on public hosts are
	// accepted, and every connection's resolved address is checked, so the
	// relay cannot be used to reach internal hosts. Tests set it.
	AllowPrivateEndpoints bool

	// HTTPClient sends the push requests. If nil, a client with Timeout, no
	// proxy and the address check above. A given client is copied and never
	// follows redirects; unless AllowPrivateEndpoints is set its Transport must
	// be nil or an *http.Transport without Proxy, which is cloned and given the
	// address check.
	HTTPClient *http.Client

	// Logger receives the service's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

// withDefaults returns a copy of c with the zero values replaced by defaults.
func (c Config) withDefaults() Config {
	if c.Subscriber == "" {
		c.Subscriber = "mailto:admin@localhost"
	}
	c.TTL = defaultDuration(c.TTL, 24*time.Hour)
	c.Timeout = defaultDuration(c.Timeout, 10*time.Second)
	c.MaxSubscriptionsPerUser = defaultInt(c.MaxSubscriptionsPerUser, 8)
	c.MaxUsers = defaultInt(c.MaxUsers, 100000)
	c.MaxSubscriptions = defaultInt(c.MaxSubscriptions, 100000)
	c.Workers = defaultInt(c.Workers, 8)
	c.QueueLength = defaultInt(c.QueueLength, 4096)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func defaultInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func defaultDuration(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// validate checks a Config that withDefaults has filled.
func (c *Config) validate() error {
	switch {
	case c.TTL < time.Second || c.TTL > math.MaxInt32*time.Second:
		return fmt.Errorf("push: TTL %v is not between 1s and 2^31-1 s", c.TTL)
	case c.Timeout < 0:
		return fmt.Errorf("push: negative Timeout %v", c.Timeout)
	case c.MaxSubscriptionsPerUser < 0, c.MaxUsers < 0, c.MaxSubscriptions < 0, c.Workers < 0, c.QueueLength < 0:
		return errors.New("push: negative limit in Config")
	}
	return validateSubscriber(c.Subscriber)
}

// validateSubscriber accepts "mailto:addr" and https URLs.
func validateSubscriber(s string) error {
	if addr, ok := strings.CutPrefix(s, "mailto:"); ok {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr {
			return fmt.Errorf("push: Subscriber %q: not a mailto: address", s)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || !strings.HasPrefix(s, "https://") {
		return fmt.Errorf("push: Subscriber %q: want mailto: or an https URL", s)
	}
	return nil
}

// vapidSubscriber is Subscriber as webpush-go wants it: it prefixes "mailto:"
// to anything that does not start with "https:".
func vapidSubscriber(s string) string {
	if addr, ok := strings.CutPrefix(s, "mailto:"); ok {
		return addr
	}
	return s
}
