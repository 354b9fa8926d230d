package handshake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files in a relay's data directory.
const (
	CertFile   = "relay.crt"    // PEM certificate (chain), leaf first
	KeyFile    = "relay.key"    // PEM PKCS#8 ECDSA private key, mode 0600
	SecretFile = "relay.secret" // 32 random bytes, hex; keys stateless resets; mode 0600
)

// SecretLen is the length of a relay's long-term secret.
const SecretLen = 32

// Identity is what a relay proves itself with: its certificate and key, and a long-term
// secret that survives restarts (it keys stateless resets, so a restarted relay can tell
// clients it lost their connections). An Identity is read-only once made.
type Identity struct {
	Certificate tls.Certificate
	Fingerprint Fingerprint // SHA-256 of the leaf certificate
	Secret      [SecretLen]byte
}

// LoadOrCreateIdentity loads the identity in dir, creating dir, a self-signed ECDSA
// P-256 certificate, its key and the secret on first use. Later calls load the same
// files, so the fingerprint stays the same across restarts. created reports whether
// anything was made.
func LoadOrCreateIdentity(dir string) (id *Identity, created bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("handshake: identity dir: %w", err)
	}
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	_, certErr := os.Stat(certPath)
	_, keyErr := os.Stat(keyPath)
	switch {
	case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
		if err := createSelfSigned(certPath, keyPath); err != nil {
			return nil, false, err
		}
		created = true
	case certErr != nil:
		return nil, false, fmt.Errorf("handshake: identity: %s exists but its certificate does not (restore %s, or remove %s to make a new identity): %w", keyPath, CertFile, KeyFile, certErr)
	case keyErr != nil:
		return nil, false, fmt.Errorf("handshake: identity: %s exists but its key does not (restore %s, or remove %s to make a new identity): %w", certPath, KeyFile, CertFile, keyErr)
	}
	id, made, err := LoadIdentity(certPath, keyPath, dir)
	return id, created || made, err
}

// LoadIdentity loads a certificate chain and key from PEM files (for example one issued
// by a CA) and the secret from secretDir, creating the secret there if it is missing.
// made reports whether the secret was created.
func LoadIdentity(certPath, keyPath, secretDir string) (id *Identity, made bool, err error) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, false, fmt.Errorf("handshake: load identity: %w", err)
	}
	if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok {
		return nil, false, fmt.Errorf("handshake: load identity: key in %s is %T, want ECDSA", keyPath, cert.PrivateKey)
	}
	secret, made, err := loadOrCreateSecret(filepath.Join(secretDir, SecretFile))
	if err != nil {
		return nil, false, err
	}
	return &Identity{Certificate: cert, Fingerprint: FingerprintOf(cert.Certificate[0]), Secret: secret}, made, nil
}

func createSelfSigned(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("handshake: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return fmt.Errorf("handshake: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "boson relay"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("handshake: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("handshake: marshal key: %w", err)
	}
	if err := writeNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeNew(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func loadOrCreateSecret(path string) (s [SecretLen]byte, made bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := rand.Read(s[:]); err != nil {
			return s, false, fmt.Errorf("handshake: secret: %w", err)
		}
		return s, true, writeNew(path, []byte(hex.EncodeToString(s[:])+"\n"), 0o600)
	}
	if err != nil {
		return s, false, fmt.Errorf("handshake: secret: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != SecretLen {
		return s, false, fmt.Errorf("handshake: secret in %s: want %d hex-encoded bytes", path, SecretLen)
	}
	copy(s[:], raw)
	return s, false, nil
}

// writeNew writes a file that must not exist yet, so two relays starting on one data
// directory cannot both create (and disagree on) an identity.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("handshake: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("handshake: write %s: %w", path, err)
	}
	return nil
}

// Fingerprint is the SHA-256 of a certificate's DER encoding.
type Fingerprint [sha256.Size]byte

// FingerprintOf returns the fingerprint of a DER certificate.
func FingerprintOf(der []byte) Fingerprint { return sha256.Sum256(der) }

// String formats the fingerprint as "sha256:" and 32 colon-separated hex bytes, the form
// the relay prints at start and ParseFingerprint reads.
func (f Fingerprint) String() string {
	var b strings.Builder
	b.WriteString("sha256:")
	for i, x := range f {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex.EncodeToString([]byte{x}))
	}
	return b.String()
}

// ParseFingerprint reads a fingerprint as String prints it, or as 64 hex digits with or
// without colons, with or without the "sha256:" prefix, in either case.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	h := strings.ReplaceAll(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:"), ":", "")
	raw, err := hex.DecodeString(h)
	if err != nil || len(raw) != len(f) {
		return f, fmt.Errorf("%w: %q", ErrBadFingerprint, s)
	}
	copy(f[:], raw)
	return f, nil
}
