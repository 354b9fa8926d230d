package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// defaults is the configuration with no flag, variable or file.
var defaults = Config{
	Listen: ":7350", HTTP: ":7351", DataDir: "boson-data", LogLevel: slog.LevelInfo,
	Drain: 5 * time.Second, AuthTimeout: 5 * time.Second,
	TURNListen: ":3478", TURNPorts: "50000-50999", Push: true,
}

// with returns defaults changed by f.
func with(f func(*Config)) Config {
	c := defaults
	f(&c)
	return c
}

func TestLoadConfigPrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string // JSON; empty: no file
		want Config
	}{
		{name: "defaults", want: defaults},
		{
			name: "file",
			file: `{"listen": ":1", "http": "", "max-players": 8, "require-auth": true, "app-ids": ["a", "b"],
				"drain": "1s", "log-level": "debug", "auth-url": "http://127.0.0.1:9/auth", "auth-allow-when-down": true}`,
			want: with(func(c *Config) {
				c.Listen, c.HTTP, c.MaxPlayers, c.RequireAuth, c.AppIDs = ":1", "", 8, true, []string{"a", "b"}
				c.Drain, c.LogLevel, c.AuthURL, c.AuthAllowWhenDown = time.Second, slog.LevelDebug, "http://127.0.0.1:9/auth", true
			}),
		},
		{
			name: "env over file",
			file: `{"listen": ":1", "workers": 3, "app-ids": "a,b"}`,
			env:  map[string]string{"BOSON_LISTEN": ":2", "BOSON_APP_IDS": "c, d", "BOSON_MAX_ROOMS_PER_APP": "7"},
			want: with(func(c *Config) { c.Listen, c.Workers, c.AppIDs, c.MaxRoomsPerApp = ":2", 3, []string{"c", "d"}, 7 }),
		},
		{
			name: "flag over env over file",
			args: []string{"-listen", ":3", "-allow-unencrypted", "-auth-timeout", "2s"},
			file: `{"listen": ":1", "message-rate": 10, "auth-timeout": "1s"}`,
			env:  map[string]string{"BOSON_LISTEN": ":2", "BOSON_MESSAGE_RATE": "20", "BOSON_ALLOW_UNENCRYPTED": "false"},
			want: with(func(c *Config) {
				c.Listen, c.MessageRate, c.AllowUnencrypted, c.AuthTimeout = ":3", 20, true, 2*time.Second
			}),
		},
		{
			name: "empty variable is unset",
			file: `{"data-dir": "/var/lib/boson"}`,
			env:  map[string]string{"BOSON_DATA_DIR": ""},
			want: with(func(c *Config) { c.DataDir = "/var/lib/boson" }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"-config", writeFile(t, tt.file)}, args...)
			}
			got, err := loadConfig(args, mapEnv(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("loadConfig: (-want +got)\n%s", diff)
			}
		})
	}
}

func TestLoadConfigFileFromEnvironment(t *testing.T) {
	env := mapEnv(map[string]string{"BOSON_CONFIG": writeFile(t, `{"workers": 2}`)})
	got, err := loadConfig(nil, env, io.Discard)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if got.Workers != 2 {
		t.Errorf("Workers: got %d, want 2 (from the file named by BOSON_CONFIG)", got.Workers)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want []string // substrings of the error
	}{
		{name: "unknown key", file: `{"listen": ":1", "listne": ":2"}`, want: []string{`"listne"`, "unknown setting"}},
		{name: "config in file", file: `{"config": "other.json"}`, want: []string{`"config"`, "unknown setting"}},
		{name: "string for int", file: `{"max-players": "8"}`, want: []string{`"max-players"`, "want an integer"}},
		{name: "fraction for int", file: `{"workers": 1.5}`, want: []string{`"workers"`}},
		{name: "number for bool", file: `{"require-auth": 1}`, want: []string{`"require-auth"`, "want a boolean"}},
		{name: "bad duration", file: `{"drain": "soon"}`, want: []string{`"drain"`}},
		{name: "null", file: `{"listen": null}`, want: []string{`"listen"`, "got null"}},
		{name: "bad list element", file: `{"app-ids": ["a", 1]}`, want: []string{`"app-ids"`, "element 1"}},
		{name: "not an object", file: `[1, 2]`, want: []string{"JSON object"}},
		{name: "bad env", env: map[string]string{"BOSON_WORKERS": "many"}, want: []string{"BOSON_WORKERS"}},
		{name: "bad env level", env: map[string]string{"BOSON_LOG_LEVEL": "loud"}, want: []string{"BOSON_LOG_LEVEL"}},
		{name: "bad flag", args: []string{"-drain", "soon"}, want: []string{"-drain"}},
		{name: "missing file", args: []string{"-config", "/nonexistent/boson.json"}, want: []string{"config file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"-config", writeFile(t, tt.file)}, args...)
			}
			_, err := loadConfig(args, mapEnv(tt.env), io.Discard)
			if err == nil {
				t.Fatalf("loadConfig: got nil error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("loadConfig: got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"listen": "BOSON_LISTEN", "data-dir": "BOSON_DATA_DIR", "auth-allow-when-down": "BOSON_AUTH_ALLOW_WHEN_DOWN",
	} {
		if got := envName(flagName); got != want {
			t.Errorf("envName(%q): got %q, want %q", flagName, got, want)
		}
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "relay.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebHooksFlag(t *testing.T) {
	c, err := loadConfig([]string{"-web-url", "https://api.example.com/{AppId}", "-web-hooks", "create=rooms/new,close=rooms/end",
		"-web-error-info"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.webConfig()
	if err != nil {
		t.Fatal(err)
	}
	if w.PathCreate != "rooms/new" || w.PathClose != "rooms/end" || w.PathJoin != "" || !w.ErrorInfo {
		t.Errorf("web config %+v", w)
	}
	for _, bad := range [][]string{{"-web-hooks", "create=x"}, {"-web-url", "https://x", "-web-hooks", "start=x"},
		{"-web-url", "https://x", "-web-hooks", "join"}} {
		c, err := loadConfig(bad, func(string) string { return "" }, io.Discard)
		if err == nil {
			_, err = c.webConfig()
		}
		if err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
