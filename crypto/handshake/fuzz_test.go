package handshake

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the golden seed corpus in testdata/fuzz from a real pion ClientHello")

// Golden inputs for the fuzzers, besides the files in testdata/fuzz. They are synthetic
// so that f.Add needs no network; testdata/fuzz holds a real pion ClientHello.
func firstContactSeeds() [][]byte {
	hello := syntheticClientHello(160)
	return [][]byte{
		AppendFirstContact(nil, hello, nil),
		AppendFirstContact(nil, hello, bytes.Repeat([]byte{0xC0}, CookieLen)),
		AppendFirstContact(nil, hello, bytes.Repeat([]byte{0xC1}, MaxCookieLen)),
		AppendFirstContact(nil, syntheticClientHello(1300), []byte{1}),
		append(syntheticClientHello(MinFirstContact-2-10), TrailerMarker, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
		AppendRetry(nil, make([]byte, CookieLen)),
		nil,
		// Unpadded: the fuzz target pads short inputs.
		append(bytes.Clone(hello), TrailerMarker, 0),
		append(bytes.Clone(hello), TrailerMarker, 2, 0xC0, 0xC1),
	}
}

func retrySeeds() [][]byte {
	return [][]byte{
		AppendRetry(nil, bytes.Repeat([]byte{0xAB}, CookieLen)),
		AppendRetry(nil, nil),
		AppendRetry(nil, bytes.Repeat([]byte{0xCD}, MaxCookieLen)),
		append([]byte{TypeRetry, MaxCookieLen + 1}, make([]byte, MaxCookieLen+1)...),
		{TypeRetry},
		nil,
	}
}

func FuzzParseFirstContact(f *testing.F) {
	for _, s := range firstContactSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkParseFirstContact(t, b)
		if len(b) < MinFirstContact {
			// Most of the parser lies past the length check. Padding short inputs lets the
			// fuzzer reach it with them, and lets its minimizer cut an input's tail (each
			// byte it keeps costs it quadratic time).
			checkParseFirstContact(t, append(bytes.Clone(b), make([]byte, MinFirstContact-len(b))...))
		}
	})
}

// checkParseFirstContact checks ParseFirstContact's invariants on b.
func checkParseFirstContact(t *testing.T, b []byte) {
	in := bytes.Clone(b)
	fc, err := ParseFirstContact(b)
	if !bytes.Equal(b, in) {
		t.Fatalf("ParseFirstContact modified its input")
	}
	if err != nil {
		if err != ErrNotFirstContact {
			t.Fatalf("error: got %v, want ErrNotFirstContact", err)
		}
		if fc.Cookie != nil || fc.DTLSLen != 0 || fc.Random != ([32]byte{}) {
			t.Fatalf("rejected datagram gave %+v", fc)
		}
		return
	}
	if len(b) < MinFirstContact {
		t.Fatalf("accepted %d bytes, want at least %d", len(b), MinFirstContact)
	}
	if fc.DTLSLen < recordHeaderLen+handshakeHeaderLen+34 || fc.DTLSLen+2+len(fc.Cookie) > len(b) {
		t.Fatalf("DTLSLen %d, cookie %d bytes: not within %d bytes", fc.DTLSLen, len(fc.Cookie), len(b))
	}
	if len(fc.Cookie) > MaxCookieLen {
		t.Fatalf("cookie: got %d bytes, want at most %d", len(fc.Cookie), MaxCookieLen)
	}
	if !bytes.Equal(fc.Cookie, b[fc.DTLSLen+2:fc.DTLSLen+2+len(fc.Cookie)]) || cap(fc.Cookie) != len(fc.Cookie) {
		t.Fatalf("cookie does not alias the trailer exactly")
	}
	if !bytes.Equal(fc.Random[:], b[randomOffset:randomOffset+32]) {
		t.Fatalf("Random: got %x, want %x", fc.Random, b[randomOffset:randomOffset+32])
	}
	if !IsClientHello(b[:fc.DTLSLen]) || !IsDTLS(b) {
		t.Fatalf("accepted datagram's DTLS part is not a ClientHello")
	}

	again := AppendFirstContact(nil, b[:fc.DTLSLen], fc.Cookie)
	fc2, err := ParseFirstContact(again)
	if err != nil {
		t.Fatalf("ParseFirstContact(AppendFirstContact(...)): %v", err)
	}
	if fc2.Random != fc.Random || fc2.DTLSLen != fc.DTLSLen || !bytes.Equal(fc2.Cookie, fc.Cookie) {
		t.Fatalf("round trip: got %+v, want %+v", fc2, fc)
	}
	if len(again) > len(b) {
		t.Fatalf("round trip grew the datagram from %d to %d bytes", len(b), len(again))
	}
}

func FuzzParseRetry(f *testing.F) {
	for _, s := range retrySeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cookie, ok := ParseRetry(b)
		if !ok {
			if cookie != nil {
				t.Fatalf("rejected RETRY gave cookie %x", cookie)
			}
			return
		}
		if len(cookie) > MaxCookieLen {
			t.Fatalf("cookie: got %d bytes, want at most %d", len(cookie), MaxCookieLen)
		}
		if IsDTLS(b) {
			t.Fatalf("a RETRY is also DTLS")
		}
		if _, err := ParseFirstContact(b); err == nil {
			t.Fatalf("a RETRY is also a first contact")
		}
		if again := AppendRetry(nil, cookie); !bytes.Equal(again, b) {
			t.Fatalf("round trip: got % x, want % x", again, b)
		}
	})
}

// goldenSeeds are the seed corpus files in testdata/fuzz, by fuzzer and file name, and
// whether the parser accepts each.
var goldenSeeds = map[string]map[string]bool{
	"FuzzParseFirstContact": {
		"pion-first-attempt":        true,
		"pion-with-cookie":          true,
		"pion-nonzero-padding":      false,
		"pion-clienthello-unpadded": false,
	},
	"FuzzParseRetry": {
		"retry-16":    true,
		"retry-empty": true,
		"retry-33":    false,
	},
}

var seedParsers = map[string]func([]byte) bool{
	"FuzzParseFirstContact": func(b []byte) bool { _, err := ParseFirstContact(b); return err == nil },
	"FuzzParseRetry":        func(b []byte) bool { _, ok := ParseRetry(b); return ok },
}

// TestFuzzCorpus checks that the golden seed corpus in testdata/fuzz is there and that
// each seed is accepted or rejected as goldenSeeds says. With -update-corpus it first
// writes the corpus again, from a real pion ClientHello.
func TestFuzzCorpus(t *testing.T) {
	if *updateCorpus {
		writeFuzzCorpus(t)
	}
	for fuzzer, seeds := range goldenSeeds {
		for name, want := range seeds {
			t.Run(fuzzer+"/"+name, func(t *testing.T) {
				b := readSeed(t, filepath.Join("testdata", "fuzz", fuzzer, name))
				if got := seedParsers[fuzzer](b); got != want {
					t.Errorf("accepted: got %v, want %v", got, want)
				}
			})
		}
	}
}

func readSeed(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestFuzzCorpus -update-corpus writes the corpus)", err)
	}
	lit, okPrefix := strings.CutPrefix(string(data), "go test fuzz v1\n[]byte(")
	lit, okSuffix := strings.CutSuffix(lit, ")\n")
	if !okPrefix || !okSuffix {
		t.Fatalf("%s: not a go test fuzz v1 file with one []byte", path)
	}
	b, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(b)
}

func writeFuzzCorpus(t *testing.T) {
	d, hello := firstContact(t, nil)
	cookied := AppendFirstContact(nil, hello, bytes.Repeat([]byte{0xC0}, CookieLen))
	nonzero := bytes.Clone(cookied)
	nonzero[len(nonzero)-1] = 1
	seeds := map[string]map[string][]byte{
		"FuzzParseFirstContact": {
			"pion-first-attempt":        d,
			"pion-with-cookie":          cookied,
			"pion-nonzero-padding":      nonzero,
			"pion-clienthello-unpadded": hello,
		},
		"FuzzParseRetry": {
			"retry-16":    AppendRetry(nil, bytes.Repeat([]byte{0xAB}, CookieLen)),
			"retry-empty": AppendRetry(nil, nil),
			"retry-33":    append([]byte{TypeRetry, MaxCookieLen + 1}, make([]byte, MaxCookieLen+1)...),
		},
	}
	for fuzzer, files := range seeds {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			data := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
