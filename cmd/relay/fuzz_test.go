package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigFile feeds any bytes to the relay as its config file: it must refuse what
// it cannot use with an error, never panic.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte(`{"listen": ":7350", "auth-url": "http://127.0.0.1:8080/auth", "app-ids": ["a", "b"]}`))
	f.Add([]byte(`{"max-players": 8, "require-auth": true, "drain": "3s"}`))
	f.Add([]byte(`{"listne": 1}`))
	f.Add([]byte(`[1, 2]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Skip(err)
		}
		loadConfig([]string{"-config", path}, func(string) string { return "" }, io.Discard)
	})
}
