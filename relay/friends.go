package relay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// FriendsConfig is where the relay learns whom a room owner counts as a friend (for
// friends rooms, access type 2). Lists set with [Server.SetFriends] take precedence
// over the webhook: a user with such a list is never looked up.
type FriendsConfig struct {
	// URL is the friends webhook. The relay POSTs {"AppId", "AppVersion", "UserId"}
	// and expects {"ResultCode": 0, "Friends": ["user id", ...]}. If empty, only the
	// lists set with SetFriends count (a user without one has no friends).
	URL string
	// CacheTTL is how long a webhook answer is used. If zero, 60s.
	CacheTTL time.Duration
	// Timeout bounds one call. If zero, 5s.
	Timeout time.Duration
	// MaxInFlight bounds the calls in flight; a join or search that would need more
	// fails with CodeFriendsUnavailable. If zero, 32.
	MaxInFlight int
	// Client makes the calls. If nil, a client without redirects.
	Client *http.Client
}

func (c *FriendsConfig) withDefaults() {
	c.CacheTTL = cmp.Or(c.CacheTTL, time.Minute)
	c.Timeout = cmp.Or(c.Timeout, 5*time.Second)
	c.MaxInFlight = cmp.Or(c.MaxInFlight, 32)
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
}

func (c *FriendsConfig) validate() error {
	if c.URL == "" {
		return nil
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: friends URL %q: want http(s)://host/path", ErrBadConfig, c.URL)
	}
	return nil
}

// Bounds of the friend lists the relay keeps.
const (
	maxFriendList     = 1000  // user ids per list
	maxFriendsCached  = 10000 // webhook answers cached
	maxOwnersFetched  = 8     // webhook calls of one join or search
	maxFriendListJSON = 256 << 10
)

type friendKey struct{ app, user string }

type cachedFriends struct {
	list    []string
	expires time.Time
}

// friendSource holds the admin lists and the webhook cache. Its mutex is a leaf lock.
type friendSource struct {
	sem chan struct{}

	mu    sync.Mutex // guards the following fields; a leaf lock
	admin map[friendKey][]string
	cache map[worldKey]map[string]cachedFriends
	count int
}

func newFriendSource(cfg *Config) *friendSource {
	n := 1
	if cfg.Friends != nil {
		n = cfg.Friends.MaxInFlight
	}
	return &friendSource{sem: make(chan struct{}, n), admin: map[friendKey][]string{}, cache: map[worldKey]map[string]cachedFriends{}}
}

// SetFriends sets the users that user of app counts as friends (in every version of
// the app), replacing the webhook's answer for this user. A nil list removes it (the
// webhook, if any, answers again); an empty one means "no friends". At most 1000 ids.
// It is safe for concurrent use.
func (s *Server) SetFriends(app, user string, friends []string) error {
	if len(friends) > maxFriendList {
		return fmt.Errorf("%w: at most %d friends per user", ErrBadConfig, maxFriendList)
	}
	f := s.friends
	f.mu.Lock()
	defer f.mu.Unlock()
	if friends == nil {
		delete(f.admin, friendKey{app, user})
		return nil
	}
	f.admin[friendKey{app, user}] = slices.Clone(friends)
	return nil
}

// Friends returns the list set with [Server.SetFriends] for user of app, and whether
// there is one. It is safe for concurrent use.
func (s *Server) Friends(app, user string) ([]string, bool) {
	f := s.friends
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.admin[friendKey{app, user}]
	return slices.Clone(l), ok
}

// lookup returns the known friend lists of owners; missing are those with none
// known (only with a webhook: without one an owner without a list has no friends).
func (s *Server) lookupFriends(key worldKey, owners []string) (lists map[string][]string, missing []string) {
	f := s.friends
	lists = map[string][]string{}
	t := now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range owners {
		if l, ok := f.admin[friendKey{key.app, o}]; ok {
			lists[o] = l
		} else if c, ok := f.cache[key][o]; ok && t.Before(c.expires) {
			lists[o] = c.list
		} else if s.cfg.Friends != nil && s.cfg.Friends.URL != "" {
			missing = append(missing, o)
		}
	}
	return lists, missing
}

// errFriendsBusy is returned when all friends webhook slots are taken.
var errFriendsBusy = errors.New("relay: too many friends webhook calls in flight")

// fetchFriends asks the webhook for the lists of up to maxOwnersFetched users and
// caches them. It blocks: callers run it on a goroutine of their own, with no lock.
func (s *Server) fetchFriends(key worldKey, users []string) error {
	for _, u := range users[:min(len(users), maxOwnersFetched)] {
		select {
		case s.friends.sem <- struct{}{}:
		default:
			return errFriendsBusy
		}
		list, err := s.callFriends(key, u)
		<-s.friends.sem
		if err != nil {
			return err
		}
		s.friends.store(key, u, list, now().Add(s.cfg.Friends.CacheTTL))
	}
	return nil
}

func (f *friendSource) store(key worldKey, user string, list []string, expires time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count >= maxFriendsCached {
		f.cache, f.count = map[worldKey]map[string]cachedFriends{}, 0 // crude but bounded
	}
	if f.cache[key] == nil {
		f.cache[key] = map[string]cachedFriends{}
	}
	if _, ok := f.cache[key][user]; !ok {
		f.count++
	}
	f.cache[key][user] = cachedFriends{list: list, expires: expires}
}

// callFriends makes one webhook call.
func (s *Server) callFriends(key worldKey, user string) ([]string, error) {
	c := s.cfg.Friends
	body, err := json.Marshal(map[string]string{"AppId": key.app, "AppVersion": key.version, "UserId": user})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	status, b, err := postJSON(c.Client, req, maxFriendListJSON)
	if err != nil {
		return nil, err
	}
	return parseFriends(status, b)
}

// parseFriends reads a webhook answer {"ResultCode": 0, "Friends": [...]}.
func parseFriends(status int, b []byte) ([]string, error) {
	if status/100 != 2 {
		return nil, fmt.Errorf("relay: friends webhook answered HTTP %d", status)
	}
	if len(b) > maxFriendListJSON {
		return nil, errors.New("relay: friends webhook answer too large")
	}
	var a struct {
		ResultCode *int64
		Friends    []string
	}
	if err := json.Unmarshal(b, &a); err != nil || a.ResultCode == nil {
		return nil, fmt.Errorf("relay: friends webhook answer is not {\"ResultCode\": ..., \"Friends\": [...]}: %.80q", b)
	}
	if *a.ResultCode != 0 {
		return nil, fmt.Errorf("relay: friends webhook ResultCode %d", *a.ResultCode)
	}
	if len(a.Friends) > maxFriendList {
		a.Friends = a.Friends[:maxFriendList]
	}
	return a.Friends, nil
}

// ownersLocked returns the user ids of the room's owners (active or inactive).
func (r *room) ownersLocked() []string {
	var out []string
	for _, a := range r.actors {
		if a.userType == protocol.UserOwner && !slices.Contains(out, a.userID) {
			out = append(out, a.userID)
		}
	}
	return out
}

// isFriend says whether some owner's list holds user.
func isFriend(lists map[string][]string, user string) bool {
	for _, l := range lists {
		if slices.Contains(l, user) {
			return true
		}
	}
	return false
}

// checkFriendLocked admits owners and users an owner counts as a friend. Lists not
// known yet are fetched on a goroutine; the join then runs again (resumeJoin).
func (r *room) checkFriendLocked(sess *session, userID string, jp *joinParams) *protocol.Response {
	owners := r.ownersLocked()
	if slices.Contains(owners, userID) {
		return nil
	}
	lists, missing := r.s.lookupFriends(r.world.key, owners)
	if isFriend(lists, userID) {
		return nil
	}
	if len(missing) == 0 || jp.acc.fetched {
		return fail(protocol.CodeNotAFriend, "the room "+quote(r.name)+" is for its owners' friends")
	}
	sess.mu.Lock()
	sess.acc.fetching = r
	sess.mu.Unlock()
	key := r.world.key
	if !r.s.spawn(func() { sess.fetchThenJoin(key, missing, jp) }) {
		sess.mu.Lock()
		sess.acc.fetching = nil
		sess.mu.Unlock()
		return fail(protocol.CodeFriendsUnavailable, "the relay is shutting down")
	}
	return answeredLater
}

// fetchThenJoin fetches friend lists, then runs the join again and answers it.
func (sess *session) fetchThenJoin(key worldKey, missing []string, jp *joinParams) {
	var resp *protocol.Response
	if err := sess.s.fetchFriends(key, missing); err != nil {
		sess.s.log.Warn("relay: friends webhook failed", "err", err)
		resp = fail(protocol.CodeFriendsUnavailable, "the friends service is unavailable; try again later")
	} else {
		jp.acc = joinAccess{resumed: true, fetched: true}
		resp = sess.enter(nil, false, jp)
		if resp == answeredLater { // now waiting for an approval
			resp = nil
		}
		sess.leaveIfGone()
	}
	sess.mu.Lock()
	sess.acc.fetching = nil
	sess.mu.Unlock()
	if resp != nil {
		resp.Op, resp.ID = jp.op, jp.id
		respond(sess.conn, resp)
	}
}
