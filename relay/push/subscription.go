package push

import (
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Subscription is a browser's push subscription, as its
// PushSubscription.toJSON() gives it: the push service endpoint URL and the
// keys "p256dh" (the browser's P-256 public key) and "auth" (its 16-byte
// authentication secret), base64url-encoded with optional padding.
type Subscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

const (
	maxEndpointLen = 2048 // bytes of Subscription.Endpoint
	maxNameLen     = 512  // bytes of an app or user id
	authLen        = 16   // bytes of the auth secret (RFC 8291 §3.2)
)

// browserSubscription is the JSON shape of PushSubscription.toJSON().
type browserSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// ParseSubscription decodes the JSON of a browser's PushSubscription.toJSON(),
// {"endpoint":…,"expirationTime":…,"keys":{"p256dh":…,"auth":…}}, and checks
// its keys and endpoint syntax. The host policy of [Config.AllowPrivateEndpoints]
// is left to [Service.Subscribe]. Errors match [ErrBadSubscription].
func ParseSubscription(b []byte) (Subscription, error) {
	var bs browserSubscription
	if err := json.Unmarshal(b, &bs); err != nil {
		return Subscription{}, badSub("invalid JSON", err)
	}
	sub := Subscription{Endpoint: bs.Endpoint, P256dh: bs.Keys.P256dh, Auth: bs.Keys.Auth}
	return sub.normalize(true)
}

// normalize validates sub and returns it with its keys re-encoded as base64url
// without padding. allowPrivate selects the host policy of the endpoint.
func (sub Subscription) normalize(allowPrivate bool) (Subscription, error) {
	if err := checkEndpoint(sub.Endpoint, allowPrivate); err != nil {
		return Subscription{}, err
	}
	p256dh, err := decodeKey(sub.P256dh)
	if err != nil {
		return Subscription{}, badSub("p256dh", err)
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil || len(p256dh) != 65 {
		return Subscription{}, badSub("p256dh is not an uncompressed P-256 point", nil)
	}
	auth, err := decodeKey(sub.Auth)
	if err != nil {
		return Subscription{}, badSub("auth", err)
	}
	if len(auth) != authLen {
		return Subscription{}, badSub("auth is not 16 bytes", nil)
	}
	sub.P256dh = base64.RawURLEncoding.EncodeToString(p256dh)
	sub.Auth = base64.RawURLEncoding.EncodeToString(auth)
	return sub, nil
}

// decodeKey decodes base64url with or without padding.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// checkName checks an app or user id: non-empty valid UTF-8 of at most
// maxNameLen bytes (it must survive the JSON store unchanged).
func checkName(what, s string) error {
	switch {
	case s == "":
		return badSub("empty "+what, nil)
	case len(s) > maxNameLen:
		return badSub(what+" longer than 512 bytes", nil)
	case !utf8.ValidString(s):
		return badSub(what+" is not valid UTF-8", nil)
	}
	return nil
}
