package relay_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// webCall is one request the test web service received.
type webCall struct {
	path string
	args map[string]any
}

// webService is a real HTTP server on loopback: it records each call and answers
// with answer(path) (a JSON body and a status).
func webService(t *testing.T, answer func(path string) (int, string)) (string, chan webCall) {
	calls := make(chan webCall, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var args map[string]any
		if r.URL.Path == "/auth" { // the custom-auth webhook: a GET
		} else if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &args) != nil {
			t.Errorf("%s: not a JSON POST: %s %q", r.URL.Path, r.Header.Get("Content-Type"), b)
		}
		calls <- webCall{r.URL.Path, args}
		status, body := answer(r.URL.Path)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, calls
}

func nextCall(t *testing.T, calls chan webCall) webCall {
	t.Helper()
	select {
	case c := <-calls:
		return c
	case <-time.After(testTimeout):
		t.Fatal("no web call")
		return webCall{}
	}
}

func TestWebRPCPostsToTheWebServiceAndReturnsItsAnswer(t *testing.T) {
	base, calls := webService(t, func(path string) (int, string) {
		switch path {
		case "/auth":
			return 200, `{"ResultCode":1,"UserId":"ada","AuthCookie":{"plan":"gold"}}`
		case "/v1/game/add":
			return 200, `{"ResultCode":0,"Message":"added","Data":{"sum":3,"items":["a"]}}`
		}
		return 500, "oops"
	})
	s := startRelay(t, relay.Config{Webhook: &auth.Config{URL: base + "/auth"},
		Web: &relay.WebConfig{BaseURL: base + "/{AppVersion}/{AppId}"}})
	p, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "v1", Auth: client.Auth{Type: auth.Custom}})
	must(t, err)
	nextCall(t, calls) // the authentication

	got, err := p.WebRPC(testContext(t), "add", map[string]any{"a": int64(1), "b": int64(2)}, true)
	must(t, err)
	want := &client.WebRPCResult{Message: "added", Data: map[string]any{"sum": int64(3), "items": []any{"a"}}}
	if !protocol.Equal(got.Data, want.Data) || got.ResultCode != 0 || got.Message != want.Message {
		t.Errorf("WebRPC answer %+v, want %+v", got, want)
	}
	c := nextCall(t, calls)
	if c.path != "/v1/game/add" || c.args["UserId"] != "ada" || c.args["AppId"] != "game" ||
		c.args["AuthCookie"].(map[string]any)["plan"] != "gold" || c.args["RpcParams"].(map[string]any)["b"] != 2.0 {
		t.Errorf("the web service got %+v", c)
	}

	_, err = p.WebRPC(testContext(t), "broken", nil, false)
	wantCode(t, err, protocol.CodeExternalHTTPCallFailed)
	_, err = p.WebRPC(testContext(t), "../auth", nil, false)
	wantCode(t, err, protocol.CodeInvalidRequest)
}

func TestWebRPCWithoutAWebServiceIsRefused(t *testing.T) {
	_, err := connect(t, startRelay(t, relay.Config{}), "p").WebRPC(testContext(t), "x", nil, false)
	wantCode(t, err, protocol.CodeInvalidOperation)
}

func TestRoomWebhooksTellTheWebServiceWhatHappens(t *testing.T) {
	base, calls := webService(t, func(string) (int, string) { return 200, `{"ResultCode":0}` })
	s := startRelay(t, relay.Config{Web: &relay.WebConfig{BaseURL: base, PathCreate: "create", PathJoin: "join",
		PathLeave: "leave", PathEvent: "event", PathGameProperties: "props", PathClose: "close"}})
	a, b := connect(t, s, "a"), connect(t, s, "b")
	mustRoom(t)(a.CreateRoom(testContext(t), "hooked", &client.RoomOptions{MaxPlayers: 4, Description: "duel", Tags: []string{"pvp"}}, nil))
	mustRoom(t)(b.JoinRoom(testContext(t), "hooked", nil))
	must(t, a.RaiseEvent(7, []byte("boom"), &client.EventOptions{WebForward: true}))
	custom(b)
	must(t, a.SetPropertiesForwarded(testContext(t), 0, map[string]any{"score": int64(5)}, nil))
	must(t, b.LeaveRoom(testContext(t), false))
	must(t, a.LeaveRoom(testContext(t), false))

	got := map[string]map[string]any{}
	for len(got) < 7 { // create, join, event, props, two leaves, close (hooks of a room may overlap)
		c := nextCall(t, calls)
		if c.args["GameId"] != "hooked" || c.args["AppId"] != "game" {
			t.Errorf("%s: %v, want GameId hooked of app game", c.path, c.args)
		}
		key := c.path
		if c.path == "/leave" {
			key += "-" + c.args["UserId"].(string)
		}
		got[key] = c.args
	}
	checks := []struct {
		call, arg string
		want      any
	}{
		{"/create", "Type", "Create"}, {"/create", "UserId", "a"}, {"/join", "ActorNr", 2.0},
		{"/event", "EvCode", 7.0}, {"/event", "Data", base64.StdEncoding.EncodeToString([]byte("boom"))},
		{"/props", "TargetActor", 0.0}, {"/leave-b", "Type", "LeaveRequest"}, {"/close", "Type", "Close"},
	}
	for _, c := range checks {
		if v := got[c.call][c.arg]; v != c.want {
			t.Errorf("%s %s = %v, want %v", c.call, c.arg, v, c.want)
		}
	}
	if opts, _ := got["/create"]["CreateOptions"].(map[string]any); opts["MaxPlayers"] != 4.0 ||
		opts["Description"] != "duel" || opts["AccessType"] != 0.0 || fmt.Sprint(opts["Tags"]) != "[pvp]" {
		t.Errorf("create options %v, want MaxPlayers 4, Description duel, AccessType 0, Tags [pvp]", opts)
	}
}

func TestAFailingWebhookTellsTheRoomWhenAsked(t *testing.T) {
	base, _ := webService(t, func(string) (int, string) { return 200, `{"ResultCode":2,"Message":"no such player"}` })
	s := startRelay(t, relay.Config{Web: &relay.WebConfig{BaseURL: base, PathJoin: "join", ErrorInfo: true}})
	a := connect(t, s, "a")
	mustRoom(t)(a.CreateRoom(testContext(t), "r", nil, nil))
	mustRoom(t)(connect(t, s, "b").JoinRoom(testContext(t), "r", nil))
	e := next[*client.ErrorInfoEvent](a)
	if e.Code != protocol.CodeWebhookFailed {
		t.Errorf("ErrorInfo %+v, want WebhookFailed", e)
	}
}
