package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Webhook calls a custom authentication webhook. It is safe for concurrent use. It
// starts no goroutines and has nothing to close; idle connections belong to
// [Config.Client]'s transport.
type Webhook struct {
	base          *url.URL
	params        url.Values
	timeout       time.Duration
	maxBytes      int64
	allowWhenDown bool
	client        *http.Client
	log           *slog.Logger
}

// Request is a client's attempt to authenticate, as the relay received it.
type Request struct {
	Type       Type   // the kind of credentials; not None
	AppID      string // the application the client connects to
	AppVersion string // the client's application version
	UserID     string // the user id the client proposes, or empty
	Nickname   string // the client's nickname, or empty
	// Params are the client's auth parameters, a query string such as "token=abc&x=1".
	Params string
	// Data is the client's auth data, sent as the body of a POST; nil sends a GET.
	// Authenticate neither modifies nor retains it.
	Data []byte
}

// New returns a Webhook that calls cfg.URL. It copies cfg, so later changes to cfg,
// its Params or its Client do not affect the Webhook. The error matches
// [ErrInvalidConfig] if cfg is not usable.
func New(cfg Config) (*Webhook, error) {
	c := cfg.clone()
	c.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(c.URL) // validate checked it
	return &Webhook{
		base:          base,
		params:        c.Params,
		timeout:       c.Timeout,
		maxBytes:      c.MaxResponseBytes,
		allowWhenDown: c.AllowWhenDown,
		client:        c.Client,
		log:           c.Logger,
	}, nil
}

// Authenticate asks the webhook about req, which must not be nil, and returns the
// webhook's decision:
//
//   - a [Result] with Continue set for an intermediate step (ResultCode 0);
//   - a [Result] for an admitted client (ResultCode 1), whose UserID is the webhook's,
//     else the client's proposal, else a random id;
//   - a [*FailedError] for a refused client (ResultCode 2 or 3);
//   - an [*UnavailableError] if the webhook is down or misbehaves. If
//     [Config.AllowWhenDown] is set, Authenticate instead logs a warning and admits the
//     client anonymously: a Result with Anonymous set, the client's proposed UserID
//     (or a random id) and Nickname, and no AuthCookie or Data.
//
// Malformed client parameters are an error matching [ErrBadParams], and a Type of
// [None] or an unknown Type an error matching [ErrTypeNone] or [ErrUnknownType]; the
// webhook is not called then. If ctx ends first, the error wraps ctx's error; it is
// not an UnavailableError, and it never admits the client.
func (w *Webhook) Authenticate(ctx context.Context, req *Request) (*Result, error) {
	u, err := w.target(req)
	if err != nil {
		return nil, err
	}
	res, err := w.call(ctx, u, req)
	if ue, ok := errors.AsType[*UnavailableError](err); ok && w.allowWhenDown {
		w.log.WarnContext(ctx, "auth webhook unavailable, admitting client anonymously",
			"authType", req.Type, "appId", req.AppID, "err", ue)
		return &Result{UserID: idOrRandom(req.UserID), Nickname: req.Nickname, Anonymous: true}, nil
	}
	if err != nil {
		return nil, err
	}
	if !res.Continue {
		res.UserID = idOrRandom(res.UserID, req.UserID)
		res.Nickname = cmp.Or(res.Nickname, req.Nickname)
	}
	return res, nil
}

// target returns the URL to call for req: the configured URL with the merged query.
func (w *Webhook) target(req *Request) (*url.URL, error) {
	if req.Type == None {
		return nil, ErrTypeNone
	}
	if _, ok := typeNames[req.Type]; !ok {
		return nil, fmt.Errorf("%w %d", ErrUnknownType, uint8(req.Type))
	}
	client, err := url.ParseQuery(req.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadParams, err)
	}
	q := w.base.Query()
	override(q, client)
	override(q, w.params)
	override(q, relayParams(req))
	u := *w.base
	u.RawQuery = q.Encode()
	return &u, nil
}

// override replaces the values of q's keys that are in with by those of with.
func override(q, with url.Values) {
	for k, vs := range with {
		q[k] = vs
	}
}

// relayParams are the parameters the relay sets, which override all others.
func relayParams(req *Request) url.Values {
	v := url.Values{
		"authType":   {req.Type.String()},
		"appId":      {req.AppID},
		"appVersion": {req.AppVersion},
	}
	if req.UserID != "" {
		v.Set("userId", req.UserID)
	}
	return v
}

// call sends req to u and decodes the answer, all within w.timeout.
func (w *Webhook) call(ctx context.Context, u *url.URL, req *Request) (*Result, error) {
	cctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	hreq, err := newHTTPRequest(cctx, u, req)
	if err != nil {
		return nil, err
	}
	resp, err := w.client.Do(hreq)
	if err != nil {
		return nil, w.callError(ctx, cctx, "request failed", err)
	}
	defer resp.Body.Close()
	if err := checkStatus(resp.StatusCode); err != nil {
		return nil, err
	}
	body, err := w.readBody(resp)
	if err != nil {
		return nil, w.callError(ctx, cctx, "reading response failed", err)
	}
	return decodeResponse(body)
}

// newHTTPRequest returns a GET for a request without data, else a POST of the data.
func newHTTPRequest(ctx context.Context, u *url.URL, req *Request) (*http.Request, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if req.Data != nil {
		method, body = http.MethodPost, bytes.NewReader(req.Data)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("auth: building request: %w", unwrapURLError(err))
	}
	if req.Data != nil {
		hreq.Header.Set("Content-Type", contentType(req.Data))
	}
	hreq.Header.Set("Boson-Auth-Type", req.Type.String())
	hreq.Header.Set("Boson-App-Id", req.AppID)
	hreq.Header.Set("Boson-App-Version", req.AppVersion)
	return hreq, nil
}

func contentType(data []byte) string {
	if json.Valid(data) {
		return "application/json"
	}
	return "application/octet-stream"
}

// checkStatus accepts 2xx statuses only; redirects are not followed.
func checkStatus(code int) error {
	if code >= 200 && code <= 299 {
		return nil
	}
	reason := fmt.Sprintf("status %d %s", code, http.StatusText(code))
	if code >= 300 && code <= 399 {
		reason += " (redirects are not followed)"
	}
	return &UnavailableError{Reason: reason}
}

// readBody reads the response body, which must not exceed w.maxBytes.
func (w *Webhook) readBody(resp *http.Response) ([]byte, error) {
	tooLarge := &UnavailableError{Reason: fmt.Sprintf("response larger than %d bytes", w.maxBytes)}
	if resp.ContentLength > w.maxBytes {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, w.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > w.maxBytes {
		return nil, tooLarge
	}
	return b, nil
}

// callError classifies err, which ended a call made under cctx, a child of ctx. The
// caller's own cancellation is not the webhook's fault, so it is not an
// UnavailableError. The error never contains the URL, whose query may hold secrets.
func (w *Webhook) callError(ctx, cctx context.Context, what string, err error) error {
	if ue, ok := errors.AsType[*UnavailableError](err); ok {
		return ue
	}
	if ctx.Err() != nil {
		return fmt.Errorf("auth: %w", ctx.Err())
	}
	ue := &UnavailableError{Reason: what, Err: unwrapURLError(err)}
	if cctx.Err() != nil || ue.Timeout() {
		ue.Reason = fmt.Sprintf("timed out after %v", w.timeout)
	}
	return ue
}

// unwrapURLError strips a *url.Error, whose message holds the URL.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// idOrRandom returns the first non-empty id, or else a random id of 32 hex digits.
func idOrRandom(ids ...string) string {
	if id := cmp.Or(ids...); id != "" {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read crashes the program instead)
	return hex.EncodeToString(b[:])
}
