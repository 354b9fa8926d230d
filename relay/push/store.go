package push

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"
)

// storeVersion is the version of the StoreFile format.
const storeVersion = 1

// saveInterval is the least time between two writes of the StoreFile by
// saveLoop, so that bursts of changes are written once.
const saveInterval = time.Second

// storeFile is the JSON of Config.StoreFile. Subscriptions are listed by app
// and user, each user's oldest first.
type storeFile struct {
	Version       int         `json:"version"`
	Subscriptions []storedSub `json:"subscriptions"`
}

type storedSub struct {
	App      string `json:"app"`
	User     string `json:"user"`
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
}

// decodeStore parses a store file and validates every entry, except for the
// host policy, which depends on the Config.
func decodeStore(b []byte) ([]storedSub, error) {
	var sf storeFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return nil, err
	}
	if sf.Version != storeVersion {
		return nil, fmt.Errorf("version %d, want %d", sf.Version, storeVersion)
	}
	for i, e := range sf.Subscriptions {
		sub, err := e.check()
		if err != nil {
			return nil, fmt.Errorf("subscription %d: %w", i, err)
		}
		sf.Subscriptions[i] = sub
	}
	return sf.Subscriptions, nil
}

// check validates e and normalizes its keys.
func (e storedSub) check() (storedSub, error) {
	if err := checkName("app", e.App); err != nil {
		return e, err
	}
	if err := checkName("user", e.User); err != nil {
		return e, err
	}
	sub, err := e.subscription().normalize(true)
	e.P256dh, e.Auth = sub.P256dh, sub.Auth
	return e, err
}

func (e storedSub) subscription() Subscription {
	return Subscription{Endpoint: e.Endpoint, P256dh: e.P256dh, Auth: e.Auth}
}

// encodeStore is the inverse of decodeStore.
func encodeStore(subs []storedSub) ([]byte, error) {
	return json.MarshalIndent(storeFile{Version: storeVersion, Subscriptions: subs}, "", "\t")
}

// loadStore adds the subscriptions of Config.StoreFile, if it exists. Entries
// the host policy or the limits now refuse are skipped with a warning.
func (s *Service) loadStore() error {
	b, err := readFile(s.cfg.StoreFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("push: read store: %w", err)
	}
	subs, err := decodeStore(b)
	if err != nil {
		return fmt.Errorf("push: store %s: %w", s.cfg.StoreFile, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range subs {
		err := checkEndpoint(e.Endpoint, s.cfg.AllowPrivateEndpoints)
		if err == nil {
			err = s.addLocked(userKey{e.App, e.User}, e.subscription())
		}
		if err != nil {
			s.log.Warn("push: dropped stored subscription", "app", e.App, "user", e.User, "err", err)
		}
	}
	s.storeDirty = false
	return nil
}

// snapshotLocked copies the subscriptions, each user's oldest first; sortStore
// puts them in file order once s.mu is released.
func (s *Service) snapshotLocked() []storedSub {
	subs := make([]storedSub, 0, s.nsubs)
	for k, list := range s.users {
		for _, sub := range list {
			subs = append(subs, storedSub{k.app, k.user, sub.Endpoint, sub.P256dh, sub.Auth})
		}
	}
	return subs
}

// sortStore orders subs by app and user, keeping each user's order: the sort is
// not done under s.mu, which Subscribe and Enqueue take on the relay's session path.
func sortStore(subs []storedSub) {
	slices.SortStableFunc(subs, func(a, b storedSub) int {
		return cmp.Or(cmp.Compare(a.App, b.App), cmp.Compare(a.User, b.User))
	})
}

// flush writes the store file if it changed since the last write. Only one
// flush runs at a time: saveLoop's, or Close's once saveLoop has returned.
func (s *Service) flush() error {
	if s.cfg.StoreFile == "" {
		return nil
	}
	s.mu.Lock()
	if !s.storeDirty {
		s.mu.Unlock()
		return nil
	}
	subs := s.snapshotLocked()
	s.storeDirty = false
	s.mu.Unlock()
	sortStore(subs)
	b, err := encodeStore(subs)
	if err == nil {
		err = writeFile(s.cfg.StoreFile, b, false)
	}
	if err != nil {
		s.mu.Lock()
		s.storeDirty = true // retried on the next change or Close
		s.mu.Unlock()
		return fmt.Errorf("push: write store: %w", err)
	}
	return nil
}

// markDirtyLocked records a change of the subscriptions for saveLoop.
func (s *Service) markDirtyLocked() {
	if s.cfg.StoreFile == "" {
		return
	}
	s.storeDirty = true
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// saveLoop writes the store file after changes, at most once per saveInterval.
func (s *Service) saveLoop() {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.dirty:
		}
		if err := s.flush(); err != nil {
			s.log.Error("push: saving subscriptions failed", "err", err)
		}
		t.Reset(saveInterval)
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}
