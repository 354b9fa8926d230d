package handshake

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
)

var (
	_ net.PacketConn = (*firstContactConn)(nil)
	_ net.PacketConn = trailerStripper{}
)

// testTimeout bounds every handshake and every read in the tests.
const testTimeout = 5 * time.Second

// listenUDP opens a UDP socket on 127.0.0.1 that the test closes when it ends.
func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readDatagram reads one datagram from c, failing the test after testTimeout.
func readDatagram(t *testing.T, c *net.UDPConn) ([]byte, *net.UDPAddr) {
	t.Helper()
	buf := make([]byte, 64<<10)
	if err := c.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	n, from, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("ReadFromUDP: %v", err)
	}
	return buf[:n], from
}

// captureClientHello returns a real DTLS 1.2 ClientHello datagram, as pion writes it
// (configured as Client configures it), by running a pion client against a UDP socket
// that never answers.
func captureClientHello(t *testing.T) []byte {
	t.Helper()
	cli, sink := listenUDP(t), listenUDP(t)
	conn, err := dtls.ClientWithOptions(cli, sink.LocalAddr(),
		dtls.WithCipherSuites(cipherSuites...),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerify(true),
		dtls.WithLoggerFactory(loggerFactory(nil)),
	)
	if err != nil {
		t.Fatalf("dtls.Client: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- conn.HandshakeContext(ctx) }()
	hello, _ := readDatagram(t, sink)
	cancel()
	if err := <-done; err == nil {
		t.Fatalf("handshake with a silent peer succeeded")
	}
	conn.Close()
	if !IsClientHello(hello) {
		t.Fatalf("captured datagram is not a ClientHello: % x", hello)
	}
	return hello
}

// firstContact returns a first-contact datagram of a real ClientHello with cookie.
func firstContact(t *testing.T, cookie []byte) (datagram, hello []byte) {
	t.Helper()
	hello = captureClientHello(t)
	return AppendFirstContact(nil, hello, cookie), hello
}

// newIdentity creates a self-signed relay identity in a temporary directory.
func newIdentity(t *testing.T) *Identity {
	t.Helper()
	id, _, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreateIdentity: %v", err)
	}
	return id
}

// testCA is a certificate authority made up for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newECDSAKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "boson test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("CreateCertificate (CA): %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate (CA): %v", err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// issue returns the DER of a leaf certificate for pub, valid for dnsNames and ips.
func (ca *testCA) issue(t *testing.T, pub crypto.PublicKey, dnsNames []string, ips ...net.IP) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "boson test relay"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatalf("CreateCertificate (leaf): %v", err)
	}
	return der
}

func newECDSAKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return key
}

// writePEMFiles writes a certificate chain (leaf first) and a PKCS#8 key into dir and
// returns their paths.
func writePEMFiles(t *testing.T, dir string, key crypto.PrivateKey, chain ...[]byte) (certPath, keyPath string) {
	t.Helper()
	var certPEM []byte
	for _, der := range chain {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("MarshalPKCS8PrivateKey: %v", err)
	}
	certPath, keyPath = filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// caIdentity returns a relay identity whose leaf, for dnsNames and ips, ca issued.
func caIdentity(t *testing.T, ca *testCA, dnsNames []string, ips ...net.IP) *Identity {
	t.Helper()
	key := newECDSAKey(t)
	dir := t.TempDir()
	certPath, keyPath := writePEMFiles(t, dir, key, ca.issue(t, &key.PublicKey, dnsNames, ips...), ca.cert.Raw)
	id, _, err := LoadIdentity(certPath, keyPath, dir)
	if err != nil {
		t.Fatalf("LoadIdentity: %v", err)
	}
	return id
}

// handshakeResult is one side's outcome of a handshake.
type handshakeResult struct {
	s   *Session
	err error
}

// runHandshake runs Server with srvCfg and Client with cliCfg against each other over two
// UDP sockets on 127.0.0.1, and returns both outcomes. Sessions are closed when the test
// ends.
func runHandshake(t *testing.T, srvCfg *ServerConfig, cliCfg *ClientConfig) (srv, cli handshakeResult) {
	t.Helper()
	srvSock, cliSock := listenUDP(t), listenUDP(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	srvDone := make(chan handshakeResult, 1)
	go func() {
		s, err := Server(ctx, srvSock, cliSock.LocalAddr(), srvCfg)
		srvDone <- handshakeResult{s, err}
	}()
	s, err := Client(ctx, cliSock, srvSock.LocalAddr(), cliCfg)
	cli = handshakeResult{s, err}
	if err != nil {
		// The server waits for a client that has given up: end it now.
		srvSock.Close()
	}
	srv = <-srvDone
	for _, r := range []handshakeResult{srv, cli} {
		if r.s != nil {
			t.Cleanup(func() { r.s.Close() })
		}
	}
	if errors.Is(cli.err, context.DeadlineExceeded) {
		t.Fatalf("client handshake timed out: %v", cli.err)
	}
	return srv, cli
}
