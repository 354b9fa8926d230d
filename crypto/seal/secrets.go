package seal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
)

// MaterialLen is how many bytes of keying material a connection needs: both directions'
// keys and IVs, and the resume secret (PROTOCOL.md §2.6).
const MaterialLen = 2*(KeyLen+IVLen) + 32

// Secrets are one connection's keys, split from exported keying material or derived
// for a resume. Call Wipe when they are no longer needed.
type Secrets struct {
	ClientKey [KeyLen]byte // client → relay
	ClientIV  [IVLen]byte
	ServerKey [KeyLen]byte // relay → client
	ServerIV  [IVLen]byte
	Resume    [32]byte // keys the MAC of RESUME and the next resume's derivation
}

// SplitMaterial splits MaterialLen bytes, in the order
// c2s_key ‖ c2s_iv ‖ s2c_key ‖ s2c_iv ‖ resume_secret.
func SplitMaterial(b []byte) (Secrets, error) {
	var s Secrets
	if len(b) != MaterialLen {
		return s, fmt.Errorf("%w: %d bytes, want %d", ErrMaterialSize, len(b), MaterialLen)
	}
	b = b[copy(s.ClientKey[:], b):]
	b = b[copy(s.ClientIV[:], b):]
	b = b[copy(s.ServerKey[:], b):]
	b = b[copy(s.ServerIV[:], b):]
	copy(s.Resume[:], b)
	return s, nil
}

// Wipe zeroes the secrets.
func (s *Secrets) Wipe() { *s = Secrets{} }

// DeriveResumed derives the secrets of a resumed connection from the previous resume
// secret and both sides' nonces: HKDF-SHA256 with salt clientNonce ‖ serverNonce and
// info "boson-resume-v1" (PROTOCOL.md §6).
func DeriveResumed(secret *[32]byte, clientNonce, serverNonce *[16]byte) (Secrets, error) {
	salt := make([]byte, 0, 32)
	salt = append(append(salt, clientNonce[:]...), serverNonce[:]...)
	out, err := hkdf.Key(sha256.New, secret[:], salt, "boson-resume-v1", MaterialLen)
	if err != nil {
		return Secrets{}, fmt.Errorf("seal: derive resume keys: %w", err)
	}
	defer clear(out)
	return SplitMaterial(out)
}

// ResumeMAC is the MAC a client puts on RESUME: HMAC-SHA256 under the resume secret of
// "boson-resume" ‖ b, cut to 16 bytes.
func ResumeMAC(key *[32]byte, b []byte) [16]byte {
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("boson-resume"))
	m.Write(b)
	var sum [sha256.Size]byte
	var out [16]byte
	copy(out[:], m.Sum(sum[:0]))
	return out
}

// TokensEqual compares two 16-byte tokens (reset tokens, MACs) in constant time.
func TokensEqual(a, b *[16]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
