package seal

import (
	"bytes"
	"errors"
	"testing"
)

func testKey(t testing.TB, b byte) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{b}, KeyLen), bytes.Repeat([]byte{b + 1}, IVLen))
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	return k
}

func TestKeySealsAndOpensInPlace(t *testing.T) {
	k := testKey(t, 1)
	hdr := []byte("header!!!")
	buf := make([]byte, len(hdr), 256)
	copy(buf, hdr)
	buf = append(buf, "the frames"...)
	sealed := k.Seal(buf[:len(hdr)], buf[:len(hdr)], 7, buf[len(hdr):])
	if got, want := len(sealed), len(hdr)+len("the frames")+TagLen; got != want {
		t.Fatalf("sealed length: got %d, want %d", got, want)
	}
	ct := sealed[len(hdr):]
	pt, err := k.Open(ct[:0], sealed[:len(hdr)], 7, ct)
	if err != nil || string(pt) != "the frames" {
		t.Fatalf("Open: got %q, %v; want the frames, nil", pt, err)
	}
}

func TestKeyRejectsAnyChange(t *testing.T) {
	k := testKey(t, 1)
	aad := []byte("hdr")
	sealed := k.Seal(nil, aad, 42, []byte("payload"))
	tests := []struct {
		name string
		key  *Key
		aad  []byte
		pn   uint64
		ct   []byte
	}{
		{"flipped ciphertext", k, aad, 42, flip(sealed, 0)},
		{"flipped tag", k, aad, 42, flip(sealed, len(sealed)-1)},
		{"truncated", k, aad, 42, sealed[:len(sealed)-1]},
		{"shorter than a tag", k, aad, 42, sealed[:TagLen-1]},
		{"other packet number", k, aad, 43, sealed},
		{"other header", k, []byte("hdX"), 42, sealed},
		{"other key", testKey(t, 9), aad, 42, sealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.key.Open(nil, tt.aad, tt.pn, tt.ct); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open: got %v, want ErrOpen", err)
			}
		})
	}
}

func TestNoncesDifferPerPacketNumber(t *testing.T) {
	k := testKey(t, 3)
	seen := map[[IVLen]byte]uint64{}
	for _, pn := range []uint64{0, 1, 2, 255, 256, 1 << 32, 1<<64 - 1} {
		n := k.nonce(pn)
		if prev, dup := seen[n]; dup {
			t.Fatalf("packet numbers %d and %d share a nonce", prev, pn)
		}
		seen[n] = pn
	}
}

func TestNewKeyRejectsBadSizes(t *testing.T) {
	if _, err := NewKey(make([]byte, 31), make([]byte, IVLen)); err == nil {
		t.Error("31-byte key: got nil error")
	}
	if _, err := NewKey(make([]byte, KeyLen), make([]byte, 8)); err == nil {
		t.Error("8-byte IV: got nil error")
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x80
	return c
}

func BenchmarkSeal(b *testing.B) {
	for _, size := range []int{64, 200, 1175} {
		b.Run(byteSize(size), func(b *testing.B) {
			k := testKey(b, 1)
			buf := make([]byte, 9+size+TagLen)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				k.Seal(buf[:9], buf[:9], uint64(i), buf[9:9+size])
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, size := range []int{64, 200, 1175} {
		b.Run(byteSize(size), func(b *testing.B) {
			k := testKey(b, 1)
			sealed := k.Seal(make([]byte, 9), make([]byte, 9), 5, make([]byte, size))
			ct := make([]byte, len(sealed)-9)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				copy(ct, sealed[9:])
				if _, err := k.Open(ct[:0], sealed[:9], 5, ct); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	return string(rune('0'+n/1000%10)) + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10)) + "B"
}
