package relay_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// A WebRPC cannot leave the web service's base path: not with percent-encoded dots,
// query strings or fragments in its path, nor through an app id of "..".
func TestWebRPCStaysUnderTheBaseURL(t *testing.T) {
	base, calls := webService(t, func(string) (int, string) { return 200, `{"ResultCode":0}` })
	s := startRelay(t, relay.Config{Web: &relay.WebConfig{BaseURL: base + "/apps/{AppId}/rpc"}})
	p := connect(t, s, "p")
	for _, bad := range []string{"%2e%2e/%2e%2e/admin", "../admin", "a/./b", "x?admin=1", "x#f", `a\b`, "a b"} {
		_, err := p.WebRPC(testContext(t), bad, nil, false)
		wantCode(t, err, protocol.CodeInvalidRequest)
	}
	dots, err := tryConnect(t, s, &client.Options{AppID: "..", AppVersion: "1", UserID: "d", Nickname: "d",
		Auth: client.Auth{Type: auth.None}})
	must(t, err)
	_, err = dots.WebRPC(testContext(t), "x", nil, false)
	wantCode(t, err, protocol.CodeExternalHTTPCallFailed)
	_, err = p.WebRPC(testContext(t), "ok/path", nil, false)
	must(t, err)
	if c := nextCall(t, calls); c.path != "/apps/game/rpc/ok/path" {
		t.Errorf("first call the web service got: %s, want /apps/game/rpc/ok/path (the refused ones never reach it)", c.path)
	}
}

// WebRPCs and room webhooks share MaxInFlight: one client keeping MaxInFlight WebRPCs
// in flight (a slow web service, or just a fast loop) makes every room webhook of the
// relay be dropped silently.
func TestAWebRPCFloodDoesNotDropRoomWebhooks(t *testing.T) {
	release := make(chan struct{})
	inFlight := make(chan struct{}, 100)
	calls := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		calls <- r.URL.Path
		if r.URL.Path == "/slow" {
			inFlight <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, `{"ResultCode":0}`)
	}))
	t.Cleanup(srv.Close)
	var once sync.Once
	stop := func() { once.Do(func() { close(release) }) }
	t.Cleanup(stop)
	const max = 4
	s := startRelay(t, relay.Config{Web: &relay.WebConfig{BaseURL: srv.URL, PathCreate: "create", MaxInFlight: max}})
	flooder := connect(t, s, "flooder")
	var wg sync.WaitGroup
	for range max {
		wg.Go(func() { flooder.WebRPC(testContext(t), "slow", nil, false) })
	}
	for range max {
		<-inFlight
	}
	mustRoom(t)(connect(t, s, "victim").CreateRoom(testContext(t), "r", nil, nil))
	stop()
	wg.Wait()
	deadline := time.After(time.Second)
	for {
		select {
		case p := <-calls:
			if p == "/create" {
				return
			}
		case <-deadline:
			t.Fatal("the Create webhook of another client's room was dropped: one client's WebRPCs held every web slot")
		}
	}
}
