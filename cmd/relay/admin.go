package main

import (
	"crypto/subtle"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bosonrt/boson/relay"
)

// adminFlags declares the friend-source and admin settings.
func (c *Config) adminFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.FriendsURL, "friends-url", "", "friends webhook `URL` for friends rooms: POST {AppId, AppVersion, UserId} → {ResultCode, Friends} (empty: admin lists only)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "bearer `token` of the HTTP admin API (PUT/GET /admin/friends); empty: no admin API")
}

// friendsConfig is the relay's friend source: the webhook if set, else admin lists only.
func (c *Config) friendsConfig() *relay.FriendsConfig {
	if c.FriendsURL == "" {
		return nil
	}
	return &relay.FriendsConfig{URL: c.FriendsURL, Timeout: 5 * time.Second}
}

// adminRoutes adds the admin API to mux, if a token is configured.
func (w *webServer) adminRoutes(mux *http.ServeMux, token string) {
	if token == "" {
		return
	}
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				http.Error(rw, "unauthorized", http.StatusUnauthorized)
				return
			}
			h(rw, r)
		}
	}
	mux.HandleFunc("PUT /admin/friends", auth(w.putFriends))
	mux.HandleFunc("GET /admin/friends", auth(w.getFriends))
}

// maxFriendsBody bounds a PUT /admin/friends body.
const maxFriendsBody = 256 << 10

// putFriends sets a user's friend list: PUT /admin/friends?app=A&user=U with a JSON
// array of user ids (null removes the list).
func (w *webServer) putFriends(rw http.ResponseWriter, r *http.Request) {
	app, user := r.URL.Query().Get("app"), r.URL.Query().Get("user")
	if app == "" || user == "" {
		http.Error(rw, "app and user are required", http.StatusBadRequest)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxFriendsBody+1))
	if err != nil || len(b) > maxFriendsBody {
		http.Error(rw, "body too large or unreadable", http.StatusBadRequest)
		return
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		http.Error(rw, "want a JSON array of user ids", http.StatusBadRequest)
		return
	}
	if err := w.srv.SetFriends(app, user, list); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

// getFriends returns a user's friend list (404 if none is set).
func (w *webServer) getFriends(rw http.ResponseWriter, r *http.Request) {
	list, ok := w.srv.Friends(r.URL.Query().Get("app"), r.URL.Query().Get("user"))
	if !ok {
		http.Error(rw, "no friend list set", http.StatusNotFound)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(list)
}
