package relay

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// session is one client connection's relay state.
type session struct {
	s     *Server
	conn  *transport.Conn
	pairs int // event channels: transport channels 2i (reliable) and 2i+1 (unreliable)

	// Owned by the connection's worker rounds (message is never concurrent with itself).
	limit       bucket
	queries     bucket    // lobby requests that scan a lobby: JoinLobby, GetRoomList, SQL matchmaking
	reports     bucket    // ReportPeerStatus requests that change the report
	invites     bucket    // invitees named in CreateRoom
	overSince   time.Time // when the client went over MessageRate; zero if it is not
	lastRefused time.Time // when a message was last refused
	lastInfo    time.Time // when it was last told it is over the limit
	scratch     []byte    // encoding buffer for relayed events

	grp sessionGroups // message groups, posts and pushes (groups.go)

	mu         sync.Mutex // guards the following fields
	state      sessionState
	key        worldKey // the app id and version it authenticated for
	userID     string
	nickname   string
	cookie     map[string]any // from the webhook; never sent to the client
	actor      *actor         // the actor in a room, or nil
	lobby      *lobby         // the lobby it is in, or nil
	lobbyStats bool           // it asked for lobby stats
	rpcs       atomic.Int32   // WebRPCs in flight
	authTimer  *time.Timer
	gone       bool       // the connection closed
	acc        sessAccess // a join waiting for approval or friend lists (access.go)
}

type sessionState uint8

const (
	stateNew            sessionState = iota // waiting for Authenticate
	stateAuthenticating                     // a webhook call is in flight
	stateReady                              // authenticated
)

// newSession checks the connection's channels and starts its session, or closes it.
func newSession(s *Server, c *transport.Conn) *session {
	modes := c.Channels()
	if len(modes) < 2 || len(modes)%2 != 0 {
		c.CloseWithCode(CodeBadChannels, "relay protocol: declare channels in pairs (reliable-ordered, unreliable-sequenced)")
		return nil
	}
	for i, m := range modes {
		if want := pairMode(i); m != want {
			c.CloseWithCode(CodeBadChannels, "relay protocol: channel "+strconv.Itoa(i)+" must be "+want.String())
			return nil
		}
	}
	sess := &session{s: s, conn: c, pairs: len(modes) / 2}
	sess.limit = newBucket(float64(s.cfg.MessageRate), now())
	sess.queries = newBucket(lobbyQueryRate, now())
	sess.reports = newBucket(peerReportRate, now())
	sess.invites = newBucket(inviteRate, now())
	sess.authTimer = s.afterFunc(s.cfg.AuthTimeout, sess.authExpired)
	return sess
}

func pairMode(i int) transport.Mode {
	if i%2 == 0 {
		return transport.ReliableOrdered
	}
	return transport.UnreliableSequenced
}

func (sess *session) authExpired() {
	sess.mu.Lock()
	ready := sess.state == stateReady || sess.gone
	sess.mu.Unlock()
	if !ready {
		sess.conn.CloseWithCode(CodeAuthTimeout, "relay protocol: not authenticated in time")
	}
}

// message handles one message from the client.
func (sess *session) message(ch int, msg []byte) {
	if !sess.allow() {
		sess.refuse(msg)
		return
	}
	kind, err := protocol.KindOf(msg)
	switch {
	case err != nil:
		sess.errorInfo(protocol.CodeInvalidRequest, err.Error())
	case kind == protocol.KindRequest:
		sess.request(msg)
	case kind == protocol.KindRaise:
		sess.raise(ch, msg)
	default:
		sess.errorInfo(protocol.CodeInvalidRequest, "relay protocol: clients send only requests and raises")
	}
}

// allow applies MessageRate. A client refused again and again (no second without a
// refusal) for AbuseGrace is disconnected.
func (sess *session) allow() bool {
	t := now()
	if sess.limit.take(t, 1) {
		return true
	}
	sess.s.stats.refused.Add(1)
	if sess.overSince.IsZero() || t.Sub(sess.lastRefused) > time.Second {
		sess.overSince = t
	}
	sess.lastRefused = t
	if t.Sub(sess.overSince) >= sess.s.cfg.AbuseGrace {
		sess.overSince = time.Time{}
		sess.s.stats.disconnect.Add(1)
		sess.s.log.Warn("disconnecting a client over the message rate", "addr", sess.conn.RemoteAddr(), "user", sess.user())
		sess.conn.CloseWithCode(CodeOperationLimit, "operation limit reached: too many messages for too long")
	}
	return false
}

// refuse answers a message over the rate limit: a request gets its response, the
// rest one ErrorInfo per second at most.
func (sess *session) refuse(msg []byte) {
	if r, err := protocol.ReadRequest(msg); err == nil {
		respond(sess.conn, &protocol.Response{Op: r.Op, ID: r.ID, Code: protocol.CodeOperationLimitReached,
			Message: "more than the relay's message rate: slow down"})
		return
	}
	if t := now(); t.Sub(sess.lastInfo) >= time.Second {
		sess.lastInfo = t
		sess.errorInfo(protocol.CodeOperationLimitReached, "events dropped: more than the relay's message rate")
	}
}

func (sess *session) errorInfo(code protocol.Code, msg string) {
	sendEvent(sess.conn, &protocol.Event{Code: protocol.EventErrorInfo, Params: protocol.Params{
		protocol.ParamErrorCode: int64(code), protocol.ParamMessage: msg,
	}})
}

func (sess *session) user() string {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.userID
}

// closed ends the session: its actor leaves, or stays inactive for the player TTL.
func (sess *session) closed(error) {
	sess.mu.Lock()
	sess.gone = true
	a, authed := sess.actor, sess.state == stateReady
	if sess.authTimer != nil {
		sess.authTimer.Stop()
	}
	sess.mu.Unlock()
	if authed {
		sess.s.stats.authed.Add(-1)
		sess.s.present(sess, false)
	}
	sess.leaveLobby()
	sess.withdrawJoin(false) // a join that completed meanwhile: leaveIfGone
	sess.leaveGroup()
	if a != nil {
		a.room.leave(sess, a, true, protocol.LeavePresenceFailure)
	}
}

// request decodes and dispatches one operation.
func (sess *session) request(msg []byte) {
	sess.s.stats.requests.Add(1)
	r, err := protocol.ReadRequest(msg)
	if err != nil {
		sess.badRequest(msg, err)
		return
	}
	resp := sess.dispatch(r)
	if resp == nil { // answered later (webhook) or already
		return
	}
	resp.Op, resp.ID = r.Op, r.ID
	respond(sess.conn, resp)
}

// badRequest answers a request that does not decode, by its op and id if those are
// readable, else with an ErrorInfo event.
func (sess *session) badRequest(msg []byte, err error) {
	if len(msg) >= 3 {
		if id, n := binary.Uvarint(msg[2:]); n > 0 && id <= 1<<32-1 {
			respond(sess.conn, &protocol.Response{Op: protocol.Op(msg[1]), ID: uint32(id),
				Code: protocol.CodeInvalidRequest, Message: err.Error()})
			return
		}
	}
	sess.errorInfo(protocol.CodeInvalidRequest, err.Error())
}

func (sess *session) dispatch(r *protocol.Request) *protocol.Response {
	if r.Op == protocol.OpAuthenticate {
		return sess.authenticate(r)
	}
	sess.mu.Lock()
	ready := sess.state == stateReady
	sess.mu.Unlock()
	if !ready {
		return fail(protocol.CodeOperationNotAllowedInState, "authenticate first")
	}
	switch r.Op {
	case protocol.OpCreateRoom:
		return sess.createRoom(r.ID, r.Params)
	case protocol.OpJoinRoom:
		return sess.joinRoom(r.ID, r.Params)
	case protocol.OpLeaveRoom:
		return sess.leaveRoom(r.Params)
	case protocol.OpSetProperties:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.setProperties(a, r.Params) })
	case protocol.OpChangeGroups:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.changeGroups(a, r.Params) })
	case protocol.OpSetMasterClient:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.setMaster(a, r.Params) })
	case protocol.OpSignal:
		return sess.inRoom(func(rm *room, a *actor) *protocol.Response { return rm.signal(a, r.Params) })
	case protocol.OpTURNCredentials:
		return sess.turnCredentials()
	case protocol.OpJoinLobby:
		if resp := sess.chargeQuery(); resp != nil {
			return resp
		}
		return sess.joinLobby(r)
	case protocol.OpLeaveLobby:
		sess.leaveLobby()
		return &protocol.Response{}
	case protocol.OpJoinRandomRoom:
		return sess.joinRandom(r.ID, r.Params)
	case protocol.OpWebRPC:
		return sess.webRPC(r)
	case protocol.OpGetRoomList:
		return sess.getRoomList(r.Params)
	case protocol.OpFindFriends:
		return sess.findFriends(r.Params)
	case protocol.OpJoinGroup, protocol.OpPost, protocol.OpListGroups, protocol.OpListGroupUsers,
		protocol.OpPushKey, protocol.OpPushSubscribe, protocol.OpPushUnsubscribe, protocol.OpPushNotify:
		return sess.groupOp(r)
	case protocol.OpListInvitations, protocol.OpDeclineInvitation, protocol.OpDismissInvitation,
		protocol.OpGetRoomStatus, protocol.OpReportPeerStatus:
		return sess.statusOp(r)
	case protocol.OpApproveJoin, protocol.OpSetUserType, protocol.OpSearchRooms, protocol.OpListJoinRequests:
		return sess.accessOp(r)
	}
	return fail(protocol.CodeInvalidOperation, "unknown operation "+r.Op.String())
}

// inRoom runs f with the session's room and actor, or refuses if it is in none.
func (sess *session) inRoom(f func(*room, *actor) *protocol.Response) *protocol.Response {
	sess.mu.Lock()
	a := sess.actor
	sess.mu.Unlock()
	if a == nil {
		return fail(protocol.CodeNotInRoom, "join a room first")
	}
	return f(a.room, a)
}

// fail builds an error response.
func fail(code protocol.Code, msg string) *protocol.Response {
	return &protocol.Response{Code: code, Message: msg}
}

// badParam builds the response to a parameter of the wrong type.
func badParam(err error) *protocol.Response {
	return fail(protocol.CodeInvalidRequest, err.Error())
}

// randomID returns 32 hex digits from crypto/rand: room names and user ids.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
