package relay

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// maxSignalBytes bounds one signalling message (an SDP offer is a few kilobytes).
const maxSignalBytes = 16 << 10

// TURNConfig tells the relay which TURN (and STUN) servers its clients may use for
// direct mode, and the secret those servers check credentials with: the REST-style
// ephemeral credentials of draft-uberti-behave-turn-rest, which pion/turn's
// LongTermTURNRESTAuthHandler and coturn's use-auth-secret accept.
type TURNConfig struct {
	// URLs are given to clients as they are, e.g. "turn:relay.example.com:3478?transport=udp".
	URLs []string
	// Secret is shared with the TURN servers. Required, at least 16 bytes.
	Secret []byte
	// TTL is how long credentials stay valid. If zero, 10m.
	TTL time.Duration
}

// signal forwards a WebRTC signalling message (offer, answer, candidate) to another
// active actor of the sender's room, and to nobody else.
func (r *room) signal(a *actor, p protocol.Params) *protocol.Response {
	to, err := p.IntIn(protocol.ParamTargetActor, 0, 1, 1<<31-1)
	if err != nil {
		return badParam(err)
	}
	data, err := p.Map(protocol.ParamData)
	if err != nil {
		return badParam(err)
	}
	if size := encodedSize(data); size > maxSignalBytes {
		return fail(protocol.CodeTooLarge, "signalling messages are at most "+strconv.Itoa(maxSignalBytes)+" bytes, not "+strconv.Itoa(size))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.sess == nil || r.closed {
		return fail(protocol.CodeNotInRoom, "not in the room")
	}
	target := r.actorLocked(int32(to))
	if target == nil || target.sess == nil || target == a {
		return fail(protocol.CodeInvalidOperation, "actor "+itoa64(to)+" is not another active actor of this room")
	}
	sendEvent(target.sess.conn, &protocol.Event{Code: protocol.EventSignal, Params: protocol.Params{
		protocol.ParamSenderActor: int64(a.nr), protocol.ParamData: data,
	}})
	return &protocol.Response{}
}

// turnCredentials gives a room member credentials for the configured TURN servers.
func (sess *session) turnCredentials() *protocol.Response {
	t := sess.s.cfg.TURN
	if t == nil {
		return fail(protocol.CodeInvalidOperation, "this relay offers no TURN servers")
	}
	sess.mu.Lock()
	user, inRoom := sess.userID, sess.actor != nil
	sess.mu.Unlock()
	if !inRoom {
		return fail(protocol.CodeNotInRoom, "TURN credentials are for room members: join a room first")
	}
	name, pass := turnCredentials(t.Secret, user, now().Add(t.TTL))
	return &protocol.Response{Params: protocol.Params{
		protocol.ParamTURNUsername: name, protocol.ParamTURNPassword: pass,
		protocol.ParamTURNTTL: int64(t.TTL / time.Second), protocol.ParamTURNURLs: t.URLs,
	}}
}

// turnCredentials returns the REST-style credentials: the username is
// "<expiry unix seconds>:<user>", the password base64(HMAC-SHA1(secret, username)).
func turnCredentials(secret []byte, user string, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
