package push

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Service sends Web Push notifications and keeps the push subscriptions of
// users. Create it with [New] (the zero value is not usable); it is safe for
// concurrent use. After
// [Service.Close] its methods with an error result return [ErrClosed].
type Service struct {
	cfg      Config
	log      *slog.Logger
	pubKey   string           // base64url, no padding
	opts     *webpush.Options // read-only after New
	client   *http.Client     // used through opts
	ownsTr   bool             // Close closes client's idle connections
	queue    chan job         // Enqueue → workerLoop
	dirty    chan struct{}    // markDirtyLocked → saveLoop
	ctx      context.Context  // lifetime, cancelled by Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup // workers, saveLoop and running Sends
	closing  sync.Once
	closeErr error

	sent, failed, removed, dropped atomic.Uint64

	mu         sync.Mutex // guards the following fields
	closed     bool
	users      map[userKey][]Subscription // oldest first
	endpoints  map[endpointKey]userKey    // owner of each endpoint
	nsubs      int
	storeDirty bool
}

// userKey identifies a subscribed user.
type userKey struct{ app, user string }

// endpointKey identifies a subscription: an endpoint belongs to one user of an
// app at a time (the browser's latest).
type endpointKey struct{ app, endpoint string }

// Stats are counters of a [Service]. Subscriptions and Users are current
// values; the others count since [New].
type Stats struct {
	Subscriptions, Users           int
	Sent, Failed, Removed, Dropped uint64
}

// New returns a running Service configured by cfg (nil: the zero Config). It
// loads or creates Config.KeyFile, loads Config.StoreFile and starts
// Config.Workers workers; [Service.Close] stops them.
func New(cfg *Config) (*Service, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	client, owns, err := newClient(&c)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: c, log: c.Logger, client: client, ownsTr: owns,
		queue: make(chan job, c.QueueLength), dirty: make(chan struct{}, 1),
		users: make(map[userKey][]Subscription), endpoints: make(map[endpointKey]userKey),
	}
	if err := s.init(); err != nil {
		s.closeIdle()
		return nil, err
	}
	return s, nil
}

// init loads the key and the store, then starts the goroutines.
func (s *Service) init() error {
	priv, err := loadKey(s.cfg.KeyFile, s.log)
	if err != nil {
		return err
	}
	s.pubKey = base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes())
	s.opts = &webpush.Options{
		HTTPClient:      s.client,
		Subscriber:      vapidSubscriber(s.cfg.Subscriber),
		TTL:             int(s.cfg.TTL.Seconds()),
		VAPIDPublicKey:  s.pubKey,
		VAPIDPrivateKey: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}
	if s.cfg.StoreFile != "" {
		if err := s.loadStore(); err != nil {
			return err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for range s.cfg.Workers {
		s.goLoop(s.workerLoop)
	}
	if s.cfg.StoreFile != "" {
		s.goLoop(s.saveLoop)
	}
	return nil
}

// goLoop starts f as a goroutine that Close waits for, unless s is closed.
func (s *Service) goLoop(f func()) {
	if s.enter() != nil {
		return
	}
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// enter registers a running operation that Close must wait for; the caller
// calls s.wg.Done when it ends. It fails once Close has begun.
func (s *Service) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.wg.Add(1)
	return nil
}

// PublicKey returns the VAPID public key: the base64url encoding (no padding)
// of the uncompressed P-256 point (65 bytes), which browsers pass to
// pushManager.subscribe as applicationServerKey. It works after Close too.
func (s *Service) PublicKey() string { return s.pubKey }

// Stats returns the current counters. It works after Close too.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	st := Stats{Subscriptions: s.nsubs, Users: len(s.users)}
	s.mu.Unlock()
	st.Sent, st.Failed = s.sent.Load(), s.failed.Load()
	st.Removed, st.Dropped = s.removed.Load(), s.dropped.Load()
	return st
}

// Close stops the workers, cancelling the sends in flight (including those of
// running [Service.Send] calls, which then return [ErrClosed]), discards the
// queued sends and writes the store file if it changed. It is safe to call
// more than once; every call returns the result of the first.
func (s *Service) Close() error {
	s.closing.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.wg.Wait() // never while holding s.mu
		s.closeIdle()
		s.closeErr = s.flush()
	})
	return s.closeErr
}

// closeIdle closes the idle connections of a transport the service owns.
func (s *Service) closeIdle() {
	if s.ownsTr {
		s.client.CloseIdleConnections()
	}
}
