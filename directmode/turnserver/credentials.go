package turnserver

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is mandated by the TURN REST draft and STUN.
	"encoding/base64"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/turn/v5"
)

// Credentials returns TURN REST API credentials (draft-uberti-behave-turn-rest) for user,
// valid for ttl: username is "<expiry unix seconds>:<user>" and password is
// base64(HMAC-SHA1(secret, username)). A [Server] whose [Config.Secret] equals secret accepts
// them until they expire, and counts allocations against user. Browsers use them as-is in
// RTCIceServer {urls, username, credential}. user should not contain ':'.
func Credentials(secret []byte, user string, ttl time.Duration) (username, password string) {
	username = strconv.FormatInt(time.Now().Add(ttl).Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username)) // hash.Hash.Write never fails
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// URLs returns the ICE server URLs for a [Server] reachable at host and port, for clients:
// "stun:host:port" and "turn:host:port?transport=udp". IPv6 hosts are bracketed.
func URLs(host string, port int) []string {
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	return []string{"stun:" + hp, "turn:" + hp + "?transport=udp"}
}

// authHandler checks REST credentials with pion's handler and returns as user ID everything
// after the expiry, so that "t:a:b" and "t:a:c" are different users for the quotas (pion would
// return "a" for both).
func authHandler(secret []byte, l *slog.Logger) turn.AuthHandler {
	// Failed logins are caused by clients, not by the server: log them at debug level.
	check := turn.LongTermTURNRESTAuthHandler(string(secret), &pionLogger{l: l, errLevel: slog.LevelDebug})
	return func(ra *turn.RequestAttributes) (string, []byte, bool) {
		_, user, found := strings.Cut(ra.Username, ":")
		if !found {
			return "", nil, false
		}
		_, key, ok := check(ra)
		return user, key, ok
	}
}
