package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Result is the outcome of a successful call to [Webhook.Authenticate].
type Result struct {
	// Continue reports an intermediate step (ResultCode [CodeContinue]): the relay
	// sends Data to the client, which then authenticates again. The other fields but
	// Data are empty.
	Continue bool
	// UserID is the user id the webhook chose, or else the one the client proposed, or
	// else a random id of 32 hex digits. Never empty when Continue is false.
	UserID string
	// Nickname is the webhook's nickname for the user, or else the client's.
	Nickname string
	// AuthCookie is kept on the relay (e.g. for webhooks of later events) and must
	// never be sent to the client. Nil if the webhook sent none.
	AuthCookie map[string]any
	// Data goes to the client. Nil if the webhook sent none.
	Data map[string]any
	// Anonymous reports that the client was admitted without the webhook's consent,
	// because the webhook was unavailable and [Config.AllowWhenDown] is set. UserID is
	// then the client's own proposal: it proves nothing.
	Anonymous bool
}

// response is the webhook's JSON answer. Field names match case-insensitively.
type response struct {
	ResultCode json.RawMessage
	UserID     string `json:"UserId"`
	Nickname   string
	AuthCookie map[string]any
	Data       map[string]any
	Message    string
}

// decodeResponse decodes a webhook response body. It returns the result for
// CodeOK and CodeContinue (UserID and Nickname as the webhook sent them, possibly
// empty), a *FailedError for CodeFailed and CodeInvalidParams, and an
// *UnavailableError for anything else. It never panics.
func decodeResponse(b []byte) (*Result, error) {
	var r response
	if err := unmarshalObject(b, &r); err != nil {
		return nil, err
	}
	code, err := resultCode(r.ResultCode)
	if err != nil {
		return nil, err
	}
	switch code {
	case CodeContinue:
		return &Result{Continue: true, Data: r.Data}, nil
	case CodeOK:
		return &Result{UserID: r.UserID, Nickname: r.Nickname, AuthCookie: r.AuthCookie, Data: r.Data}, nil
	case CodeFailed, CodeInvalidParams:
		return nil, &FailedError{ResultCode: code, Message: r.Message}
	}
	return nil, &UnavailableError{Reason: fmt.Sprintf("unknown ResultCode %d", code)}
}

// unmarshalObject decodes b, which must be a JSON object, into r.
func unmarshalObject(b []byte, r *response) error {
	err := json.Unmarshal(b, r)
	if _, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &UnavailableError{Reason: "response is not JSON", Err: err}
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return &UnavailableError{Reason: "response is not a JSON object"}
	}
	if err != nil {
		return &UnavailableError{Reason: "malformed response", Err: err}
	}
	return nil
}

// resultCode decodes the ResultCode field, which must be an integer.
func resultCode(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, &UnavailableError{Reason: "ResultCode missing"}
	}
	var code int
	if err := json.Unmarshal(raw, &code); err != nil {
		return 0, &UnavailableError{Reason: "ResultCode is not an integer", Err: err}
	}
	return code, nil
}
