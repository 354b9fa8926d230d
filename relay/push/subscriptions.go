package push

import "slices"

// Subscribe stores sub for the user user of the app app. It checks the
// endpoint (an absolute URL of at most 2048 bytes; https on a public host
// unless [Config.AllowPrivateEndpoints]) and the keys (p256dh an uncompressed
// P-256 point, auth 16 bytes), and app and user (non-empty UTF-8 of at most
// 512 bytes). The same endpoint again replaces the earlier subscription, also
// if another user of the app held it (the browser changed hands); a user's
// subscription beyond [Config.MaxSubscriptionsPerUser] replaces their oldest.
// Errors match [ErrBadSubscription] (and [ErrForbiddenEndpoint] for the host
// policy), [ErrFull] (over [Config.MaxUsers] or [Config.MaxSubscriptions]) or
// [ErrClosed].
func (s *Service) Subscribe(app, user string, sub Subscription) error {
	if s.isClosed() {
		return ErrClosed
	}
	if err := checkName("app", app); err != nil {
		return err
	}
	if err := checkName("user", user); err != nil {
		return err
	}
	sub, err := sub.normalize(s.cfg.AllowPrivateEndpoints)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.addLocked(userKey{app, user}, sub)
}

// addLocked adds a normalized subscription.
func (s *Service) addLocked(k userKey, sub Subscription) error {
	ek := endpointKey{k.app, sub.Endpoint}
	owner, had := s.endpoints[ek]
	if _, ok := s.users[k]; !ok && len(s.users) >= s.cfg.MaxUsers {
		return ErrFull
	}
	list := s.users[k]
	if !had && len(list) < s.cfg.MaxSubscriptionsPerUser && s.nsubs >= s.cfg.MaxSubscriptions {
		return ErrFull // a new subscription that replaces none
	}
	if had {
		s.removeLocked(owner, sub.Endpoint)
	}
	list = s.users[k]
	if len(list) >= s.cfg.MaxSubscriptionsPerUser {
		delete(s.endpoints, endpointKey{k.app, list[0].Endpoint})
		list = slices.Delete(list, 0, 1)
		s.nsubs--
	}
	s.users[k] = append(list, sub)
	s.endpoints[ek] = k
	s.nsubs++
	s.markDirtyLocked()
	return nil
}

// removeLocked removes the subscription of k with endpoint and reports whether
// there was one.
func (s *Service) removeLocked(k userKey, endpoint string) bool {
	list := s.users[k]
	i := slices.IndexFunc(list, func(sub Subscription) bool { return sub.Endpoint == endpoint })
	if i < 0 {
		return false
	}
	if list = slices.Delete(list, i, i+1); len(list) == 0 {
		delete(s.users, k)
	} else {
		s.users[k] = list
	}
	delete(s.endpoints, endpointKey{k.app, endpoint})
	s.nsubs--
	s.markDirtyLocked()
	return true
}

// Unsubscribe removes the subscription of user of app whose endpoint is
// sub.Endpoint (the keys are ignored) and reports whether there was one. It
// fails only with [ErrClosed].
func (s *Service) Unsubscribe(app, user string, sub Subscription) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, ErrClosed
	}
	return s.removeLocked(userKey{app, user}, sub.Endpoint), nil
}

func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// remove is removeLocked for the senders.
func (s *Service) remove(k userKey, endpoint string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeLocked(k, endpoint)
}

// Subscribed reports whether user of app has at least one subscription. It
// reports false after Close.
func (s *Service) Subscribed(app, user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed && len(s.users[userKey{app, user}]) > 0
}

// lookup returns the current subscription of k with endpoint, if any.
func (s *Service) lookup(k userKey, endpoint string) (Subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.users[k], func(sub Subscription) bool { return sub.Endpoint == endpoint })
	if i < 0 {
		return Subscription{}, false
	}
	return s.users[k][i], true
}

// target is one send: a subscription and its user.
type target struct {
	key userKey
	sub Subscription
}

// targets lists the subscriptions of users of app, each user once.
func (s *Service) targets(app string, users []string) []target {
	seen := make(map[string]bool, len(users))
	var ts []target
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range users {
		if seen[u] {
			continue
		}
		seen[u] = true
		k := userKey{app, u}
		for _, sub := range s.users[k] {
			ts = append(ts, target{k, sub})
		}
	}
	return ts
}
