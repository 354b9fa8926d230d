package push

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/.

// FuzzDecodeKeyFile checks that the key file loader returns an error, never
// panics, on any bytes, and that what it accepts survives a round trip.
func FuzzDecodeKeyFile(f *testing.F) {
	f.Add([]byte(`{"publicKey":"","privateKey":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		priv, err := decodeKeyFile(b)
		if err != nil {
			return
		}
		enc, err := encodeKeyFile(priv)
		if err != nil {
			t.Fatalf("encodeKeyFile: %v", err)
		}
		again, err := decodeKeyFile(enc)
		if err != nil || !bytes.Equal(again.Bytes(), priv.Bytes()) {
			t.Fatalf("round trip of %q: got %v", enc, err)
		}
	})
}

// FuzzDecodeStore checks that the store file loader returns an error, never
// panics, on any bytes, and that what it accepts survives a round trip.
func FuzzDecodeStore(f *testing.F) {
	f.Add([]byte(`{"version":1,"subscriptions":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		subs, err := decodeStore(b)
		if err != nil {
			return
		}
		enc, err := encodeStore(subs)
		if err != nil {
			t.Fatalf("encodeStore: %v", err)
		}
		again, err := decodeStore(enc)
		if err != nil {
			t.Fatalf("decodeStore(encodeStore(%q)): %v", b, err)
		}
		if diff := cmp.Diff(subs, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

// FuzzParseSubscription checks that ParseSubscription never panics, that its
// errors match ErrBadSubscription, and that its results are normalized.
func FuzzParseSubscription(f *testing.F) {
	f.Add([]byte(`{"endpoint":"https://push.example.com/x","keys":{"p256dh":"","auth":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sub, err := ParseSubscription(b)
		if err != nil {
			if !errors.Is(err, ErrBadSubscription) {
				t.Fatalf("ParseSubscription: error %v does not match ErrBadSubscription", err)
			}
			return
		}
		again, err := sub.normalize(true)
		if err != nil || again != sub {
			t.Fatalf("normalize(%+v): got %+v, %v", sub, again, err)
		}
	})
}

// FuzzCheckEndpoint checks that endpoint validation never panics and that the
// strict policy accepts nothing the permissive one refuses.
func FuzzCheckEndpoint(f *testing.F) {
	f.Add("https://push.example.com/x")
	f.Fuzz(func(t *testing.T, s string) {
		strict := checkEndpoint(s, false)
		if strict != nil && !errors.Is(strict, ErrBadSubscription) {
			t.Fatalf("checkEndpoint(%q): %v does not match ErrBadSubscription", s, strict)
		}
		loose := checkEndpoint(s, true)
		if strict == nil && loose != nil {
			t.Fatalf("checkEndpoint(%q): strict accepts, permissive refuses", s)
		}
		if loose == nil {
			var back string
			if b, err := json.Marshal(s); err != nil || json.Unmarshal(b, &back) != nil || back != s {
				t.Fatalf("accepted endpoint %q does not survive JSON: %q", s, back)
			}
		}
	})
}

// seed returns the value of a "go test fuzz v1" seed file.
func seed(t *testing.T, fuzz, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", fuzz, name))
	if err != nil {
		t.Fatal(err)
	}
	_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	lit = strings.TrimSuffix(lit[strings.IndexByte(lit, '(')+1:], ")")
	v, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatalf("seed %s/%s: %v", fuzz, name, err)
	}
	return v
}

// TestFuzzSeeds checks that the seed corpora hold what their names say.
func TestFuzzSeeds(t *testing.T) {
	decoders := map[string]func(string) error{
		"FuzzDecodeKeyFile": func(s string) error { _, err := decodeKeyFile([]byte(s)); return err },
		"FuzzDecodeStore":   func(s string) error { _, err := decodeStore([]byte(s)); return err },
		"FuzzParseSubscription": func(s string) error {
			_, err := ParseSubscription([]byte(s))
			return err
		},
	}
	valid := map[string]bool{}
	for _, name := range []string{
		"FuzzDecodeKeyFile/valid", "FuzzDecodeKeyFile/valid_indented",
		"FuzzDecodeKeyFile/no_public", "FuzzDecodeKeyFile/padded",
		"FuzzDecodeStore/valid", "FuzzDecodeStore/empty_list", "FuzzDecodeStore/padded_keys",
		"FuzzDecodeStore/private_endpoint", "FuzzDecodeStore/duplicate_endpoint",
		"FuzzParseSubscription/chrome", "FuzzParseSubscription/firefox",
		"FuzzParseSubscription/expiration", "FuzzParseSubscription/padded",
	} {
		valid[name] = true
	}
	for fuzz, decode := range decoders {
		entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", fuzz))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := fuzz + "/" + e.Name()
			if err := decode(seed(t, fuzz, e.Name())); (err == nil) != valid[name] {
				t.Errorf("%s: got error %v, want valid %v", name, err, valid[name])
			}
		}
	}
}
