package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/transport"
)

const usage = `usage: relay [flags]

Every flag can also be set by the variable BOSON_<FLAG> (-auth-url: BOSON_AUTH_URL)
or in the JSON file given by -config or BOSON_CONFIG, keyed by flag name. A flag wins
over its variable, which wins over the file.

flags:
`

// envPrefix starts the environment variable of every flag: -auth-url is BOSON_AUTH_URL.
const envPrefix = "BOSON_"

// Config is the relay node's configuration, gathered by [loadConfig] from the command
// line, the environment and a config file. Each field is one flag; its default is the
// flag's.
type Config struct {
	Listen           string        // -listen: UDP address for games
	HTTP             string        // -http: TCP address for /, /healthz and /metrics; empty disables
	DataDir          string        // -data-dir: the relay's identity
	Workers          int           // -workers: 0 is one per CPU
	LogLevel         slog.Level    // -log-level
	AllowUnencrypted bool          // -allow-unencrypted
	Drain            time.Duration // -drain: how long Shutdown waits for queued messages
	AppIDs           []string      // -app-ids: empty serves every app id

	RequireAuth       bool          // -require-auth: refuse anonymous clients
	AuthURL           string        // -auth-url: custom-auth webhook; empty disables custom auth
	AuthTimeout       time.Duration // -auth-timeout: bound on one webhook call
	AuthAllowWhenDown bool          // -auth-allow-when-down

	MessageRate    int // -message-rate: messages per second per client; 0 is the relay's default
	MaxRoomsPerApp int // -max-rooms-per-app: 0 is the relay's default
	MaxPlayers     int // -max-players: actors per room; 0 is the relay's default

	TURNListen  string   // -turn-listen: UDP address of the built-in STUN/TURN; empty disables it
	TURNRelayIP string   // -turn-relay-ip: address in relayed candidates; empty picks one
	TURNPorts   string   // -turn-ports: relay port range
	TURNURLs    []string // -turn-urls: TURN/STUN URLs given to clients (external servers, or override)
	TURNSecret  string   // -turn-secret: REST credential secret shared with external TURN servers

	WebURL       string   // -web-url: the app's web service for WebRPC and webhooks; empty disables both
	WebHooks     []string // -web-hooks: kind=path pairs (create, join, leave, event, properties, close)
	WebErrorInfo bool     // -web-error-info: tell rooms when a webhook fails

	FriendsURL     string // -friends-url: friends webhook for friends rooms; empty: admin lists only
	AdminToken     string // -admin-token: bearer token of the HTTP admin API; empty disables it
	Push           bool   // -push: Web Push, with its keys and subscriptions in DataDir
	PushSubscriber string // -push-subscriber: the VAPID contact (sub claim)
}

// flagSet declares every setting of c as a flag, with its default.
func (c *Config) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.String("config", "", "JSON `file` of settings, keyed by flag name (flags and BOSON_* variables override it)")
	fs.StringVar(&c.Listen, "listen", ":7350", "UDP `address` to serve games on")
	fs.StringVar(&c.HTTP, "http", ":7351", "TCP `address` for the status page, /healthz and /metrics (empty: none)")
	fs.StringVar(&c.DataDir, "data-dir", "boson-data", "`directory` for the relay's identity (created on first start)")
	fs.IntVar(&c.Workers, "workers", 0, "goroutines that own the connections (0: one per CPU)")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.BoolVar(&c.AllowUnencrypted, "allow-unencrypted", false, "let clients that ask for it send data in clear (LAN testing only)")
	fs.DurationVar(&c.Drain, "drain", 5*time.Second, "on shutdown, how long to wait for queued reliable messages")
	fs.Var((*listValue)(&c.AppIDs), "app-ids", "comma-separated app `ids` to serve (empty: any)")
	fs.BoolVar(&c.RequireAuth, "require-auth", false, "refuse anonymous clients (auth type none)")
	fs.StringVar(&c.AuthURL, "auth-url", "", "custom authentication webhook `URL` (empty: custom auth is refused)")
	fs.DurationVar(&c.AuthTimeout, "auth-timeout", 5*time.Second, "bound on one call to the auth webhook")
	fs.BoolVar(&c.AuthAllowWhenDown, "auth-allow-when-down", false, "admit clients anonymously when the auth webhook is down")
	fs.IntVar(&c.MessageRate, "message-rate", 0, "messages per second one client may send (0: 5000)")
	fs.IntVar(&c.MaxRoomsPerApp, "max-rooms-per-app", 0, "rooms one app id may have (0: 10000)")
	fs.IntVar(&c.MaxPlayers, "max-players", 0, "actors per room, and the limit of rooms without one (0: 64)")
	fs.StringVar(&c.TURNListen, "turn-listen", ":3478", "UDP `address` of the built-in STUN/TURN service (empty: none)")
	fs.StringVar(&c.TURNRelayIP, "turn-relay-ip", "", "public `IP` of relayed TURN candidates (empty: the listen IP or the first global one)")
	fs.StringVar(&c.TURNPorts, "turn-ports", "50000-50999", "UDP port `range` for TURN relays")
	fs.Var((*listValue)(&c.TURNURLs), "turn-urls", "comma-separated TURN/STUN `URLs` for clients (default: the built-in service)")
	fs.StringVar(&c.TURNSecret, "turn-secret", "", "`secret` for TURN credentials, shared with external TURN servers (default: derived from the relay's secret)")
	fs.StringVar(&c.WebURL, "web-url", "", "base `URL` of the app's web service, for WebRPC and room webhooks; {AppId} and {AppVersion} are replaced (empty: none)")
	fs.Var((*listValue)(&c.WebHooks), "web-hooks", "room webhooks as comma-separated `kind=path` (kinds: create, join, leave, event, properties, close)")
	fs.BoolVar(&c.WebErrorInfo, "web-error-info", false, "send a room an ErrorInfo event when one of its webhooks fails")
	c.adminFlags(fs)
	c.pushFlags(fs)
	return fs
}

// webConfig returns the web service settings, or nil.
func (c *Config) webConfig() (*relay.WebConfig, error) {
	if c.WebURL == "" {
		if len(c.WebHooks) > 0 {
			return nil, errors.New("-web-hooks needs -web-url")
		}
		return nil, nil
	}
	w := &relay.WebConfig{BaseURL: c.WebURL, ErrorInfo: c.WebErrorInfo}
	paths := map[string]*string{"create": &w.PathCreate, "join": &w.PathJoin, "leave": &w.PathLeave,
		"event": &w.PathEvent, "properties": &w.PathGameProperties, "close": &w.PathClose}
	for _, h := range c.WebHooks {
		kind, path, ok := strings.Cut(h, "=")
		if p := paths[kind]; ok && p != nil && path != "" {
			*p = path
			continue
		}
		return nil, fmt.Errorf("-web-hooks %q: want kind=path with kind create, join, leave, event, properties or close", h)
	}
	return w, nil
}

// loadConfig builds the configuration from args, the environment (read with getenv)
// and the config file named by -config or BOSON_CONFIG. A setting comes from, in
// order of precedence, its flag, its BOSON_* variable, the file, then its default.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	// A first pass over the flags finds the config file and checks the syntax.
	probe := &Config{}
	pfs := probe.flagSet(stderr)
	if err := pfs.Parse(args); err != nil {
		return nil, err
	}
	if pfs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(pfs.Args(), " "))
	}
	file := pfs.Lookup("config").Value.String()
	if file == "" {
		file = getenv(envPrefix + "CONFIG")
	}
	c := &Config{}
	fs := c.flagSet(io.Discard)
	if file != "" {
		if err := applyFile(fs, file); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(fs, getenv); err != nil {
		return nil, err
	}
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, nil
}

// envName is the environment variable of a flag: data-dir is BOSON_DATA_DIR.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets the flags whose BOSON_* variable is set and not empty.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if err != nil || f.Name == "config" || v == "" {
			return
		}
		if e := setFlag(fs, f, v); e != nil {
			err = fmt.Errorf("environment %s: %w", envName(f.Name), e)
		}
	})
	return err
}

// applyFile sets the flags named by the keys of the JSON object in file.
func applyFile(fs *flag.FlagSet, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var m map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return fmt.Errorf("config file %s: want a JSON object keyed by flag name: %w", file, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first bad key in a stable order
	for _, k := range keys {
		if err := applyFileKey(fs, k, m[k]); err != nil {
			return fmt.Errorf("config file %s: key %q: %w", file, k, err)
		}
	}
	return nil
}

// applyFileKey sets the flag k to the JSON value raw, which must have the flag's type:
// a boolean for a boolean flag, an integer for an integer flag, a string (or, for
// lists, an array of strings) for the others.
func applyFileKey(fs *flag.FlagSet, k string, raw json.RawMessage) error {
	f := fs.Lookup(k)
	if f == nil || k == "config" {
		return errors.New("unknown setting")
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	s, err := fileValueString(f.Value.(flag.Getter).Get(), v)
	if err != nil {
		return err
	}
	return setFlag(fs, f, s)
}

// setFlag sets f to v, explaining what a bad value should look like.
func setFlag(fs *flag.FlagSet, f *flag.Flag, v string) error {
	err := fs.Set(f.Name, v)
	if err == nil {
		return nil
	}
	want := err.Error()
	switch f.Value.(flag.Getter).Get().(type) {
	case bool:
		want = "want true or false"
	case int:
		want = "want an integer"
	case time.Duration:
		want = "want a duration such as 5s or 1m30s"
	case *slog.Level:
		want = "want debug, info, warn or error"
	}
	return fmt.Errorf("invalid value %q: %s", v, want)
}

// fileValueString returns the flag syntax of the JSON value v for a flag whose current
// value is cur, or an error if v has the wrong JSON type.
func fileValueString(cur, v any) (string, error) {
	switch cur.(type) {
	case bool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", fmt.Errorf("got %s, want a boolean", jsonType(v))
	case int:
		if n, ok := v.(json.Number); ok {
			return n.String(), nil
		}
		return "", fmt.Errorf("got %s, want an integer", jsonType(v))
	case []string:
		if list, ok := v.([]any); ok {
			parts := make([]string, len(list))
			for i, e := range list {
				s, ok := e.(string)
				if !ok {
					return "", fmt.Errorf("element %d is %s, want a string", i, jsonType(e))
				}
				parts[i] = s
			}
			return strings.Join(parts, ","), nil
		}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("got %s, want a string", jsonType(v))
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// listValue is a comma-separated list flag; empty elements are dropped.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	*l = nil
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

func (l *listValue) Get() any { return []string(*l) }

// relayConfig returns the relay.Config that serves c with identity id.
func (c *Config) relayConfig(id *handshake.Identity, log *slog.Logger) (*relay.Config, error) {
	web, err := c.webConfig()
	if err != nil {
		return nil, err
	}
	rc := &relay.Config{
		Web: web, Friends: c.friendsConfig(),
		Transport: transport.ListenConfig{
			Config:   transport.Config{Unencrypted: c.AllowUnencrypted, Logger: log},
			Identity: id,
			Workers:  c.Workers,
		},
		AppIDs:         c.AppIDs,
		RequireAuth:    c.RequireAuth,
		MessageRate:    c.MessageRate,
		MaxRoomsPerApp: c.MaxRoomsPerApp,
		MaxPlayers:     c.MaxPlayers,
		Push:           c.pushConfig(log),
		Logger:         log,
	}
	if c.AuthURL != "" {
		rc.Webhook = &auth.Config{
			URL:           c.AuthURL,
			Timeout:       c.AuthTimeout,
			AllowWhenDown: c.AuthAllowWhenDown,
			Logger:        log,
		}
	}
	return rc, nil
}
