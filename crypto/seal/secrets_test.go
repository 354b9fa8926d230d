package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSplitMaterial(t *testing.T) {
	m := make([]byte, MaterialLen)
	for i := range m {
		m[i] = byte(i)
	}
	s, err := SplitMaterial(m)
	if err != nil {
		t.Fatalf("SplitMaterial: %v", err)
	}
	if s.ClientKey[0] != 0 || s.ClientIV[0] != 32 || s.ServerKey[0] != 44 || s.ServerIV[0] != 76 || s.Resume[0] != 88 || s.Resume[31] != 119 {
		t.Fatalf("split at the wrong offsets: %+v", s)
	}
	if _, err := SplitMaterial(m[:MaterialLen-1]); !errors.Is(err, ErrMaterialSize) {
		t.Fatalf("short material: got %v, want ErrMaterialSize", err)
	}
	s.Wipe()
	if s != (Secrets{}) {
		t.Fatal("Wipe left secrets behind")
	}
}

func TestDeriveResumedDependsOnBothNonces(t *testing.T) {
	secret := [32]byte{1, 2, 3}
	cn, sn := [16]byte{4}, [16]byte{5}
	a, err := DeriveResumed(&secret, &cn, &sn)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DeriveResumed(&secret, &cn, &sn)
	if a != b {
		t.Fatal("same inputs derived different secrets")
	}
	sn2 := [16]byte{6}
	c, _ := DeriveResumed(&secret, &cn, &sn2)
	other := [32]byte{9}
	d, _ := DeriveResumed(&other, &cn, &sn)
	if a.ClientKey == c.ClientKey || a.ClientKey == d.ClientKey || a.Resume == a.ClientKey {
		t.Fatal("derived keys do not depend on the nonces and secret")
	}
}

func TestResumeMAC(t *testing.T) {
	k := [32]byte{7}
	a := ResumeMAC(&k, []byte("resume request"))
	if b := ResumeMAC(&k, []byte("resume request")); !TokensEqual(&a, &b) {
		t.Fatal("MAC not deterministic")
	}
	if b := ResumeMAC(&k, []byte("resume requesT")); TokensEqual(&a, &b) {
		t.Fatal("MAC ignores the message")
	}
	k2 := [32]byte{8}
	if b := ResumeMAC(&k2, []byte("resume request")); TokensEqual(&a, &b) {
		t.Fatal("MAC ignores the key")
	}
}

func TestTokenKey(t *testing.T) {
	k, err := GenerateTokenKey()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal(nil, []byte("session 42"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != len("session 42")+TokenOverhead {
		t.Fatalf("sealed token of %d bytes, want %d", len(sealed), len("session 42")+TokenOverhead)
	}
	again, _ := k.Seal(nil, []byte("session 42"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same token are identical (nonce reuse)")
	}
	got, err := k.Open(nil, sealed)
	if err != nil || string(got) != "session 42" {
		t.Fatalf("Open: got %q, %v", got, err)
	}
	other, _ := GenerateTokenKey()
	for name, bad := range map[string][]byte{
		"flipped":   flip(sealed, 30),
		"truncated": sealed[:len(sealed)-1],
		"tiny":      sealed[:10],
		"empty":     nil,
	} {
		if _, err := k.Open(nil, bad); !errors.Is(err, ErrOpen) {
			t.Errorf("%s token: got %v, want ErrOpen", name, err)
		}
	}
	if _, err := other.Open(nil, sealed); !errors.Is(err, ErrOpen) {
		t.Errorf("token under another key: got %v, want ErrOpen", err)
	}
}

func TestResetTokensSurviveRestartAndDifferPerConnection(t *testing.T) {
	secret := bytes.Repeat([]byte{3}, 32)
	a, err := NewResetKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewResetKey(secret) // the relay after a restart
	ta, tb := a.Token(1), b.Token(1)
	if !TokensEqual(&ta, &tb) {
		t.Fatal("reset token changed across a restart")
	}
	if t2 := a.Token(2); TokensEqual(&ta, &t2) {
		t.Fatal("two connection IDs share a reset token")
	}
	c, _ := NewResetKey(bytes.Repeat([]byte{4}, 32))
	if tc := c.Token(1); TokensEqual(&ta, &tc) {
		t.Fatal("another relay's secret gives the same token")
	}
	if _, err := NewResetKey(secret[:8]); err == nil {
		t.Fatal("8-byte secret accepted")
	}
}

func FuzzTokenOpen(f *testing.F) {
	k, err := NewTokenKey(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := k.Seal(nil, []byte("a token body"))
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pt, err := k.Open(nil, b)
		if err == nil && len(pt) != len(b)-TokenOverhead {
			t.Fatalf("opened %d bytes from a %d-byte token", len(pt), len(b))
		}
	})
}
