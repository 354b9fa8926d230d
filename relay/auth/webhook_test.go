package auth

import (
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuthenticateSuccess(t *testing.T) {
	tests := []struct {
		name     string
		response string
		req      Request
		want     Result
		randomID bool // want a random UserID instead of want.UserID
	}{
		{"webhook's user", `{"ResultCode":1,"UserId":"u-1","Nickname":"Neo","AuthCookie":{"k":"v"},"Data":{"d":1}}`,
			Request{UserID: "proposed", Nickname: "nick"},
			Result{UserID: "u-1", Nickname: "Neo", AuthCookie: map[string]any{"k": "v"}, Data: map[string]any{"d": 1.0}}, false},
		{"client's user", `{"ResultCode":1}`, Request{UserID: "proposed", Nickname: "nick"},
			Result{UserID: "proposed", Nickname: "nick"}, false},
		{"random user", `{"ResultCode":1,"Nickname":"Neo"}`, Request{}, Result{Nickname: "Neo"}, true},
		{"intermediate step", `{"ResultCode":0,"Data":{"challenge":"c1"}}`, Request{UserID: "proposed", Nickname: "nick"},
			Result{Continue: true, Data: map[string]any{"challenge": "c1"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, respond(tt.response))
			got, err := newWebhook(t, Config{URL: srv.URL}).Authenticate(t.Context(), &tt.req)
			if err != nil {
				t.Fatalf("Authenticate: got error %v, want nil", err)
			}
			if tt.randomID {
				if !isRandomID(got.UserID) {
					t.Errorf("UserID: got %q, want 32 hex digits", got.UserID)
				}
				got.UserID = ""
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("Authenticate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticateRandomIDsDiffer(t *testing.T) {
	w := newWebhook(t, Config{URL: newServer(t, respond(`{"ResultCode":1}`)).URL})
	a, errA := w.Authenticate(t.Context(), &Request{})
	b, errB := w.Authenticate(t.Context(), &Request{})
	if errA != nil || errB != nil || a.UserID == b.UserID {
		t.Errorf("got %v (%v) and %v (%v), want two different ids", a, errA, b, errB)
	}
}

func TestAuthenticateFailed(t *testing.T) {
	tests := []struct {
		name          string
		response      string
		want          *FailedError
		allowWhenDown bool
	}{
		{"wrong credentials", `{"ResultCode":2,"Message":"wrong password"}`, &FailedError{2, "wrong password"}, false},
		{"invalid parameters", `{"ResultCode":3,"Message":"no token"}`, &FailedError{3, "no token"}, false},
		{"wrong credentials, AllowWhenDown", `{"ResultCode":2,"Message":"banned"}`, &FailedError{2, "banned"}, true},
		{"invalid parameters, AllowWhenDown", `{"ResultCode":3}`, &FailedError{3, ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, respond(tt.response))
			w := newWebhook(t, Config{URL: srv.URL, AllowWhenDown: tt.allowWhenDown})
			res, err := w.Authenticate(t.Context(), &Request{UserID: "u"})
			fe, ok := errors.AsType[*FailedError](err)
			if !ok || res != nil {
				t.Fatalf("Authenticate: got %v, %v; want nil, a *FailedError", res, err)
			}
			if diff := cmp.Diff(tt.want, fe); diff != "" {
				t.Errorf("FailedError (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthenticateBody(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		wantMethod string
		wantType   string
	}{
		{"no data", nil, "GET", ""},
		{"JSON", []byte(`{"token":"abc"}`), "POST", "application/json"},
		{"JSON string", []byte(` "abc" `), "POST", "application/json"},
		{"binary", []byte{0x00, 0xff, 0x10}, "POST", "application/octet-stream"},
		{"text", []byte("token=abc"), "POST", "application/octet-stream"},
		{"empty", []byte{}, "POST", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, respond(`{"ResultCode":1}`))
			if _, err := newWebhook(t, Config{URL: srv.URL}).Authenticate(t.Context(), &Request{Data: tt.data}); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			got := srv.lastRequest()
			if got.Method != tt.wantMethod || got.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("got %s with Content-Type %q, want %s with %q",
					got.Method, got.Header.Get("Content-Type"), tt.wantMethod, tt.wantType)
			}
			if string(got.Body) != string(tt.data) {
				t.Errorf("body: got %q, want %q", got.Body, tt.data)
			}
		})
	}
}

func TestAuthenticateQuery(t *testing.T) {
	tests := []struct {
		name   string
		path   string // with the base URL's query
		params url.Values
		req    Request
		want   url.Values
	}{
		{"precedence", "/auth?base=url&kept=url&appId=url", url.Values{"shared": {"config"}, "secret": {"s3"}, "authType": {"config"}},
			Request{Type: Steam, AppID: "app", AppVersion: "1.2", UserID: "u1",
				Params: "token=abc&base=client&shared=client&appVersion=client&userId=client&multi=1&multi=2"},
			url.Values{"kept": {"url"}, "base": {"client"}, "shared": {"config"}, "secret": {"s3"}, "token": {"abc"},
				"multi": {"1", "2"}, "authType": {"steam"}, "appId": {"app"}, "appVersion": {"1.2"}, "userId": {"u1"}}},
		{"no user id proposed", "/", nil, Request{Type: Custom, AppID: "app", Params: "token=a%20b"},
			url.Values{"token": {"a b"}, "authType": {"custom"}, "appId": {"app"}, "appVersion": {""}}},
		{"no params", "/x/y", nil, Request{AppID: "app", AppVersion: "v"},
			url.Values{"authType": {"custom"}, "appId": {"app"}, "appVersion": {"v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, respond(`{"ResultCode":1}`))
			w := newWebhook(t, Config{URL: srv.URL + tt.path, Params: tt.params})
			if _, err := w.Authenticate(t.Context(), &tt.req); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			got := srv.lastRequest()
			if diff := cmp.Diff(tt.want, got.Query); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if wantPath := pathOf(tt.path); got.Path != wantPath {
				t.Errorf("path: got %q, want %q", got.Path, wantPath)
			}
		})
	}
}

// pathOf returns the path of a path with a query.
func pathOf(s string) string {
	u, _ := url.Parse(s)
	return u.Path
}

// TestAuthenticateTypes checks that every platform type reaches the webhook, named in
// the query and the headers.
func TestAuthenticateTypes(t *testing.T) {
	srv := newServer(t, respond(`{"ResultCode":1}`))
	w := newWebhook(t, Config{URL: srv.URL})
	for _, tt := range allTypes {
		if tt.typ == None {
			continue
		}
		req := &Request{Type: tt.typ, AppID: "app-1", AppVersion: "2.0"}
		if _, err := w.Authenticate(t.Context(), req); err != nil {
			t.Fatalf("Authenticate(%s): %v", tt.name, err)
		}
		got := srv.lastRequest()
		wantHeader := map[string]string{"Boson-Auth-Type": tt.name, "Boson-App-Id": "app-1", "Boson-App-Version": "2.0"}
		gotHeader := map[string]string{}
		for k := range wantHeader {
			gotHeader[k] = got.Header.Get(k)
		}
		if diff := cmp.Diff(wantHeader, gotHeader); diff != "" {
			t.Errorf("%s: headers (-want +got):\n%s", tt.name, diff)
		}
		if q := got.Query.Get("authType"); q != tt.name {
			t.Errorf("%s: authType: got %q, want %q", tt.name, q, tt.name)
		}
	}
}

// TestAuthenticateRefusedLocally checks requests refused before any HTTP call.
func TestAuthenticateRefusedLocally(t *testing.T) {
	tests := []struct {
		name    string
		req     Request
		wantErr error
	}{
		{"bad escape", Request{Params: "token=%zz"}, ErrBadParams},
		{"semicolon", Request{Params: "a=1;b=2"}, ErrBadParams},
		{"bad key escape", Request{Params: "%=1"}, ErrBadParams},
		{"type none", Request{Type: None}, ErrTypeNone},
		{"unknown type", Request{Type: 7}, ErrUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, respond(`{"ResultCode":1}`))
			w := newWebhook(t, Config{URL: srv.URL, AllowWhenDown: true})
			res, err := w.Authenticate(t.Context(), &tt.req)
			if !errors.Is(err, tt.wantErr) || res != nil {
				t.Errorf("Authenticate: got %v, %v; want nil, %v", res, err, tt.wantErr)
			}
			if n := srv.requests.Load(); n != 0 {
				t.Errorf("webhook calls: got %d, want 0", n)
			}
		})
	}
}

// TestAuthenticateConcurrent runs calls in parallel (for the race detector).
func TestAuthenticateConcurrent(t *testing.T) {
	srv := newServer(t, respond(`{"ResultCode":1}`))
	w := newWebhook(t, Config{URL: srv.URL, Params: url.Values{"key": {"k"}}})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			id := fmt.Sprint("user-", i)
			res, err := w.Authenticate(t.Context(), &Request{UserID: id, Params: "n=" + id})
			if err != nil || res.UserID != id {
				t.Errorf("Authenticate(%s): got %v, %v; want UserID %s", id, res, err, id)
			}
		})
	}
	wg.Wait()
}
