package push_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay/push"
)

// pushServer is a test push service (RFC 8030). It checks every request
// independently of webpush-go: the VAPID header (RFC 8292), the TTL and
// Content-Encoding headers, and the aes128gcm body (RFC 8188), which it
// decrypts with the browser's keys (RFC 8291).
type pushServer struct {
	t   *testing.T
	srv *httptest.Server

	got     chan delivery // decrypted pushes, in arrival order
	arrived chan string   // paths of requests, before hold is waited for

	mu         sync.Mutex // guards the following fields
	vapidKey   string     // want k=
	subscriber string     // want sub
	ttl        string     // want TTL header
	browsers   map[string]*browser
	status     map[string]int // answer per path; default 201
	hold       chan struct{}  // if not nil, requests wait for it to close
}

// browser is a simulated push subscription: its ECDH key pair and auth secret.
type browser struct {
	path string
	priv *ecdh.PrivateKey
	auth []byte
	sub  push.Subscription
}

// delivery is a push as the browser's service worker would see it.
type delivery struct {
	path string
	msg  map[string]any
}

func newPushServer(t *testing.T) *pushServer {
	t.Helper()
	ps := &pushServer{
		t: t, got: make(chan delivery, 64), arrived: make(chan string, 64),
		browsers: make(map[string]*browser), status: make(map[string]int),
	}
	ps.srv = httptest.NewUnstartedServer(http.HandlerFunc(ps.handle))
	ps.srv.Config.ErrorLog = log.New(t.Output(), "push service: ", 0)
	ps.srv.StartTLS()
	t.Cleanup(ps.srv.Close)
	return ps
}

// expect sets what requests must carry: the service's key, the Config's
// Subscriber and TTL (defaults if zero).
func (ps *pushServer) expect(vapidKey, subscriber string, ttl time.Duration) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.vapidKey, ps.subscriber = vapidKey, cmpOr(subscriber, "mailto:admin@localhost")
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	ps.ttl = strconv.Itoa(int(ttl.Seconds()))
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// newBrowser registers a new subscription at a new path.
func (ps *pushServer) newBrowser() *browser {
	ps.t.Helper()
	ps.mu.Lock()
	path := fmt.Sprintf("/push/%d", len(ps.browsers)+1)
	ps.mu.Unlock()
	return ps.rekey(path)
}

// rekey gives path new keys, as a browser renewing its subscription would.
func (ps *pushServer) rekey(path string) *browser {
	ps.t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		ps.t.Fatal(err)
	}
	b := &browser{path: path, priv: priv, auth: make([]byte, 16)}
	_, _ = rand.Read(b.auth)
	b.sub = push.Subscription{
		Endpoint: ps.srv.URL + path,
		P256dh:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(b.auth),
	}
	ps.mu.Lock()
	ps.browsers[path] = b
	ps.mu.Unlock()
	return b
}

func (ps *pushServer) setStatus(path string, code int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.status[path] = code
}

// holdRequests makes requests wait until the returned function is called.
func (ps *pushServer) holdRequests() (release func()) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.hold = make(chan struct{})
	return sync.OnceFunc(func() { close(ps.hold) })
}

// next returns the next delivery, failing the test after 10s.
func (ps *pushServer) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-ps.got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no push arrived within 10s")
		return delivery{}
	}
}

// drain returns the deliveries already received.
func (ps *pushServer) drain() []delivery {
	var ds []delivery
	for {
		select {
		case d := <-ps.got:
			ds = append(ds, d)
		default:
			return ds
		}
	}
}

func (ps *pushServer) handle(w http.ResponseWriter, r *http.Request) {
	select {
	case ps.arrived <- r.URL.Path:
	default:
	}
	ps.mu.Lock()
	hold, b, code := ps.hold, ps.browsers[r.URL.Path], ps.status[r.URL.Path]
	ps.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	msg, err := ps.check(r, b)
	if hold != nil && errors.Is(err, errReadBody) {
		return // the sender gave up while the request was held
	}
	if err != nil {
		ps.t.Errorf("push service: %s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case ps.got <- delivery{r.URL.Path, msg}:
	default:
		ps.t.Errorf("push service: more than %d undrained deliveries", cap(ps.got))
	}
	w.Header().Set("Location", ps.srv.URL+"/message/1")
	w.WriteHeader(cmpInt(code, http.StatusCreated))
}

func cmpInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

var errReadBody = errors.New("reading the body failed")

// check validates a push request and returns its decrypted JSON message.
func (ps *pushServer) check(r *http.Request, b *browser) (map[string]any, error) {
	ps.mu.Lock()
	key, sub, ttl := ps.vapidKey, ps.subscriber, ps.ttl
	ps.mu.Unlock()
	switch {
	case r.Method != http.MethodPost:
		return nil, errors.New("not a POST")
	case b == nil:
		return nil, errors.New("unknown subscription")
	case r.Header.Get("TTL") != ttl:
		return nil, fmt.Errorf("TTL %q, want %q", r.Header.Get("TTL"), ttl)
	case r.Header.Get("Content-Encoding") != "aes128gcm":
		return nil, fmt.Errorf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	if err := checkVAPID(r.Header.Get("Authorization"), key, sub, "https://"+r.Host); err != nil {
		return nil, fmt.Errorf("VAPID: %w", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4097))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errReadBody, err)
	}
	plain, err := decrypt(body, b)
	if err != nil {
		return nil, fmt.Errorf("aes128gcm: %w", err)
	}
	var msg map[string]any
	return msg, json.Unmarshal(plain, &msg)
}

// checkVAPID checks an RFC 8292 "vapid t=<JWT>, k=<key>" header.
func checkVAPID(header, wantKey, wantSub, wantAud string) error {
	params, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return fmt.Errorf("scheme of %q", header)
	}
	var tok, k string
	for p := range strings.SplitSeq(params, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			tok = val
		case "k":
			k = val
		}
	}
	if k != wantKey {
		return fmt.Errorf("k=%q, want %q", k, wantKey)
	}
	claims, err := verifyES256(tok, k)
	if err != nil {
		return err
	}
	return checkClaims(claims, wantSub, wantAud)
}

// verifyES256 verifies a JWS compact ES256 token (raw r||s signature, RFC
// 7518 §3.4) with the base64url uncompressed P-256 key k and returns its claims.
func verifyES256(tok, k string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("JWT is not three parts")
	}
	var hdr struct{ Alg string }
	if err := decodeJSONPart(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return nil, fmt.Errorf("JWT header: alg %q, err %v", hdr.Alg, err)
	}
	kb, _ := base64.RawURLEncoding.DecodeString(k)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return nil, fmt.Errorf("k: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("signature is not 64 raw bytes")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return nil, errors.New("bad JWT signature")
	}
	var claims map[string]any
	return claims, decodeJSONPart(parts[1], &claims)
}

func decodeJSONPart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// checkClaims checks aud (the endpoint's origin), exp (future, within 24h)
// and sub.
func checkClaims(c map[string]any, wantSub, wantAud string) error {
	exp, _ := c["exp"].(float64)
	now := float64(time.Now().Unix())
	switch {
	case c["aud"] != wantAud:
		return fmt.Errorf("aud %v, want %q", c["aud"], wantAud)
	case c["sub"] != wantSub:
		return fmt.Errorf("sub %v, want %q", c["sub"], wantSub)
	case exp <= now || exp > now+24*3600:
		return fmt.Errorf("exp %v not within 24h of %v", exp, now)
	}
	return nil
}

// decrypt opens an aes128gcm body (RFC 8188) per RFC 8291 with the browser's
// private key and auth secret, and removes the padding.
func decrypt(body []byte, b *browser) ([]byte, error) {
	if len(body) > 4096 || len(body) < 86+16+1 {
		return nil, fmt.Errorf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), body[20]
	if idlen != 65 || rs < 18 || len(body)-86 > int(rs) {
		return nil, fmt.Errorf("header: rs %d idlen %d", rs, idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21:86])
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	secret, err := b.priv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(b.priv.PublicKey().Bytes()) + string(asPub.Bytes())
	ikm, _ := hkdf.Key(sha256.New, secret, b.auth, info, 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, body[86:], nil)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 0x02 {
		return nil, errors.New("no 0x02 padding delimiter (last record)")
	}
	return plain[:len(plain)-1], nil
}
