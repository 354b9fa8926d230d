package main

import (
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/bosonrt/boson/relay/push"
)

// pushFlags declares the Web Push settings.
func (c *Config) pushFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Push, "push", true, "send Web Push notifications (keys in <data-dir>/vapid.json, subscriptions in <data-dir>/push-subscriptions.json)")
	fs.StringVar(&c.PushSubscriber, "push-subscriber", "", "VAPID contact: `mailto:address or https URL` given to push services (default: mailto:admin@localhost)")
}

// pushConfig returns the relay's Web Push configuration, or nil if -push is off.
func (c *Config) pushConfig(log *slog.Logger) *push.Config {
	if !c.Push {
		return nil
	}
	return &push.Config{
		KeyFile:    filepath.Join(c.DataDir, "vapid.json"),
		StoreFile:  filepath.Join(c.DataDir, "push-subscriptions.json"),
		Subscriber: c.PushSubscriber,
		Logger:     log,
	}
}

// vapidKey serves GET /push/vapid-public-key: {"VAPIDPublicKey": "..."}, for web
// pages on any origin; 404 if the relay has no Web Push.
func (w *webServer) vapidKey(rw http.ResponseWriter, _ *http.Request) {
	rw.Header().Set("Access-Control-Allow-Origin", "*")
	key := w.srv.VAPIDPublicKey()
	if key == "" {
		http.Error(rw, "web push is off (-push=false)", http.StatusNotFound)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(struct {
		VAPIDPublicKey string
	}{key})
}
