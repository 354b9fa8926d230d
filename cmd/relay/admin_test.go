package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func adminDo(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminFriendsEndpoint sets a friend list over the admin API; the friend then
// joins the owner's friends room and a stranger is refused.
func TestAdminFriendsEndpoint(t *testing.T) {
	b, stop := startRelayCmd(t, t.TempDir(), "-admin-token", "s3cret")
	defer stop()
	url := "http://" + b.http + "/admin/friends?app=test&user=owner"
	if code, _ := adminDo(t, "PUT", url, "", `["friend"]`); code != http.StatusUnauthorized {
		t.Fatalf("PUT without token: %d, want 401", code)
	}
	if code, _ := adminDo(t, "PUT", url, "wrong", `["friend"]`); code != http.StatusUnauthorized {
		t.Fatalf("PUT with a wrong token: %d, want 401", code)
	}
	if code, _ := adminDo(t, "PUT", url, "s3cret", `{"no": 1}`); code != http.StatusBadRequest {
		t.Fatalf("PUT of a non-array: %d, want 400", code)
	}
	if code, _ := adminDo(t, "PUT", url, "s3cret", `["friend"]`); code != http.StatusNoContent {
		t.Fatalf("PUT: %d, want 204", code)
	}
	if code, body := adminDo(t, "GET", url, "s3cret", ""); code != http.StatusOK || strings.TrimSpace(body) != `["friend"]` {
		t.Fatalf("GET: %d %q", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, friend, stranger := dialUser(t, b, "owner"), dialUser(t, b, "friend"), dialUser(t, b, "stranger")
	if _, err := owner.CreateRoom(ctx, "club", &client.RoomOptions{Access: protocol.AccessFriends}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := friend.JoinRoom(ctx, "club", nil); err != nil {
		t.Fatalf("friend: %v", err)
	}
	if _, err := stranger.JoinRoom(ctx, "club", nil); err == nil || !strings.Contains(err.Error(), "NotAFriend") && !strings.Contains(err.Error(), "32727") {
		t.Fatalf("stranger: got %v, want NotAFriend", err)
	}
}

func TestAdminAPIOffWithoutToken(t *testing.T) {
	b, stop := startRelayCmd(t, t.TempDir())
	defer stop()
	if code, _ := adminDo(t, "PUT", "http://"+b.http+"/admin/friends?app=a&user=u", "", `[]`); code == http.StatusNoContent {
		t.Fatalf("PUT without -admin-token: %d, want the API off", code)
	}
}

func dialUser(t *testing.T, b banner, user string) *client.Client {
	t.Helper()
	pin, err := handshake.ParseFingerprint(b.fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, b.udp, &client.Options{AppID: "test", UserID: user, Nickname: user,
		Auth: client.Auth{Type: auth.None}, Fingerprints: []handshake.Fingerprint{pin}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
