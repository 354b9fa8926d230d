package handshake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadOrCreateIdentityCreatesThenReloads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "relay") // does not exist yet

	first, created, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateIdentity (first start): %v", err)
	}
	if !created {
		t.Errorf("first start: created = %v, want true", created)
	}

	for _, f := range []struct {
		name string
		perm fs.FileMode
	}{
		{CertFile, 0o644},
		{KeyFile, 0o600},
		{SecretFile, 0o600},
	} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatalf("stat %s: %v", f.name, err)
		}
		if got := fi.Mode().Perm(); got&^f.perm != 0 {
			t.Errorf("%s: mode got %v, want at most %v", f.name, got, f.perm)
		}
	}

	leaf, err := x509.ParseCertificate(first.Certificate.Certificate[0])
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("leaf key: got %T, want a P-256 *ecdsa.PublicKey", leaf.PublicKey)
	}
	if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
		t.Errorf("leaf is not self-signed: %v", err)
	}
	if got, want := first.Fingerprint, Fingerprint(sha256.Sum256(leaf.Raw)); got != want {
		t.Errorf("Fingerprint: got %v, want %v", got, want)
	}
	if first.Secret == ([SecretLen]byte{}) {
		t.Errorf("Secret is all zero")
	}

	// A restarted relay keeps its identity.
	again, created, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateIdentity (restart): %v", err)
	}
	if created {
		t.Errorf("restart: created = %v, want false", created)
	}
	if again.Fingerprint != first.Fingerprint {
		t.Errorf("restart: Fingerprint got %v, want %v", again.Fingerprint, first.Fingerprint)
	}
	if again.Secret != first.Secret {
		t.Errorf("restart: Secret changed")
	}
	if diff := cmp.Diff(first.Certificate.Certificate, again.Certificate.Certificate); diff != "" {
		t.Errorf("restart: certificate chain changed (-first +restart):\n%s", diff)
	}
}

func TestLoadOrCreateIdentityRecreatesOnlyAMissingSecret(t *testing.T) {
	dir := t.TempDir()
	first, _, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, SecretFile)); err != nil {
		t.Fatal(err)
	}
	again, created, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateIdentity: %v", err)
	}
	if !created {
		t.Errorf("created = %v, want true (the secret was made)", created)
	}
	if again.Fingerprint != first.Fingerprint {
		t.Errorf("Fingerprint got %v, want %v", again.Fingerprint, first.Fingerprint)
	}
	if again.Secret == first.Secret {
		t.Errorf("Secret: got the deleted secret back, want a new one")
	}
}

func TestLoadOrCreateIdentityRejectsBrokenDirectories(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(dir string) error
		wantIn  []string // substrings of the error
		wantErr error    // if set, errors.Is must hold
	}{
		{
			name: "secret is not hex",
			break_: func(dir string) error {
				return os.WriteFile(filepath.Join(dir, SecretFile), []byte("not a secret\n"), 0o600)
			},
			wantIn: []string{SecretFile, "hex"},
		},
		{
			name: "secret is too short",
			break_: func(dir string) error {
				return os.WriteFile(filepath.Join(dir, SecretFile), []byte(strings.Repeat("ab", SecretLen-1)), 0o600)
			},
			wantIn: []string{SecretFile, "32 hex-encoded bytes"},
		},
		{
			name: "secret is too long",
			break_: func(dir string) error {
				return os.WriteFile(filepath.Join(dir, SecretFile), []byte(strings.Repeat("ab", SecretLen+1)), 0o600)
			},
			wantIn: []string{SecretFile, "32 hex-encoded bytes"},
		},
		{
			name:   "secret is empty",
			break_: func(dir string) error { return os.WriteFile(filepath.Join(dir, SecretFile), nil, 0o600) },
			wantIn: []string{SecretFile},
		},
		{
			name:    "key is missing",
			break_:  func(dir string) error { return os.Remove(filepath.Join(dir, KeyFile)) },
			wantIn:  []string{KeyFile},
			wantErr: fs.ErrNotExist,
		},
		{
			name:    "certificate is missing",
			break_:  func(dir string) error { return os.Remove(filepath.Join(dir, CertFile)) },
			wantIn:  []string{CertFile},
			wantErr: fs.ErrNotExist,
		},
		{
			name:   "key is garbage",
			break_: func(dir string) error { return os.WriteFile(filepath.Join(dir, KeyFile), []byte("garbage"), 0o600) },
			wantIn: []string{"load identity"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, _, err := LoadOrCreateIdentity(dir); err != nil {
				t.Fatal(err)
			}
			if err := tt.break_(dir); err != nil {
				t.Fatal(err)
			}
			id, _, err := LoadOrCreateIdentity(dir)
			if err == nil {
				t.Fatalf("LoadOrCreateIdentity: got %v, want an error", id)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("errors.Is(%v, %v) = false, want true", err, tt.wantErr)
			}
		})
	}
}

func TestLoadIdentityCAIssued(t *testing.T) {
	ca := newTestCA(t)
	key := newECDSAKey(t)
	leafDER := ca.issue(t, &key.PublicKey, []string{"relay.example"})
	dir, secretDir := t.TempDir(), t.TempDir()
	certPath, keyPath := writePEMFiles(t, dir, key, leafDER, ca.cert.Raw)

	id, made, err := LoadIdentity(certPath, keyPath, secretDir)
	if err != nil {
		t.Fatalf("LoadIdentity: %v", err)
	}
	if !made {
		t.Errorf("made = %v, want true (no secret yet)", made)
	}
	if got, want := id.Fingerprint, Fingerprint(sha256.Sum256(leafDER)); got != want {
		t.Errorf("Fingerprint: got %v, want %v (the leaf's)", got, want)
	}
	if diff := cmp.Diff([][]byte{leafDER, ca.cert.Raw}, id.Certificate.Certificate); diff != "" {
		t.Errorf("chain (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(secretDir, SecretFile)); err != nil {
		t.Errorf("secret not created in secretDir: %v", err)
	}

	again, made, err := LoadIdentity(certPath, keyPath, secretDir)
	if err != nil {
		t.Fatalf("LoadIdentity (again): %v", err)
	}
	if made {
		t.Errorf("again: made = %v, want false", made)
	}
	if again.Secret != id.Secret {
		t.Errorf("again: Secret changed")
	}
}

func TestLoadIdentityRefusesRSA(t *testing.T) {
	ca := newTestCA(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath := writePEMFiles(t, dir, key, ca.issue(t, &key.PublicKey, []string{"relay.example"}))

	id, _, err := LoadIdentity(certPath, keyPath, dir)
	if err == nil {
		t.Fatalf("LoadIdentity: got %v, want an error", id)
	}
	for _, s := range []string{keyPath, "rsa", "want ECDSA"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, SecretFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused identity created a secret: stat: %v", err)
	}
}

func TestFingerprintStringParseRoundTrip(t *testing.T) {
	var f Fingerprint
	for i := range f {
		f[i] = byte(0xA0 + i)
	}
	s := f.String()
	if want := "sha256:a0:a1:a2:a3:a4:a5:a6:a7:a8:a9:aa:ab:ac:ad:ae:af:b0:b1:b2:b3:b4:b5:b6:b7:b8:b9:ba:bb:bc:bd:be:bf"; s != want {
		t.Errorf("String: got %q, want %q", s, want)
	}
	got, err := ParseFingerprint(s)
	if err != nil {
		t.Fatalf("ParseFingerprint(%q): %v", s, err)
	}
	if got != f {
		t.Errorf("ParseFingerprint(String()): got %v, want %v", got, f)
	}

	id := newIdentity(t)
	got, err = ParseFingerprint(id.Fingerprint.String())
	if err != nil || got != id.Fingerprint {
		t.Errorf("ParseFingerprint(identity): got %v, %v, want %v, nil", got, err, id.Fingerprint)
	}
}

func TestParseFingerprintForms(t *testing.T) {
	var want Fingerprint
	for i := range want {
		want[i] = byte(0xA0 + i)
	}
	plain := "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	colons := want.String()[len("sha256:"):]
	tests := []struct {
		name string
		in   string
	}{
		{"String form", want.String()},
		{"upper case", strings.ToUpper(want.String())},
		{"colons, no prefix", colons},
		{"upper case colons, no prefix", strings.ToUpper(colons)},
		{"plain hex", plain},
		{"plain upper hex", strings.ToUpper(plain)},
		{"prefix, plain hex", "sha256:" + plain},
		{"mixed case", "SHA256:" + plain[:32] + strings.ToUpper(plain[32:])},
		{"surrounding space", "  " + want.String() + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFingerprint(tt.in)
			if err != nil {
				t.Fatalf("ParseFingerprint(%q): %v", tt.in, err)
			}
			if got != want {
				t.Errorf("ParseFingerprint(%q): got %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestParseFingerprintRejects(t *testing.T) {
	plain := "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"prefix only", "sha256:"},
		{"31 bytes", plain[:62]},
		{"33 bytes", plain + "c0"},
		{"odd number of digits", plain[:63]},
		{"non-hex digit", "g" + plain[1:]},
		{"other hash", "sha1:" + plain},
		{"SHA-1 length", plain[:40]},
		{"spaces inside", plain[:32] + " " + plain[32:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFingerprint(tt.in)
			if !errors.Is(err, ErrBadFingerprint) {
				t.Fatalf("ParseFingerprint(%q): got %v, %v, want ErrBadFingerprint", tt.in, got, err)
			}
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not quote the input %q", err, tt.in)
			}
		})
	}
}

func TestFingerprintOfIsSHA256(t *testing.T) {
	der := []byte("not really a certificate")
	want := sha256.Sum256(der)
	if got := FingerprintOf(der); !bytes.Equal(got[:], want[:]) {
		t.Errorf("FingerprintOf: got %x, want %x", got, want)
	}
}
