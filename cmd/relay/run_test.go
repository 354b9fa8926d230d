package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport"
)

// noEnv is an empty environment, so that the tests ignore the caller's BOSON_* variables.
func noEnv(string) string { return "" }

// TestRelayStartsPrintsItsFingerprintAndServes runs the relay as a user would, reads
// the address and fingerprint it prints, connects with that pin, and stops it.
func TestRelayStartsPrintsItsFingerprintAndServes(t *testing.T) {
	b, stop := startRelayCmd(t, t.TempDir())
	defer stop()
	pin, err := handshake.ParseFingerprint(b.fingerprint)
	if err != nil {
		t.Fatalf("printed fingerprint %q: %v", b.fingerprint, err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	c, err := transport.Dial(dctx, b.udp, &transport.DialConfig{
		Channels:     []transport.Mode{transport.ReliableOrdered, transport.UnreliableSequenced},
		Fingerprints: []handshake.Fingerprint{pin},
	})
	if err != nil {
		t.Fatalf("Dial the relay with its printed pin: %v", err)
	}
	defer c.Close()
	stop() // SIGINT
	_, err = c.Receive(dctx)
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != transport.CodeShutdown {
		t.Fatalf("after the relay stopped: got %v, want a close with CodeShutdown", err)
	}
}

// banner is what the relay prints when it starts.
type banner struct {
	udp, http, fingerprint, dataDir string
	turn                            []string // the TURN/STUN URLs clients get
	warned                          bool     // the unencrypted-mode warning
}

// readBanner reads the start lines, up to the data directory's, which is the last.
func readBanner(t *testing.T, lines *bufio.Scanner) banner {
	t.Helper()
	var b banner
	for b.dataDir == "" && lines.Scan() {
		line := lines.Text()
		if a, ok := strings.CutPrefix(line, "boson relay listening on udp "); ok {
			b.udp = a
		}
		if a, ok := strings.CutPrefix(line, "http on "); ok {
			b.http, _, _ = strings.Cut(a, " ")
		}
		if u, ok := strings.CutPrefix(line, "turn "); ok {
			b.turn = strings.Fields(u)
		}
		if f, ok := strings.CutPrefix(line, "fingerprint "); ok {
			b.fingerprint = f
		}
		if d, ok := strings.CutPrefix(line, "data dir "); ok {
			b.dataDir = d
		}
		if strings.HasPrefix(line, "WARNING: UNENCRYPTED") {
			b.warned = true
		}
	}
	if b.udp == "" || b.fingerprint == "" || b.dataDir == "" {
		t.Fatalf("relay printed no address, fingerprint and data dir: %+v", b)
	}
	return b
}

func TestRelayKeepsItsIdentityAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first := startAndStop(t, dir)
	second := startAndStop(t, dir)
	if first != second {
		t.Fatalf("fingerprint changed across a restart: %s, then %s", first, second)
	}
}

func TestRelayWarnsWhenUnencryptedIsAllowed(t *testing.T) {
	for _, allow := range []bool{false, true} {
		args := []string{}
		if allow {
			args = append(args, "-allow-unencrypted")
		}
		b, stop := startRelayCmd(t, t.TempDir(), args...)
		stop()
		if b.warned != allow {
			t.Errorf("-allow-unencrypted=%v: warned %v, want %v", allow, b.warned, allow)
		}
	}
}

func startAndStop(t *testing.T, dir string) string {
	t.Helper()
	b, stop := startRelayCmd(t, dir)
	stop()
	return b.fingerprint
}

// startRelayCmd runs the relay on loopback ports with its identity in dir and the
// extra args, and returns what it printed and a function that stops it (SIGINT) and
// fails the test if it did not stop cleanly.
func startRelayCmd(t *testing.T, dir string, extra ...string) (banner, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"-listen", "127.0.0.1:0", "-http", "127.0.0.1:0", "-turn-listen", "127.0.0.1:0", "-data-dir", dir}, extra...)
	go func() {
		done <- run(ctx, args, noEnv, outW, io.Discard)
		outW.Close()
	}()
	t.Cleanup(cancel)
	// A relay that cannot start closes out, so readBanner fails instead of hanging.
	b := readBanner(t, bufio.NewScanner(out))
	var once sync.Once
	return b, func() {
		once.Do(func() {
			cancel()
			go io.Copy(io.Discard, out)
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
}

func TestRelayRejectsBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-listen"}, {"-log-level", "loud"}, {"stray"}, {"-listen", "not an address"},
		{"-http", "not an address"}, {"-workers", "many"}, {"-config", dir + "/missing.json"},
	} {
		args = append([]string{"-data-dir", dir, "-listen", "127.0.0.1:0", "-http", "127.0.0.1:0", "-turn-listen", "127.0.0.1:0"}, args...)
		if err := run(context.Background(), args, noEnv, io.Discard, io.Discard); err == nil {
			t.Errorf("run %q: got nil error", args)
		}
	}
}
