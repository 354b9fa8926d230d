package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// checkVAPID checks an RFC 8292 "vapid t=<JWT>, k=<key>" header: the JWT is
// signed (ES256) by k, its aud is the endpoint's origin, its exp is in the next
// 24 hours, and it has a sub. It returns k and sub.
func checkVAPID(header, wantAud string) (key, sub string, err error) {
	params, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return "", "", fmt.Errorf("authorization scheme of %q, want vapid", header)
	}
	var tok string
	for p := range strings.SplitSeq(params, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			tok = val
		case "k":
			key = val
		}
	}
	claims, err := verifyES256(tok, key)
	if err != nil {
		return "", "", err
	}
	exp, _ := claims["exp"].(float64)
	sub, _ = claims["sub"].(string)
	now := float64(time.Now().Unix())
	switch {
	case claims["aud"] != wantAud:
		return "", "", fmt.Errorf("aud %v, want %q", claims["aud"], wantAud)
	case sub == "":
		return "", "", errors.New("no sub claim")
	case exp <= now || exp > now+24*3600:
		return "", "", fmt.Errorf("exp %v is not within 24h of %v", exp, now)
	}
	return key, sub, nil
}

// verifyES256 verifies a compact JWS signed with ES256 (raw r||s, RFC 7518 §3.4)
// by the uncompressed P-256 public key k (base64url) and returns its claims.
func verifyES256(tok, k string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("the JWT is not three parts")
	}
	var hdr struct{ Alg string }
	if err := decodePart(parts[0], &hdr); err != nil || hdr.Alg != "ES256" {
		return nil, fmt.Errorf("JWT header: alg %q, err %v", hdr.Alg, err)
	}
	kb, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return nil, fmt.Errorf("k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return nil, fmt.Errorf("k: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("the signature is not 64 raw bytes")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, errors.New("bad JWT signature")
	}
	var claims map[string]any
	return claims, decodePart(parts[1], &claims)
}

func decodePart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// decrypt opens a one-record aes128gcm body (RFC 8188) with the browser's private
// key and auth secret (RFC 8291 §3.4) and removes the padding.
func decrypt(body []byte, b *browser) ([]byte, error) {
	const header = 16 + 4 + 1 + 65 // salt, rs, idlen, keyid (the sender's public key)
	if len(body) > 4096 || len(body) < header+16+1 {
		return nil, fmt.Errorf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), body[20]
	if idlen != 65 || rs < 18 || len(body)-header > int(rs) {
		return nil, fmt.Errorf("header: rs %d, idlen %d", rs, idlen)
	}
	senderPub, err := ecdh.P256().NewPublicKey(body[21:header])
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	secret, err := b.priv.ECDH(senderPub)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(b.priv.PublicKey().Bytes()) + string(senderPub.Bytes())
	ikm, err := hkdf.Key(sha256.New, secret, b.auth, info, 32)
	if err != nil {
		return nil, err
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, body[header:], nil)
	if err != nil {
		return nil, err
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 0x02 {
		return nil, errors.New("no 0x02 padding delimiter (the last record's)")
	}
	return plain[:len(plain)-1], nil
}
