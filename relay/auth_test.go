package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// webhook is a real HTTP auth service on loopback answering with reply.
func webhook(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) string {
	srv := httptest.NewServer(http.HandlerFunc(reply))
	t.Cleanup(srv.Close)
	return srv.URL
}

func jsonReply(v any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(v) }
}

func TestCustomAuthentication(t *testing.T) {
	tests := []struct {
		name      string
		reply     func(http.ResponseWriter, *http.Request)
		want      protocol.Code
		wantUser  string
		wantNick  string
		wantLevel any
	}{
		{"success", jsonReply(map[string]any{"ResultCode": 1, "UserId": "u-42", "Nickname": "Ace",
			"AuthCookie": map[string]any{"secret": "s"}, "Data": map[string]any{"level": 3}}),
			protocol.OK, "u-42", "Ace", int64(3)},
		{"wrong credentials", jsonReply(map[string]any{"ResultCode": 2, "Message": "bad token"}), protocol.CodeCustomAuthenticationFailed, "", "", nil},
		{"invalid parameters", jsonReply(map[string]any{"ResultCode": 3, "Message": "no token"}), protocol.CodeCustomAuthenticationFailed, "", "", nil},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusServiceUnavailable) }, protocol.CodeAuthServiceUnavailable, "", "", nil},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) }, protocol.CodeAuthServiceUnavailable, "", "", nil},
		{"timeout", func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, protocol.CodeAuthServiceUnavailable, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startRelay(t, relay.Config{Webhook: &auth.Config{URL: webhook(t, tt.reply), Timeout: 300 * time.Millisecond}})
			p, err := tryConnect(t, s, &client.Options{AppID: "game", Nickname: "n",
				Auth: client.Auth{Type: auth.Custom, Params: "token=abc"}})
			if tt.want != protocol.OK {
				wantCode(t, err, tt.want)
				return
			}
			must(t, err)
			if p.UserID() != tt.wantUser || p.Nickname() != tt.wantNick || p.AuthData()["level"] != tt.wantLevel {
				t.Fatalf("admitted as %q %q with data %v", p.UserID(), p.Nickname(), p.AuthData())
			}
		})
	}
}

func TestCustomAuthenticationIntermediateStep(t *testing.T) {
	url := webhook(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("code") {
		case "":
			jsonReply(map[string]any{"ResultCode": 0, "Data": map[string]any{"challenge": "c1"}})(w, r)
		case "answer-c1":
			jsonReply(map[string]any{"ResultCode": 1, "UserId": "two-step"})(w, r)
		default:
			jsonReply(map[string]any{"ResultCode": 2, "Message": "wrong answer"})(w, r)
		}
	})
	s := startRelay(t, relay.Config{Webhook: &auth.Config{URL: url}})
	_, err := tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.Custom}})
	var step *client.AuthStepError
	if !errors.As(err, &step) || step.Data["challenge"] != "c1" {
		t.Fatalf("without AuthStep: got %v, want an AuthStepError with the challenge", err)
	}
	p, err := tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.Custom},
		AuthStep: func(_ context.Context, data map[string]any) (client.Auth, error) {
			return client.Auth{Type: auth.Custom, Params: "code=answer-" + data["challenge"].(string)}, nil
		}})
	must(t, err)
	if p.UserID() != "two-step" {
		t.Fatalf("user %q, want two-step", p.UserID())
	}
}

func TestPlatformTypesReachTheWebhookWithTheirType(t *testing.T) {
	got := make(chan string, 1)
	url := webhook(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query().Get("authType")
		jsonReply(map[string]any{"ResultCode": 1})(w, r)
	})
	s := startRelay(t, relay.Config{Webhook: &auth.Config{URL: url}})
	_, err := tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.Steam, Params: "ticket=t"}})
	must(t, err)
	if typ := <-got; typ != "steam" {
		t.Fatalf("webhook saw auth type %q, want steam", typ)
	}
}

func TestAnonymousClients(t *testing.T) {
	s := startRelay(t, relay.Config{RequireAuth: true})
	_, err := tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.None}})
	wantCode(t, err, protocol.CodeInvalidAuthentication)
	_, err = tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.Custom}})
	wantCode(t, err, protocol.CodeInvalidAuthentication) // no webhook configured

	s = startRelay(t, relay.Config{AppIDs: []string{"game"}})
	_, err = tryConnect(t, s, &client.Options{AppID: "other", Auth: client.Auth{Type: auth.None}})
	wantCode(t, err, protocol.CodeInvalidAuthentication)
	p, err := tryConnect(t, s, &client.Options{AppID: "game", Auth: client.Auth{Type: auth.None}})
	must(t, err)
	if len(p.UserID()) != 32 {
		t.Fatalf("anonymous user id %q, want a random id", p.UserID())
	}
}
