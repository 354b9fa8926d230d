package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeResponse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Result
	}{
		{"success", `{"ResultCode":1,"UserId":"u1","Nickname":"Neo","AuthCookie":{"k":"v"},"Data":{"n":2}}`,
			&Result{UserID: "u1", Nickname: "Neo", AuthCookie: map[string]any{"k": "v"}, Data: map[string]any{"n": 2.0}}},
		{"success, bare", `{"ResultCode":1}`, &Result{}},
		{"success, lowercase keys", ` {"resultCode":1,"userId":"u1"} `, &Result{UserID: "u1"}},
		{"success, unknown fields", `{"ResultCode":1,"Extra":[1,{}]}`, &Result{}},
		{"intermediate", `{"ResultCode":0,"Data":{"step":"2"},"UserId":"ignored"}`,
			&Result{Continue: true, Data: map[string]any{"step": "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeResponse([]byte(tt.in))
			if err != nil {
				t.Fatalf("decodeResponse: got error %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeResponse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeResponseFailed(t *testing.T) {
	tests := []struct {
		in      string
		want    *FailedError
		wantMsg string
	}{
		{`{"ResultCode":2,"Message":"wrong password"}`, &FailedError{2, "wrong password"},
			"auth: authentication failed (ResultCode 2): wrong password"},
		{`{"ResultCode":3,"Message":"token missing"}`, &FailedError{3, "token missing"},
			"auth: invalid auth parameters (ResultCode 3): token missing"},
		{`{"ResultCode":2}`, &FailedError{2, ""}, "auth: authentication failed (ResultCode 2)"},
	}
	for _, tt := range tests {
		_, err := decodeResponse([]byte(tt.in))
		fe, ok := errors.AsType[*FailedError](err)
		if !ok {
			t.Errorf("decodeResponse(%s): got %v, want a *FailedError", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, fe); diff != "" {
			t.Errorf("decodeResponse(%s) (-want +got):\n%s", tt.in, diff)
		}
		if err.Error() != tt.wantMsg {
			t.Errorf("decodeResponse(%s): got %q, want %q", tt.in, err, tt.wantMsg)
		}
	}
}

func TestDecodeResponseUnavailable(t *testing.T) {
	tests := []struct {
		name, in, wantMsg string
	}{
		{"empty", ``, "auth webhook: response is not JSON: unexpected end of JSON input"},
		{"html", `<html>502</html>`, "auth webhook: response is not JSON: invalid character '<'"},
		{"truncated", `{"ResultCode":1`, "auth webhook: response is not JSON"},
		{"trailing garbage", `{"ResultCode":1}x`, "auth webhook: response is not JSON"},
		{"array", `[{"ResultCode":1}]`, "auth webhook: response is not a JSON object"},
		{"string", `"ok"`, "auth webhook: response is not a JSON object"},
		{"null", `null`, "auth webhook: response is not a JSON object"},
		{"number", `1`, "auth webhook: response is not a JSON object"},
		{"missing ResultCode", `{"UserId":"u1"}`, "auth webhook: ResultCode missing"},
		{"null ResultCode", `{"ResultCode":null}`, "auth webhook: ResultCode missing"},
		{"string ResultCode", `{"ResultCode":"1"}`, "auth webhook: ResultCode is not an integer"},
		{"float ResultCode", `{"ResultCode":1.5}`, "auth webhook: ResultCode is not an integer"},
		{"huge ResultCode", `{"ResultCode":1e40}`, "auth webhook: ResultCode is not an integer"},
		{"unknown ResultCode", `{"ResultCode":4}`, "auth webhook: unknown ResultCode 4"},
		{"negative ResultCode", `{"ResultCode":-1}`, "auth webhook: unknown ResultCode -1"},
		{"Data not an object", `{"ResultCode":1,"Data":[1]}`, "auth webhook: malformed response"},
		{"numeric UserId", `{"ResultCode":1,"UserId":42}`, "auth webhook: malformed response"},
		{"deep nesting", `{"ResultCode":1,"Data":` + strings.Repeat("[", 20000) + `}`, "auth webhook: response is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := decodeResponse([]byte(tt.in))
			if _, ok := errors.AsType[*UnavailableError](err); !ok || res != nil {
				t.Fatalf("decodeResponse: got %v, %v; want nil, an *UnavailableError", res, err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("decodeResponse: got %q, want prefix %q", err, tt.wantMsg)
			}
		})
	}
}

// FuzzDecodeResponse checks that decodeResponse never panics and always returns
// either a result or one of the package's two error types, consistent with each other.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"ResultCode":1,"UserId":"u","AuthCookie":{"a":1},"Data":{"b":[true]}}`))
	f.Add([]byte(`{"ResultCode":0,"Data":{}}`))
	f.Add([]byte(`{"ResultCode":3,"Message":"m"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := decodeResponse(b)
		if (res == nil) == (err == nil) {
			t.Fatalf("got %v, %v; want exactly one of a result and an error", res, err)
		}
		fe, failed := errors.AsType[*FailedError](err)
		_, down := errors.AsType[*UnavailableError](err)
		if err != nil && failed == down {
			t.Fatalf("got error %T %v, want either a *FailedError or an *UnavailableError", err, err)
		}
		if failed && fe.ResultCode != CodeFailed && fe.ResultCode != CodeInvalidParams {
			t.Fatalf("got FailedError with ResultCode %d", fe.ResultCode)
		}
		if res != nil && res.Continue && (res.UserID != "" || res.AuthCookie != nil || res.Anonymous) {
			t.Fatalf("got intermediate result %+v with more than Data", res)
		}
	})
}
