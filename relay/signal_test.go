package relay_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func TestSignallingStaysInsideTheRoom(t *testing.T) {
	s, ps := room3(t, nil)
	ctx := testContext(t)
	offer := map[string]any{"type": "offer", "sdp": "v=0\r\n..."}
	must(t, ps[0].Signal(ctx, 3, offer))
	if e := next[*client.SignalEvent](ps[2]); e.Sender != 1 || e.Data["type"] != "offer" || e.Data["sdp"] != offer["sdp"] {
		t.Fatalf("signal event %+v", e)
	}
	outsider := connect(t, s, "outsider")
	mustRoom(t)(outsider.CreateRoom(ctx, "elsewhere", nil, nil))
	wantCode(t, outsider.Signal(ctx, 1, offer), protocol.CodeInvalidOperation) // actor 1 of its own room is itself
	wantCode(t, ps[0].Signal(ctx, 4, offer), protocol.CodeInvalidOperation)    // no actor 4 in the room
	wantCode(t, ps[0].Signal(ctx, 1, offer), protocol.CodeInvalidOperation)    // not to oneself
	big := map[string]any{"sdp": strings.Repeat("a", 20000)}
	wantCode(t, ps[0].Signal(ctx, 2, big), protocol.CodeTooLarge)
	loner := connect(t, s, "loner")
	wantCode(t, loner.Signal(ctx, 1, offer), protocol.CodeNotInRoom)
}

func TestTURNCredentialsAreForRoomMembers(t *testing.T) {
	secret := []byte("a shared secret of the TURN servers")
	s := startRelay(t, relay.Config{TURN: &relay.TURNConfig{
		URLs: []string{"turn:198.51.100.7:3478?transport=udp"}, Secret: secret, TTL: time.Minute,
	}})
	ctx := testContext(t)
	p := connect(t, s, "p")
	_, err := p.TURNCredentials(ctx)
	wantCode(t, err, protocol.CodeNotInRoom)
	mustRoom(t)(p.CreateRoom(ctx, "r", nil, nil))
	tc, err := p.TURNCredentials(ctx)
	must(t, err)
	expiry, user, _ := strings.Cut(tc.Username, ":")
	exp, _ := strconv.ParseInt(expiry, 10, 64)
	if user != "p" || time.Until(time.Unix(exp, 0)) > time.Minute || time.Until(time.Unix(exp, 0)) < 50*time.Second {
		t.Fatalf("username %q, want <expiry in a minute>:p", tc.Username)
	}
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(tc.Username))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); tc.Password != want || len(tc.URLs) != 1 {
		t.Fatalf("password %q and URLs %v, want the REST-style HMAC and the configured URL", tc.Password, tc.URLs)
	}

	plain := startRelay(t, relay.Config{})
	q := connect(t, plain, "q")
	mustRoom(t)(q.CreateRoom(ctx, "r", nil, nil))
	_, err = q.TURNCredentials(ctx)
	wantCode(t, err, protocol.CodeInvalidOperation)
}
