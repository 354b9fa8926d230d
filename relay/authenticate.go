package relay

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/protocol"
)

// authRequest is what a client's Authenticate asks for.
type authRequest struct {
	key      worldKey
	userID   string
	nickname string
	typ      auth.Type
	params   string
	data     []byte
	stats    bool // send this client lobby stats
}

// authenticate checks the protocol version and app, then admits the client
// anonymously or asks the webhook (on another goroutine; the response comes later).
func (sess *session) authenticate(r *protocol.Request) *protocol.Response {
	sess.mu.Lock()
	state := sess.state
	sess.mu.Unlock()
	if state != stateNew {
		return fail(protocol.CodeOperationNotAllowedInState, "already authenticated or authenticating")
	}
	if resp := checkVersion(r.Params); resp != nil {
		return resp
	}
	req, err := readAuthRequest(r.Params)
	if err != nil {
		return badParam(err)
	}
	cfg := &sess.s.cfg
	if len(cfg.AppIDs) > 0 && !slices.Contains(cfg.AppIDs, req.key.app) {
		return fail(protocol.CodeInvalidAuthentication, "unknown app id "+quote(req.key.app))
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.state != stateNew {
		return fail(protocol.CodeOperationNotAllowedInState, "already authenticated or authenticating")
	}
	sess.lobbyStats = req.stats
	if req.typ == auth.None {
		if cfg.RequireAuth {
			return fail(protocol.CodeInvalidAuthentication, "this relay does not allow anonymous clients")
		}
		res := &auth.Result{UserID: req.userID, Nickname: req.nickname, Anonymous: true}
		if res.UserID == "" {
			res.UserID = randomID()
		}
		return sess.admitLocked(req.key, res)
	}
	if sess.s.hook == nil {
		return fail(protocol.CodeInvalidAuthentication, "this relay has no custom authentication configured")
	}
	sess.state = stateAuthenticating
	id := r.ID
	if !sess.s.spawn(func() { sess.callWebhook(id, req) }) {
		sess.state = stateNew
		return fail(protocol.CodeInternalServerError, "the relay is shutting down")
	}
	return nil
}

func checkVersion(p protocol.Params) *protocol.Response {
	v, err := p.Int(protocol.ParamProtocolVersion, 0)
	if err != nil {
		return badParam(err)
	}
	if v < protocol.MinVersion || v > protocol.Version {
		resp := fail(protocol.CodeUnsupportedVersion, "protocol version "+itoa64(v)+" is not supported: this relay speaks "+
			itoa64(protocol.MinVersion)+" to "+itoa64(protocol.Version))
		resp.Params = protocol.Params{protocol.ParamMinVersion: int64(protocol.MinVersion), protocol.ParamMaxVersion: int64(protocol.Version)}
		return resp
	}
	return nil
}

func readAuthRequest(p protocol.Params) (*authRequest, error) {
	var req authRequest
	var errs [8]error
	var typ int64
	req.key.app, errs[0] = p.Str(protocol.ParamAppID, "")
	req.key.version, errs[1] = p.Str(protocol.ParamAppVersion, "")
	req.userID, errs[2] = p.Str(protocol.ParamUserID, "")
	req.nickname, errs[3] = p.Str(protocol.ParamNickname, "")
	typ, errs[4] = p.IntIn(protocol.ParamAuthType, int64(auth.None), 0, 255)
	req.params, errs[5] = p.Str(protocol.ParamAuthParams, "")
	req.data, errs[6] = p.Bytes(protocol.ParamAuthData)
	req.stats, errs[7] = p.Bool(protocol.ParamLobbyStats, false)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	if req.key.app == "" {
		return nil, errors.New("relay: an app id is required")
	}
	if len(req.key.app) > 128 || len(req.key.version) > 128 || len(req.userID) > 128 || len(req.nickname) > 128 {
		return nil, errors.New("relay: app id, app version, user id and nickname are at most 128 bytes")
	}
	req.typ = auth.Type(typ)
	return &req, nil
}

// callWebhook runs on its own goroutine: it waits for a free call slot, asks the
// webhook, and answers the client.
func (sess *session) callWebhook(id uint32, req *authRequest) {
	s := sess.s
	select {
	case s.authSem <- struct{}{}:
		defer func() { <-s.authSem }()
	case <-s.ctx.Done():
		return
	}
	res, err := s.hook.Authenticate(s.ctx, &auth.Request{
		Type: req.typ, AppID: req.key.app, AppVersion: req.key.version,
		UserID: req.userID, Nickname: req.nickname, Params: req.params, Data: req.data,
	})
	sess.mu.Lock()
	var resp *protocol.Response
	switch {
	case sess.gone:
	case err != nil:
		sess.state = stateNew
		resp = authFailure(err)
		s.log.Info("custom authentication did not admit a client", "addr", sess.conn.RemoteAddr(), "err", err)
	case res.Continue:
		sess.state = stateNew
		resp = &protocol.Response{Params: protocol.Params{protocol.ParamAuthContinue: true, protocol.ParamData: jsonMap(res.Data)}}
	default:
		resp = sess.admitLocked(req.key, res)
	}
	sess.mu.Unlock()
	if resp != nil {
		resp.Op, resp.ID = protocol.OpAuthenticate, id
		respond(sess.conn, resp)
	}
}

// authFailure maps a webhook error to the client's response.
func authFailure(err error) *protocol.Response {
	var failed *auth.FailedError
	var down *auth.UnavailableError
	switch {
	case errors.As(err, &failed):
		return fail(protocol.CodeCustomAuthenticationFailed, failed.Error())
	case errors.As(err, &down): // the details (host, port) stay in the relay's log
		return fail(protocol.CodeAuthServiceUnavailable, "the authentication service is unavailable; try again later")
	}
	return fail(protocol.CodeInvalidAuthentication, err.Error())
}

// admitLocked makes the session ready in the world of its app and version.
func (sess *session) admitLocked(key worldKey, res *auth.Result) *protocol.Response {
	sess.state = stateReady
	sess.key = key
	sess.userID, sess.nickname, sess.cookie = res.UserID, res.Nickname, res.AuthCookie
	if sess.authTimer != nil {
		sess.authTimer.Stop()
	}
	cid := sess.groupsAdmittedLocked() // before others can find the session
	sess.s.stats.authed.Add(1)
	sess.s.present(sess, true)
	p := protocol.Params{protocol.ParamUserID: res.UserID, protocol.ParamNickname: res.Nickname, protocol.ParamConnID: cid}
	if res.Data != nil {
		p[protocol.ParamData] = jsonMap(res.Data)
	}
	return &protocol.Response{Params: p}
}

// jsonMap converts decoded JSON to protocol values (numbers become floats, or ints
// when they are whole and fit).
func jsonMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonValue(v)
	}
	return out
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) && x >= -1<<53 && x <= 1<<53 {
			return int64(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		return jsonMap(x)
	}
	return v // nil, bool, string
}
