package turnserver

import (
	"cmp"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testSecret = []byte("0123456789abcdef-test")

const testRangeSize = 11

// freePortRange returns a range of testRangeSize ports starting at 40000 or above that are
// all free right now.
func freePortRange(t *testing.T) (lo, hi int) {
	t.Helper()
	for lo = 40000; lo+testRangeSize <= 60000; lo += testRangeSize {
		if rangeFree(lo, lo+testRangeSize-1) {
			return lo, lo + testRangeSize - 1
		}
	}
	t.Fatal("no free relay port range")
	return 0, 0
}

func rangeFree(lo, hi int) bool {
	var conns []*net.UDPConn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for p := lo; p <= hi; p++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			return false
		}
		conns = append(conns, c)
	}
	return true
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// newTestServer starts a server on 127.0.0.1 with a free relay range; cfg may be nil.
// The server is closed when the test ends.
func newTestServer(t *testing.T, cfg *Config) *Server {
	t.Helper()
	if cfg == nil {
		cfg = &Config{}
	}
	cfg.Listen = cmp.Or(cfg.Listen, "127.0.0.1:0")
	cfg.Secret = testSecret
	cfg.Logger = testLogger(t)
	if cfg.MinPort == 0 {
		cfg.MinPort, cfg.MaxPort = freePortRange(t)
	}
	s, err := Listen(cfg)
	if err != nil {
		t.Fatalf("Listen: got %v, want nil", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: got %v, want nil", err)
		}
	})
	return s
}

// listenUDP opens a UDP socket on 127.0.0.1, closed when the test ends.
func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	return listenUDPOn(t, "udp4", "127.0.0.1:0")
}

// listenUDPOn opens a UDP socket on network and addr, closed when the test ends.
func listenUDPOn(t *testing.T, network, addr string) net.PacketConn {
	t.Helper()
	conn, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// newTestClient returns a listening pion TURN client of s on its own UDP socket, closed
// when the test ends.
func newTestClient(t *testing.T, s *Server, username, password string) *turn.Client {
	t.Helper()
	return newTestClientOn(t, s.Addr().String(), listenUDP(t), username, password, 0)
}

// newTestClientOn returns a listening pion client of the server at addr on conn, closed when
// the test ends. Closing conn ends the client's read goroutine. A zero family lets pion infer
// it from conn; pion sends REQUESTED-ADDRESS-FAMILY only for IPv6.
func newTestClientOn(t *testing.T, addr string, conn net.PacketConn, username, password string,
	family turn.RequestedAddressFamily,
) *turn.Client {
	t.Helper()
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr:         addr,
		TURNServerAddr:         addr,
		Conn:                   conn,
		Username:               username,
		Password:               password,
		Realm:                  DefaultRealm,
		RequestedAddressFamily: family,
		RTO:                    100 * time.Millisecond,
		LoggerFactory:          pionLoggers{l: testLogger(t)},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatalf("client Listen: %v", err)
	}
	return c
}

// allocate allocates on c and closes the allocation when the test ends.
func allocate(t *testing.T, c *turn.Client) (net.PacketConn, error) {
	t.Helper()
	relayed, err := c.Allocate()
	if err == nil {
		t.Cleanup(func() { relayed.Close() })
	}
	return relayed, err
}

// turnCode returns the TURN error code in err, or 0.
func turnCode(err error) stun.ErrorCode {
	var te *stun.TurnError
	if errors.As(err, &te) {
		return te.ErrorCodeAttr.Code
	}
	return 0
}

// waitFor polls cond every 10ms until it holds or 5s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func allowAll(net.IP) bool { return true }
