package handshake

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/bosonrt/boson/crypto/seal"
	"github.com/pion/dtls/v3"
)

// ExporterLabel is the RFC 5705 label both sides export the record layer's keys with.
const ExporterLabel = "EXPORTER-boson-v1"

// cipherSuites are the only suites offered and accepted: ECDHE with the relay's ECDSA
// key, AEAD records.
var cipherSuites = []dtls.CipherSuiteID{
	dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
}

// flightInterval is how often DTLS repeats a flight that got no answer. It does not
// back off: a handshake has a deadline (10 s by default), and with pion's doubling
// (0.5, 1, 2, 4 s) a client on a 40 % loss link rarely finishes in time, while a fixed
// interval costs a few small packets a second, sent only to a validated address.
const flightInterval = 500 * time.Millisecond

// ServerConfig configures [Server].
type ServerConfig struct {
	// Identity is the relay's certificate. Required.
	Identity *Identity
	// Logger receives pion's DTLS logs, at Debug level and below (they are per client,
	// so a hostile client cannot flood the relay's log). If nil, they are discarded.
	Logger *slog.Logger
}

// ClientConfig configures [Client]: how the client verifies the relay. When
// Fingerprints is set the leaf certificate must match one of them; when ServerName (a
// DNS name or an IP address) is set the chain must verify to RootCAs (or the system
// roots if RootCAs is nil) for that name; when both are set, both must pass.
type ClientConfig struct {
	Fingerprints []Fingerprint
	RootCAs      *x509.CertPool
	ServerName   string
	// InsecureSkipVerify skips verifying the chain, for LAN testing only. Fingerprints,
	// if set, are still checked.
	InsecureSkipVerify bool
	Logger             *slog.Logger // nil discards pion's logs
}

// Session is a completed DTLS handshake: the peer is authenticated (on the client) and
// both sides can export keys. Read and Write carry DTLS application data, which the
// transport uses for HELLO and ACCEPT only. It is safe for concurrent use as a net.Conn is.
type Session struct {
	conn *dtls.Conn
}

// Server runs the relay side of a handshake with the client at raddr over pc, which
// delivers only that client's datagrams (first-contact trailers may still be attached:
// the server strips them). The relay has already validated the client's address with a
// cookie, so the DTLS server sends no HelloVerifyRequest. ctx bounds the handshake.
func Server(ctx context.Context, pc net.PacketConn, raddr net.Addr, cfg *ServerConfig) (*Session, error) {
	if cfg.Identity == nil {
		return nil, errors.New("handshake: server needs an Identity")
	}
	conn, err := dtls.ServerWithOptions(trailerStripper{pc}, raddr,
		dtls.WithCertificates(cfg.Identity.Certificate),
		dtls.WithCipherSuites(cipherSuites...),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerifyHello(true),
		dtls.WithFlightInterval(flightInterval),
		dtls.WithDisableRetransmitBackoff(true),
		dtls.WithLoggerFactory(loggerFactory(cfg.Logger)),
	)
	if err != nil {
		return nil, fmt.Errorf("handshake: server: %w", err)
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("handshake: with %v: %w", raddr, err)
	}
	return &Session{conn: conn}, nil
}

// Client runs the client side of a handshake with the relay at raddr over pc, which
// delivers the relay's DTLS and RETRY datagrams. It sends the ClientHello as a padded
// first-contact datagram and answers a RETRY by sending it again with the cookie. ctx
// bounds the handshake. A relay that fails verification gives an error matching
// [ErrFingerprintMismatch] (for a pin) or the x509 error (for a chain).
func Client(ctx context.Context, pc net.PacketConn, raddr net.Addr, cfg *ClientConfig) (*Session, error) {
	if len(cfg.Fingerprints) == 0 && cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		return nil, ErrNoVerification
	}
	// The relay is verified here rather than by pion: pion drops an IP-literal ServerName
	// (it is no valid SNI) and would then verify the chain for no name at all.
	v := relayVerifier{pins: append([]Fingerprint(nil), cfg.Fingerprints...), roots: cfg.RootCAs}
	if !cfg.InsecureSkipVerify {
		v.name = cfg.ServerName
	}
	var verifyErr error // written by pion's handshake goroutine; read once it has ended
	fc := &firstContactConn{PacketConn: pc}
	conn, err := dtls.ClientWithOptions(fc, raddr,
		dtls.WithCipherSuites(cipherSuites...),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithFlightInterval(flightInterval),
		dtls.WithDisableRetransmitBackoff(true),
		dtls.WithLoggerFactory(loggerFactory(cfg.Logger)),
		dtls.WithServerName(cfg.ServerName), // SNI only: relayVerifier checks the name
		dtls.WithInsecureSkipVerify(true),
		dtls.WithVerifyPeerCertificate(func(raw [][]byte, _ [][]*x509.Certificate) error {
			verifyErr = v.verify(raw)
			return verifyErr
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("handshake: client: %w", err)
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		if verifyErr != nil {
			return nil, verifyErr
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("handshake: with %v: %w", raddr, ctx.Err())
		}
		return nil, fmt.Errorf("handshake: with %v: %w", raddr, err)
	}
	fc.done.Store(true)
	return &Session{conn: conn}, nil
}

// relayVerifier checks the relay's certificate chain (leaf first): that it verifies to
// roots (nil: the system roots) for name, if name is set, and that the leaf matches one
// of pins, if there are any.
type relayVerifier struct {
	pins  []Fingerprint
	roots *x509.CertPool
	name  string // a DNS name or an IP address
}

func (v relayVerifier) verify(raw [][]byte) error {
	if v.name != "" {
		if len(raw) == 0 {
			return errors.New("handshake: relay sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, der := range raw {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("handshake: relay certificate: %w", err)
			}
			certs[i] = c
		}
		opts := x509.VerifyOptions{Roots: v.roots, DNSName: v.name, Intermediates: x509.NewCertPool()}
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := certs[0].Verify(opts); err != nil {
			return fmt.Errorf("handshake: relay certificate: %w", err)
		}
	}
	if len(v.pins) > 0 {
		return checkPin(raw, v.pins)
	}
	return nil
}

func checkPin(raw [][]byte, pins []Fingerprint) error {
	if len(raw) == 0 {
		return fmt.Errorf("%w: relay sent no certificate", ErrFingerprintMismatch)
	}
	got := Fingerprint(sha256.Sum256(raw[0]))
	for _, p := range pins {
		if p == got {
			return nil
		}
	}
	return fmt.Errorf("%w: relay presented %s", ErrFingerprintMismatch, got)
}

func loggerFactory(l *slog.Logger) slogFactory {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return slogFactory{l}
}

// KeyingMaterial exports the record layer's keying material (RFC 5705, label
// ExporterLabel, no context). Both sides get the same bytes.
func (s *Session) KeyingMaterial() ([seal.MaterialLen]byte, error) {
	var out [seal.MaterialLen]byte
	st, ok := s.conn.ConnectionState()
	if !ok {
		return out, errors.New("handshake: no connection state")
	}
	b, err := st.ExportKeyingMaterial(ExporterLabel, nil, seal.MaterialLen)
	if err != nil {
		return out, fmt.Errorf("handshake: export keys: %w", err)
	}
	copy(out[:], b)
	clear(b)
	return out, nil
}

// PeerFingerprint returns the fingerprint of the peer's leaf certificate, if it sent one.
func (s *Session) PeerFingerprint() (Fingerprint, bool) {
	st, ok := s.conn.ConnectionState()
	if !ok || len(st.PeerCertificates) == 0 {
		return Fingerprint{}, false
	}
	return FingerprintOf(st.PeerCertificates[0]), true
}

// Read reads one DTLS application-data message.
func (s *Session) Read(b []byte) (int, error) { return s.conn.Read(b) }

// Write sends b as one DTLS application-data message.
func (s *Session) Write(b []byte) (int, error) { return s.conn.Write(b) }

// SetReadDeadline bounds Read.
func (s *Session) SetReadDeadline(t time.Time) error { return s.conn.SetReadDeadline(t) }

// Close sends close_notify and closes the session and the PacketConn under it.
func (s *Session) Close() error { return s.conn.Close() }
