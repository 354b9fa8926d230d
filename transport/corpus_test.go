package transport

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

// TestWriteFuzzCorpus regenerates the seed corpora in testdata/fuzz from real traffic:
// packets of a harness pair exchanging messages on every channel mode (in clear, so the
// frames can be read), and the handshake messages and tokens the code produces. It runs
// only when BOSON_WRITE_CORPUS=1:
//
//	BOSON_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus ./transport/
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("BOSON_WRITE_CORPUS") != "1" {
		t.Skip("set BOSON_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	old, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "*", "seed-*"))
	for _, f := range old { // generated seeds only; inputs the fuzzer found stay
		os.Remove(f)
	}
	var packets [][]byte
	synctest.Test(t, func(t *testing.T) {
		client, relay := newPair(t, pairOptions{plain: true})
		up, down := newLink(1, 0.1, 0.05, 0.1), newLink(2, 0.1, 0, 0)
		for i := range 40 {
			mustSend(t, client.c, i%4, testMessage(i))
			mustSend(t, client.c, 1, make([]byte, 3000)) // fragments
			client.step()
			pkts := client.take()
			packets = append(packets, pkts...)
			relay.receive(up.carry(pkts))
			client.receive(down.carry(relay.take()))
			wait(20*time.Millisecond, client, relay)
		}
	})
	for i, p := range packets {
		if i%10 != 0 {
			continue
		}
		writeSeed(t, "FuzzHeader", p[:headerLen])
		writeSeed(t, "FuzzFrames", p[headerLen:])
		writeSeed(t, "FuzzReceivePath", p[headerLen:])
	}
	h := hello{version: protocolVersion, clientCID: 0xCAFE, mtu: 1200, maxMessage: 65536, channels: []Mode{ReliableOrdered, Unreliable, UnreliableSequenced}}
	writeSeed(t, "FuzzHello", h.append(nil))
	g := params{serverCID: 7, resetToken: [16]byte{1}, mtu: 1200, maxMessage: 65536, idleMillis: 10000, keepMillis: 1000, sessionID: 0x1234, token: make([]byte, 120)}
	writeSeed(t, "FuzzAccept", (&accept{version: protocolVersion, params: g}).append(nil))
	writeSeed(t, "FuzzAccept", (&accept{version: protocolVersion, status: refuseFull, reason: refusalText(refuseFull)}).append(nil))
	tb := tokenBody{id: [16]byte{9}, session: 42, expires: 1700000000000, secret: [32]byte{3}, channels: []Mode{1, 2, 3}, data: []byte("room=lobby"), serverCID: 7, mtu: 1200, maxMsg: 65536}
	writeSeed(t, "FuzzTokenBody", tb.append(nil))
	nonce := [16]byte{5}
	writeSeed(t, "FuzzResume", appendResume(nil, make([]byte, 150), &nonce, 0xCAFE, resumeContinue, func([]byte) [16]byte { return [16]byte{8} }))
}

// writeSeed writes b as a corpus entry of the fuzz target, named by its hash.
func writeSeed(t *testing.T, target string, b []byte) {
	t.Helper()
	sum := sha256.Sum256(b)
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
	if err := os.WriteFile(filepath.Join(dir, "seed-"+hex.EncodeToString(sum[:8])), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
