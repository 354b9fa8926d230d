package turnserver

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

func TestCredentialsFormat(t *testing.T) {
	before := time.Now()
	user, _ := Credentials(testSecret, "alice", time.Hour)
	expiry, name, ok := strings.Cut(user, ":")
	if !ok || name != "alice" {
		t.Fatalf("username %q: want <expiry>:alice", user)
	}
	sec, err := strconv.ParseInt(expiry, 10, 64)
	if err != nil || sec < before.Add(time.Hour).Unix() || sec > time.Now().Add(time.Hour).Unix() {
		t.Fatalf("expiry %q: want about now+1h", expiry)
	}
	// Same as pion's generator for the same expiry (retry if a second boundary was crossed).
	for range 3 {
		user, pass := Credentials(testSecret, "alice", time.Hour)
		wantUser, wantPass, err := turn.GenerateLongTermTURNRESTCredentials(string(testSecret), "alice", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if user == wantUser {
			if pass != wantPass {
				t.Fatalf("password: got %q, want %q (pion)", pass, wantPass)
			}
			return
		}
	}
	t.Fatal("could not compare with pion's credentials")
}

func TestAuthHandler(t *testing.T) {
	auth := authHandler(testSecret, testLogger(t))
	src := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}
	user, pass := Credentials(testSecret, "a:b", time.Minute)
	expired, _ := Credentials(testSecret, "a", -time.Second)
	tests := []struct {
		name, username string
		wantUser       string
		wantOK         bool
	}{
		{"valid, user with colon", user, "a:b", true},
		{"expired", expired, "", false},
		{"no expiry", "alice", "", false},
		{"bad expiry", "soon:alice", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, key, ok := auth(&turn.RequestAttributes{Username: tt.username, Realm: "boson", SrcAddr: src})
			if ok != tt.wantOK || (ok && got != tt.wantUser) {
				t.Fatalf("got %q, %v, want %q, %v", got, ok, tt.wantUser, tt.wantOK)
			}
			if ok && !slices.Equal(key, turn.GenerateAuthKey(tt.username, "boson", pass)) {
				t.Fatal("key does not match the password from Credentials")
			}
		})
	}
}

func TestURLs(t *testing.T) {
	tests := []struct {
		host string
		want []string
	}{
		{"relay.example", []string{"stun:relay.example:3478", "turn:relay.example:3478?transport=udp"}},
		{"2001:db8::1", []string{"stun:[2001:db8::1]:3478", "turn:[2001:db8::1]:3478?transport=udp"}},
	}
	for _, tt := range tests {
		if got := URLs(tt.host, 3478); !slices.Equal(got, tt.want) {
			t.Errorf("URLs(%q): got %q, want %q", tt.host, got, tt.want)
		}
	}
}
