package seal

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the record layer's keys and tags.
const (
	KeyLen = chacha20poly1305.KeySize   // 32
	IVLen  = chacha20poly1305.NonceSize // 12
	TagLen = chacha20poly1305.Overhead  // 16
)

// Key seals or opens the packets of one direction of a connection with
// ChaCha20-Poly1305. The nonce of packet pn is the key's IV XOR pn (as a 64-bit
// big-endian number in the last 8 bytes), so a Key must never seal two packets with the
// same packet number. A Key is safe for concurrent use; it does not track packet numbers.
type Key struct {
	aead cipher.AEAD
	iv   [IVLen]byte
}

// NewKey returns a Key for a 32-byte key and a 12-byte IV. It copies both.
func NewKey(key, iv []byte) (*Key, error) {
	if len(iv) != IVLen {
		return nil, fmt.Errorf("seal: IV of %d bytes, want %d", len(iv), IVLen)
	}
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	k := &Key{aead: aead}
	copy(k.iv[:], iv)
	return k, nil
}

func (k *Key) nonce(pn uint64) [IVLen]byte {
	n := k.iv
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], pn)
	for i := range p {
		n[IVLen-8+i] ^= p[i]
	}
	return n
}

// Seal encrypts plaintext as packet pn, authenticating aad with it, appends the result
// (len(plaintext) + TagLen bytes) to dst and returns the extended slice. To encrypt in
// place, pass dst so that its end is exactly where plaintext starts.
func (k *Key) Seal(dst, aad []byte, pn uint64, plaintext []byte) []byte {
	n := k.nonce(pn)
	return k.aead.Seal(dst, n[:], plaintext, aad)
}

// Open authenticates and decrypts ciphertext sealed as packet pn with aad, appends the
// plaintext to dst and returns it. It fails with [ErrOpen] if anything differs. To
// decrypt in place, pass ciphertext[:0] as dst.
func (k *Key) Open(dst, aad []byte, pn uint64, ciphertext []byte) ([]byte, error) {
	n := k.nonce(pn)
	out, err := k.aead.Open(dst, n[:], ciphertext, aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
