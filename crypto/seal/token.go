package seal

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// tokenAAD binds sealed tokens to their purpose and version.
var tokenAAD = []byte("boson-token-v1")

// TokenOverhead is how many bytes sealing adds to a token's plaintext: a 24-byte
// random nonce and a 16-byte tag.
const TokenOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// TokenKey seals and opens resume tokens with XChaCha20-Poly1305 under a key only the
// relay knows. Nonces are random (24 bytes, so they never collide in practice). A
// TokenKey is safe for concurrent use.
type TokenKey struct {
	aead cipher.AEAD
}

// GenerateTokenKey returns a TokenKey with a fresh random key.
func GenerateTokenKey() (*TokenKey, error) {
	var k [chacha20poly1305.KeySize]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("seal: token key: %w", err)
	}
	return NewTokenKey(k[:])
}

// NewTokenKey returns a TokenKey for a 32-byte key.
func NewTokenKey(key []byte) (*TokenKey, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("seal: token key: %w", err)
	}
	return &TokenKey{aead: aead}, nil
}

// Seal appends nonce ‖ ciphertext ‖ tag of plaintext to dst.
func (k *TokenKey) Seal(dst, plaintext []byte) ([]byte, error) {
	var nonce [chacha20poly1305.NonceSizeX]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("seal: token nonce: %w", err)
	}
	dst = append(dst, nonce[:]...)
	return k.aead.Seal(dst, nonce[:], plaintext, tokenAAD), nil
}

// Open authenticates a sealed token and appends its plaintext to dst. It fails with
// [ErrOpen] for anything this key did not seal, including truncated tokens.
func (k *TokenKey) Open(dst, sealed []byte) ([]byte, error) {
	if len(sealed) < TokenOverhead {
		return nil, ErrOpen
	}
	n := chacha20poly1305.NonceSizeX
	out, err := k.aead.Open(dst, sealed[:n], sealed[n:], tokenAAD)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// ResetTokenLen is the length of a stateless-reset token.
const ResetTokenLen = 16

// ResetKey computes stateless-reset tokens: HMAC-SHA256 under a key derived from the
// relay's long-term secret, of "boson-reset" ‖ connection ID, cut to 16 bytes. Since the
// secret survives restarts, a restarted relay can prove to a client that it lost the
// client's connection (PROTOCOL.md §5). A ResetKey is safe for concurrent use.
type ResetKey struct {
	key [32]byte
}

// NewResetKey derives the reset key from the relay's long-term secret.
func NewResetKey(secret []byte) (ResetKey, error) {
	var k ResetKey
	if len(secret) < 16 {
		return k, fmt.Errorf("seal: reset secret of %d bytes, want at least 16", len(secret))
	}
	out, err := hkdf.Key(sha256.New, secret, nil, "boson-reset-key-v1", len(k.key))
	if err != nil {
		return k, fmt.Errorf("seal: reset key: %w", err)
	}
	copy(k.key[:], out)
	clear(out)
	return k, nil
}

// Token returns the reset token for connection ID cid.
func (k *ResetKey) Token(cid uint32) [ResetTokenLen]byte {
	m := hmac.New(sha256.New, k.key[:])
	var msg [len("boson-reset") + 4]byte
	copy(msg[:], "boson-reset")
	binary.BigEndian.PutUint32(msg[len("boson-reset"):], cid)
	m.Write(msg[:])
	var sum [sha256.Size]byte
	var out [ResetTokenLen]byte
	copy(out[:], m.Sum(sum[:0]))
	return out
}
