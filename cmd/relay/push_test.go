package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRelayServesItsVAPIDKeyAndKeepsIt(t *testing.T) {
	dir := t.TempDir()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	key := func() string {
		t.Helper()
		b, stop := startRelayCmd(t, dir, "-push-subscriber", "mailto:ops@example.com")
		defer stop()
		code, body := get(t, hc, "http://"+b.http+"/push/vapid-public-key")
		var v struct{ VAPIDPublicKey string }
		if err := json.Unmarshal([]byte(body), &v); code != http.StatusOK || err != nil || len(v.VAPIDPublicKey) != 87 {
			t.Fatalf("GET /push/vapid-public-key: %d %q, want 200 and a 65-byte key in base64url", code, body)
		}
		return v.VAPIDPublicKey
	}
	first := key()
	if _, err := os.Stat(filepath.Join(dir, "vapid.json")); err != nil {
		t.Fatalf("the key file: %v", err)
	}
	if again := key(); again != first {
		t.Fatalf("after a restart the key is %q, want %q", again, first)
	}

	b, stop := startRelayCmd(t, t.TempDir(), "-push=false")
	defer stop()
	if code, _ := get(t, hc, "http://"+b.http+"/push/vapid-public-key"); code != http.StatusNotFound {
		t.Fatalf("with -push=false: GET /push/vapid-public-key: %d, want 404", code)
	}
}
