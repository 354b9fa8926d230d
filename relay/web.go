package relay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	pathpkg "path"
	"strings"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// WebConfig points the relay at the app's web service, for WebRPC and for the room
// webhooks (Photon's web extensions). Paths are appended to BaseURL; an empty path is
// never called.
type WebConfig struct {
	// BaseURL is the web service, e.g. "https://api.example.com/game". The tags
	// {AppId} and {AppVersion} are replaced with the caller's app id and version.
	BaseURL string
	// Headers are added to every call (Content-Type is always application/json).
	Headers map[string]string
	// PathCreate, PathJoin, PathLeave, PathEvent, PathGameProperties and PathClose are
	// the room webhooks: a room was created, a player joined, a player left, an
	// event or a property change was sent with the web-forward flag, a room closed.
	PathCreate, PathJoin, PathLeave, PathEvent, PathGameProperties, PathClose string
	// ErrorInfo sends the room's players an ErrorInfo event (CodeWebhookFailed) when a
	// webhook fails (no answer, an HTTP error, or a ResultCode other than 0).
	ErrorInfo bool
	// Timeout bounds one call. If zero, 5s.
	Timeout time.Duration
	// MaxInFlight bounds the WebRPCs in flight, and separately the webhooks in flight;
	// webhooks beyond it are dropped (and counted), WebRPCs refused with
	// CodeHTTPLimitReached (also beyond 4 per client). If zero, 64.
	MaxInFlight int
	// MaxResponseBytes bounds an answer. If zero, 64 KiB.
	MaxResponseBytes int64
	// Client makes the calls. If nil, a client without redirects.
	Client *http.Client
}

func (c *WebConfig) withDefaults() {
	c.Timeout = cmp.Or(c.Timeout, 5*time.Second)
	c.MaxInFlight = cmp.Or(c.MaxInFlight, 64)
	c.MaxResponseBytes = cmp.Or(c.MaxResponseBytes, 64<<10)
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
}

func (c *WebConfig) validate() error {
	u, err := url.Parse(strings.NewReplacer("{AppId}", "a", "{AppVersion}", "v").Replace(c.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: web base URL %q: want http(s)://host/path", ErrBadConfig, c.BaseURL)
	}
	return nil
}

// webAnswer is what the web service returns: {"ResultCode": 0, "Message": "", "Data": ...}.
type webAnswer struct {
	ResultCode *int64
	Message    string
	Data       any
}

// errWebResult is a ResultCode other than 0.
var errWebResult = errors.New("relay: web service returned an error ResultCode")

// webCall POSTs args as JSON to the path and reads the answer. It blocks; callers run
// it on a goroutine of their own.
func (s *Server) webCall(key worldKey, path string, args map[string]any) (*webAnswer, error) {
	w := s.cfg.Web
	if strings.Contains(w.BaseURL, "{App") && (dotSegment(key.app) || dotSegment(key.version)) {
		return nil, fmt.Errorf("relay: app id %q or version %q cannot name a path segment", key.app, key.version)
	}
	base := strings.NewReplacer("{AppId}", url.PathEscape(key.app), "{AppVersion}", url.PathEscape(key.version)).Replace(w.BaseURL)
	body, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/"+strings.TrimPrefix(path, "/"), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if bu, err := url.Parse(base); err != nil || !strings.HasPrefix(pathpkg.Clean("/"+req.URL.Path)+"/", strings.TrimSuffix(pathpkg.Clean("/"+bu.Path), "/")+"/") {
		return nil, fmt.Errorf("relay: web call %q leaves the base URL", req.URL.Path)
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	status, b, err := postJSON(w.Client, req, w.MaxResponseBytes)
	if err != nil {
		return nil, err
	}
	if status/100 != 2 {
		return nil, fmt.Errorf("relay: web service answered %d %s", status, http.StatusText(status))
	}
	if int64(len(b)) > w.MaxResponseBytes {
		return nil, fmt.Errorf("relay: web service answer over %d bytes", w.MaxResponseBytes)
	}
	var a webAnswer
	if err := json.Unmarshal(b, &a); err != nil || a.ResultCode == nil {
		return nil, fmt.Errorf("relay: web service answer is not {\"ResultCode\": ...}: %.80q", b)
	}
	return &a, nil
}

// postJSON sends req (a POST of a JSON body) and returns the answer's status and at
// most limit+1 bytes of its body, so that the caller can tell an answer over limit.
// The web service's and the friends webhook's calls share it.
func postJSON(c *http.Client, req *http.Request, limit int64) (status int, body []byte, err error) {
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	return resp.StatusCode, body, err
}

// webRPC runs a WebRPC: the relay POSTs the client's path and parameters to the web
// service and answers with its ResultCode, Message and Data.
func (sess *session) webRPC(req *protocol.Request) *protocol.Response {
	if sess.s.cfg.Web == nil {
		return fail(protocol.CodeInvalidOperation, "this relay has no web service configured")
	}
	path, err1 := req.Params.Str(protocol.ParamURIPath, "")
	cookie, err2 := req.Params.Bool(protocol.ParamSendAuthCookie, false)
	if err := errors.Join(err1, err2); err != nil {
		return badParam(err)
	}
	if !safeRPCPath(path) {
		return fail(protocol.CodeInvalidRequest, "a WebRPC path is 1 to 256 bytes of letters, digits and - _ . / ~, with no \".\" or \"..\" segment")
	}
	sess.mu.Lock()
	args := map[string]any{"AppId": sess.key.app, "AppVersion": sess.key.version, "UserId": sess.userID,
		"NickName": sess.nickname, "RpcParams": req.Params[protocol.ParamRPCParams]} // bytes go as base64
	if cookie && sess.cookie != nil {
		args["AuthCookie"] = sess.cookie
	}
	key := sess.key
	sess.mu.Unlock()
	if sess.rpcs.Add(1) > maxRPCsPerSession {
		sess.rpcs.Add(-1)
		return fail(protocol.CodeHTTPLimitReached, "at most "+itoa64(maxRPCsPerSession)+" WebRPCs in flight per client")
	}
	if !sess.s.takeWebSlot(false) {
		sess.rpcs.Add(-1)
		return fail(protocol.CodeHTTPLimitReached, "too many web calls in flight")
	}
	op, id := req.Op, req.ID
	if !sess.s.spawn(func() {
		defer sess.rpcs.Add(-1)
		defer sess.s.releaseWebSlot(false)
		a, err := sess.s.webCall(key, path, args)
		if err != nil {
			sess.s.log.Warn("relay: WebRPC failed", "path", path, "err", err) // the client gets no details
		}
		respond(sess.conn, webRPCResponse(op, id, a, err))
	}) {
		sess.s.releaseWebSlot(false)
		sess.rpcs.Add(-1)
		return fail(protocol.CodeInternalServerError, "the relay is shutting down")
	}
	return nil
}

// safeRPCPath says whether a client's WebRPC path stays under the base URL: plain
// characters only (no %, ?, #, \ or controls), and no "." or ".." segments.
func safeRPCPath(p string) bool {
	if p == "" || len(p) > 256 {
		return false
	}
	for _, c := range []byte(p) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./~", c) >= 0
		if !ok {
			return false
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func webRPCResponse(op protocol.Op, id uint32, a *webAnswer, err error) *protocol.Response {
	if err != nil {
		return &protocol.Response{Op: op, ID: id, Code: protocol.CodeExternalHTTPCallFailed, Message: "WebRPC: the web service failed"}
	}
	p := protocol.Params{protocol.ParamResultCode: *a.ResultCode, protocol.ParamMessage: a.Message}
	if a.Data != nil {
		if v, err := protocol.Normalize(jsonValue(a.Data)); err == nil {
			p[protocol.ParamData] = v
		}
	}
	return &protocol.Response{Op: op, ID: id, Params: p}
}

// maxRPCsPerSession bounds the WebRPCs one client may have in flight.
const maxRPCsPerSession = 4

// takeWebSlot takes a slot for a WebRPC (or, with hook set, a webhook: they have
// their own slots, so that clients' WebRPCs cannot starve the room webhooks).
func (s *Server) takeWebSlot(hook bool) bool {
	sem := s.webSem
	if hook {
		sem = s.hookSem
	}
	select {
	case sem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) releaseWebSlot(hook bool) {
	if hook {
		<-s.hookSem
	} else {
		<-s.webSem
	}
}

// hookKind names a room webhook.
type hookKind uint8

const (
	hookCreate hookKind = iota
	hookJoin
	hookLeave
	hookEvent
	hookGameProperties
	hookClose
)

func (c *WebConfig) path(k hookKind) string {
	return [...]string{c.PathCreate, c.PathJoin, c.PathLeave, c.PathEvent, c.PathGameProperties, c.PathClose}[k]
}

// hookLocked calls a room webhook on its own goroutine, if its path is set (r.mu
// held: the arguments are the room's state at the time; the calls of one room may
// overlap). Common arguments (AppId,
// AppVersion, GameId, Type) are added to args. A failure is counted, logged and, with
// ErrorInfo, told to the room.
func (r *room) hookLocked(kind hookKind, typ string, args map[string]any) {
	s := r.s
	if s.cfg.Web == nil || s.cfg.Web.path(kind) == "" {
		return
	}
	path := s.cfg.Web.path(kind)
	args["AppId"], args["AppVersion"], args["GameId"], args["Type"] = r.world.key.app, r.world.key.version, r.name, typ
	if !s.takeWebSlot(true) {
		s.stats.hooksDropped.Add(1)
		return
	}
	if !s.spawn(func() {
		defer s.releaseWebSlot(true)
		a, err := s.webCall(r.world.key, path, args)
		if err == nil && *a.ResultCode != 0 {
			err = fmt.Errorf("%w %d: %s", errWebResult, *a.ResultCode, a.Message)
		}
		if err != nil {
			s.stats.hooksFailed.Add(1)
			s.log.Warn("relay: room webhook failed", "path", path, "room", r.name, "err", err)
			r.webhookFailed(typ, err)
		}
	}) {
		s.releaseWebSlot(true)
	}
}

// webhookFailed tells the room's players, if the relay is set to.
func (r *room) webhookFailed(typ string, err error) {
	if !r.s.cfg.Web.ErrorInfo {
		return
	}
	msg := "webhook " + typ + " failed"
	if errors.Is(err, errWebResult) {
		msg += ": " + err.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.broadcastLocked(&protocol.Event{Code: protocol.EventErrorInfo, Params: protocol.Params{
			protocol.ParamErrorCode: int64(protocol.CodeWebhookFailed), protocol.ParamMessage: msg,
		}}, nil)
	}
}

// actorArgs are the webhook arguments that name an actor.
func actorArgs(a *actor) map[string]any {
	return map[string]any{"ActorNr": a.nr, "UserId": a.userID, "NickName": a.nickname}
}

// dotSegment says whether s would be a "." or ".." path segment.
func dotSegment(s string) bool { return s == "." || s == ".." }
