package handshake

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
)

func TestHandshakePinnedFingerprint(t *testing.T) {
	id := newIdentity(t)
	other := newIdentity(t)
	srv, cli := runHandshake(t,
		&ServerConfig{Identity: id},
		&ClientConfig{Fingerprints: []Fingerprint{other.Fingerprint, id.Fingerprint}})
	if cli.err != nil {
		t.Fatalf("Client: %v", cli.err)
	}
	if srv.err != nil {
		t.Fatalf("Server: %v", srv.err)
	}

	ck, err := cli.s.KeyingMaterial()
	if err != nil {
		t.Fatalf("client KeyingMaterial: %v", err)
	}
	sk, err := srv.s.KeyingMaterial()
	if err != nil {
		t.Fatalf("server KeyingMaterial: %v", err)
	}
	if ck != sk {
		t.Errorf("KeyingMaterial: client got %x, server got %x, want equal", ck, sk)
	}
	if ck == ([seal.MaterialLen]byte{}) {
		t.Errorf("KeyingMaterial is all zero")
	}
	if _, err := seal.SplitMaterial(ck[:]); err != nil {
		t.Errorf("SplitMaterial: %v", err)
	}

	if got, ok := cli.s.PeerFingerprint(); !ok || got != id.Fingerprint {
		t.Errorf("client PeerFingerprint: got %v, %v, want %v, true", got, ok, id.Fingerprint)
	}
	if got, ok := srv.s.PeerFingerprint(); ok {
		t.Errorf("server PeerFingerprint: got %v, %v, want none (clients send no certificate)", got, ok)
	}

	// HELLO and ACCEPT travel as DTLS application data.
	exchange(t, cli.s, srv.s, "HELLO")
	exchange(t, srv.s, cli.s, "ACCEPT")
}

// exchange writes msg on from and checks that to reads it.
func exchange(t *testing.T, from, to *Session, msg string) {
	t.Helper()
	if _, err := from.Write([]byte(msg)); err != nil {
		t.Fatalf("Write(%q): %v", msg, err)
	}
	if err := to.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := to.Read(buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := string(buf[:n]); got != msg {
		t.Errorf("Read: got %q, want %q", got, msg)
	}
}

func TestHandshakeKeysDifferPerHandshake(t *testing.T) {
	id := newIdentity(t)
	var keys [2][seal.MaterialLen]byte
	for i := range keys {
		_, cli := runHandshake(t, &ServerConfig{Identity: id}, &ClientConfig{Fingerprints: []Fingerprint{id.Fingerprint}})
		if cli.err != nil {
			t.Fatalf("Client: %v", cli.err)
		}
		k, err := cli.s.KeyingMaterial()
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	if keys[0] == keys[1] {
		t.Errorf("two handshakes exported the same keys")
	}
}

func TestHandshakeWrongPin(t *testing.T) {
	id := newIdentity(t)
	pin := newIdentity(t).Fingerprint
	srv, cli := runHandshake(t, &ServerConfig{Identity: id}, &ClientConfig{Fingerprints: []Fingerprint{pin}})
	if !errors.Is(cli.err, ErrFingerprintMismatch) {
		t.Fatalf("Client: got %v, want ErrFingerprintMismatch", cli.err)
	}
	if !strings.Contains(cli.err.Error(), id.Fingerprint.String()) {
		t.Errorf("error %q does not name the presented fingerprint %v", cli.err, id.Fingerprint)
	}
	if cli.s != nil {
		t.Errorf("Client returned a session with an error")
	}
	if srv.err == nil {
		t.Errorf("Server: got a session, want an error (the client refused the relay)")
	}
}

func TestHandshakeCAVerification(t *testing.T) {
	ca := newTestCA(t)
	id := caIdentity(t, ca, []string{"relay.example"}, net.IPv4(127, 0, 0, 1))
	otherCA := newTestCA(t)

	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr func(error) bool // nil: the handshake succeeds
	}{
		{
			name: "CA and server name",
			cfg:  ClientConfig{RootCAs: ca.pool(), ServerName: "relay.example"},
		},
		{
			name: "CA and IP address",
			cfg:  ClientConfig{RootCAs: ca.pool(), ServerName: "127.0.0.1"},
		},
		{
			name: "CA, server name and pin",
			cfg:  ClientConfig{RootCAs: ca.pool(), ServerName: "relay.example", Fingerprints: []Fingerprint{id.Fingerprint}},
		},
		{
			name:    "wrong server name",
			cfg:     ClientConfig{RootCAs: ca.pool(), ServerName: "other.example"},
			wantErr: isHostnameError,
		},
		{
			name:    "wrong IP address",
			cfg:     ClientConfig{RootCAs: ca.pool(), ServerName: "127.0.0.2"},
			wantErr: isHostnameError,
		},
		{
			name:    "unknown CA",
			cfg:     ClientConfig{RootCAs: otherCA.pool(), ServerName: "relay.example"},
			wantErr: isUnknownAuthority,
		},
		{
			name: "CA and server name pass, pin does not",
			cfg: ClientConfig{RootCAs: ca.pool(), ServerName: "relay.example",
				Fingerprints: []Fingerprint{newIdentity(t).Fingerprint}},
			wantErr: func(err error) bool { return errors.Is(err, ErrFingerprintMismatch) },
		},
		{
			name:    "pin passes, CA does not",
			cfg:     ClientConfig{RootCAs: otherCA.pool(), ServerName: "relay.example", Fingerprints: []Fingerprint{id.Fingerprint}},
			wantErr: isUnknownAuthority,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cli := runHandshake(t, &ServerConfig{Identity: id}, &tt.cfg)
			if tt.wantErr == nil {
				if cli.err != nil || srv.err != nil {
					t.Fatalf("handshake: client %v, server %v, want success", cli.err, srv.err)
				}
				if got, _ := cli.s.PeerFingerprint(); got != id.Fingerprint {
					t.Errorf("PeerFingerprint: got %v, want %v", got, id.Fingerprint)
				}
				return
			}
			if !tt.wantErr(cli.err) {
				t.Errorf("Client: got error %v", cli.err)
			}
			if srv.err == nil {
				t.Errorf("Server: got a session, want an error")
			}
		})
	}
}

func isHostnameError(err error) bool {
	var h x509.HostnameError
	return errors.As(err, &h)
}

func isUnknownAuthority(err error) bool {
	var u x509.UnknownAuthorityError
	return errors.As(err, &u)
}

func TestHandshakeSelfSignedFailsCAVerification(t *testing.T) {
	id := newIdentity(t)
	_, cli := runHandshake(t, &ServerConfig{Identity: id}, &ClientConfig{RootCAs: newTestCA(t).pool(), ServerName: "relay.example"})
	// The self-signed certificate names no host, which x509 reports first.
	if !isUnknownAuthority(cli.err) && !isHostnameError(cli.err) {
		t.Errorf("Client: got %v, want an x509 verification error", cli.err)
	}
}

func TestHandshakeInsecureSkipVerify(t *testing.T) {
	id := newIdentity(t)
	_, cli := runHandshake(t, &ServerConfig{Identity: id}, &ClientConfig{InsecureSkipVerify: true})
	if cli.err != nil {
		t.Fatalf("Client: %v", cli.err)
	}
	if got, _ := cli.s.PeerFingerprint(); got != id.Fingerprint {
		t.Errorf("PeerFingerprint: got %v, want %v", got, id.Fingerprint)
	}
}

func TestHandshakeInsecureSkipVerifyStillChecksPins(t *testing.T) {
	id := newIdentity(t)
	_, cli := runHandshake(t, &ServerConfig{Identity: id},
		&ClientConfig{InsecureSkipVerify: true, Fingerprints: []Fingerprint{newIdentity(t).Fingerprint}})
	if !errors.Is(cli.err, ErrFingerprintMismatch) {
		t.Errorf("Client: got %v, want ErrFingerprintMismatch (a pin must match)", cli.err)
	}
}

func TestClientNeedsVerification(t *testing.T) {
	tests := []struct {
		name string
		cfg  ClientConfig
	}{
		{"empty config", ClientConfig{}},
		{"roots without a server name", ClientConfig{RootCAs: newTestCA(t).pool()}},
		{"empty pin list", ClientConfig{Fingerprints: []Fingerprint{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc := listenUDP(t)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			s, err := Client(ctx, pc, pc.LocalAddr(), &tt.cfg)
			if !errors.Is(err, ErrNoVerification) {
				t.Errorf("Client: got %v, %v, want ErrNoVerification", s, err)
			}
		})
	}
}

func TestServerNeedsIdentity(t *testing.T) {
	pc := listenUDP(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if s, err := Server(ctx, pc, pc.LocalAddr(), &ServerConfig{}); err == nil {
		t.Errorf("Server without an Identity: got %v, want an error", s)
	}
}

func TestClientTimesOutAgainstSilentRelay(t *testing.T) {
	cli, silent := listenUDP(t), listenUDP(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, err := Client(ctx, cli, silent.LocalAddr(), &ClientConfig{InsecureSkipVerify: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Client: got %v, %v, want context.DeadlineExceeded", s, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Client returned after %v, want about 200ms", d)
	}
}

func TestServerTimesOutAgainstSilentClient(t *testing.T) {
	srv, cli := listenUDP(t), listenUDP(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, err := Server(ctx, srv, cli.LocalAddr(), &ServerConfig{Identity: newIdentity(t)})
	if err == nil {
		t.Errorf("Server: got %v, want an error", s)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Server returned after %v, want about 200ms", d)
	}
}
