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

// TestRelayStartsPrintsItsFingerprintAndServes runs the relay as a user would, reads
// the address and fingerprint it prints, connects with that pin, and stops it.
func TestRelayStartsPrintsItsFingerprintAndServes(t *testing.T) {
	addr, fp, stop := startRelayCmd(t, t.TempDir())
	defer stop()
	pin, err := handshake.ParseFingerprint(fp)
	if err != nil {
		t.Fatalf("printed fingerprint %q: %v", fp, err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	c, err := transport.Dial(dctx, addr, &transport.DialConfig{
		Channels:     []transport.Mode{transport.ReliableOrdered},
		Fingerprints: []handshake.Fingerprint{pin},
	})
	if err != nil {
		t.Fatalf("Dial the relay with its printed pin: %v", err)
	}
	defer c.Close()
	if err := c.Send(0, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	stop() // SIGINT
	_, err = c.Receive(dctx)
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != transport.CodeShutdown {
		t.Fatalf("after the relay stopped: got %v, want a close with CodeShutdown", err)
	}
}

func readBanner(t *testing.T, lines *bufio.Scanner) (addr, fingerprint string) {
	t.Helper()
	for lines.Scan() && (addr == "" || fingerprint == "") {
		line := lines.Text()
		if a, ok := strings.CutPrefix(line, "boson relay listening on udp "); ok {
			addr = a
		}
		if f, ok := strings.CutPrefix(line, "fingerprint "); ok {
			fingerprint = f
		}
	}
	if addr == "" || fingerprint == "" {
		t.Fatalf("relay printed no address and fingerprint")
	}
	return addr, fingerprint
}

func TestRelayKeepsItsIdentityAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first := startAndStop(t, dir)
	second := startAndStop(t, dir)
	if first != second {
		t.Fatalf("fingerprint changed across a restart: %s, then %s", first, second)
	}
}

func startAndStop(t *testing.T, dir string) string {
	t.Helper()
	_, fp, stop := startRelayCmd(t, dir)
	stop()
	return fp
}

// startRelayCmd runs the relay on a loopback port with its identity in dir and returns
// the address and fingerprint it printed, and a function that stops it (SIGINT) and
// fails the test if it did not stop cleanly.
func startRelayCmd(t *testing.T, dir string) (addr, fp string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-data-dir", dir}, outW, io.Discard)
		outW.Close()
	}()
	addr, fp = readBanner(t, bufio.NewScanner(out))
	var once sync.Once
	return addr, fp, func() {
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
	for _, args := range [][]string{{"-listen"}, {"-log-level", "loud"}, {"stray"}, {"-listen", "not an address"}} {
		args = append([]string{"-data-dir", dir}, args...)
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %q: got nil error", args)
		}
	}
}
