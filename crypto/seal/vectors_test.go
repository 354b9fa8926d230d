package seal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The record layer's test vectors for implementers in other languages live in
// testdata/vectors/seal-v1.json at the repository root. TestVectors checks them against
// this package; BOSON_WRITE_VECTORS=1 regenerates them from fixed inputs.

var vectorsFile = filepath.Join("..", "..", "testdata", "vectors", "seal-v1.json")

type hexBytes []byte

func (h hexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }
func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	*h = d
	return err
}

type sealVectors struct {
	Comment     string             `json:"comment"`
	Split       splitVector        `json:"split_material"`
	Packets     []packetVector     `json:"data_packets"`
	Resume      resumeVector       `json:"resume_keys"`
	ResumeMAC   macVector          `json:"resume_mac"`
	ResetTokens []resetTokenVector `json:"reset_tokens"`
	PNs         []pnVector         `json:"packet_number_expansion"`
}

type splitVector struct {
	Material  hexBytes `json:"material"`
	ClientKey hexBytes `json:"c2s_key"`
	ClientIV  hexBytes `json:"c2s_iv"`
	ServerKey hexBytes `json:"s2c_key"`
	ServerIV  hexBytes `json:"s2c_iv"`
	Resume    hexBytes `json:"resume_secret"`
}

type packetVector struct {
	Key       hexBytes `json:"key"`
	IV        hexBytes `json:"iv"`
	PN        uint64   `json:"pn64"`
	Header    hexBytes `json:"header_aad"`
	Plaintext hexBytes `json:"frames"`
	Sealed    hexBytes `json:"ciphertext_and_tag"`
}

type resumeVector struct {
	Secret      hexBytes    `json:"resume_secret"`
	ClientNonce hexBytes    `json:"client_nonce"`
	ServerNonce hexBytes    `json:"server_nonce"`
	Derived     splitVector `json:"derived"`
}

type macVector struct {
	Secret  hexBytes `json:"resume_secret"`
	Message hexBytes `json:"resume_from_type_through_flags"`
	MAC     hexBytes `json:"mac"`
}

type resetTokenVector struct {
	RelaySecret hexBytes `json:"relay_secret"`
	CID         uint32   `json:"server_cid"`
	Token       hexBytes `json:"reset_token"`
}

type pnVector struct {
	Largest   uint64 `json:"largest"`
	Has       bool   `json:"has_largest"`
	Truncated uint32 `json:"pn_in_header"`
	Expanded  uint64 `json:"pn64"`
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func splitOf(s Secrets, material []byte) splitVector {
	return splitVector{Material: material, ClientKey: s.ClientKey[:], ClientIV: s.ClientIV[:],
		ServerKey: s.ServerKey[:], ServerIV: s.ServerIV[:], Resume: s.Resume[:]}
}

// makeVectors computes every vector from fixed inputs.
func makeVectors(t *testing.T) sealVectors {
	v := sealVectors{Comment: "Boson record layer v1 (transport/PROTOCOL.md §3, §5, §6). Byte strings are hex."}
	material := seq(MaterialLen, 1)
	s, err := SplitMaterial(material)
	if err != nil {
		t.Fatal(err)
	}
	v.Split = splitOf(s, material)
	for _, pn := range []uint64{0, 1, 0x1_0000_0005} {
		k, _ := NewKey(s.ClientKey[:], s.ClientIV[:])
		hdr := []byte{0xD1, 0x12, 0x34, 0x56, 0x78, byte(pn >> 24), byte(pn >> 16), byte(pn >> 8), byte(pn)}
		frames := []byte{0x11, 0x01, 0x05, 'h', 'e', 'l', 'l', 'o', 0x00, 0x00}
		v.Packets = append(v.Packets, packetVector{Key: s.ClientKey[:], IV: s.ClientIV[:], PN: pn,
			Header: hdr, Plaintext: frames, Sealed: k.Seal(nil, hdr, pn, frames)})
	}
	cn, sn := [16]byte(seq(16, 0xA0)), [16]byte(seq(16, 0xB0))
	r, err := DeriveResumed(&s.Resume, &cn, &sn)
	if err != nil {
		t.Fatal(err)
	}
	v.Resume = resumeVector{Secret: s.Resume[:], ClientNonce: cn[:], ServerNonce: sn[:], Derived: splitOf(r, nil)}
	msg := append([]byte{0xD4, 0x00, 0x03, 't', 'o', 'k'}, append(cn[:], 0xCA, 0xFE, 0xBA, 0xBE, 0x01)...)
	mac := ResumeMAC(&s.Resume, msg)
	v.ResumeMAC = macVector{Secret: s.Resume[:], Message: msg, MAC: mac[:]}
	relaySecret := seq(32, 0x40)
	rk, err := NewResetKey(relaySecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, cid := range []uint32{1, 0xDEADBEEF} {
		tok := rk.Token(cid)
		v.ResetTokens = append(v.ResetTokens, resetTokenVector{RelaySecret: relaySecret, CID: cid, Token: tok[:]})
	}
	for _, p := range []pnVector{
		{0, false, 0, 0}, {10, true, 11, 0}, {0xFFFFFFFF, true, 0, 0}, {0x100000005, true, 0xFFFFFFF0, 0},
		{0x2_0000_0000, true, 0x8000_0002, 0},
	} {
		p.Expanded = ExpandPN(p.Largest, p.Has, p.Truncated)
		v.PNs = append(v.PNs, p)
	}
	return v
}

func TestVectors(t *testing.T) {
	want := makeVectors(t)
	if os.Getenv("BOSON_WRITE_VECTORS") == "1" {
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatalf("read vectors (BOSON_WRITE_VECTORS=1 writes them): %v", err)
	}
	var got sealVectors
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("parse %s: %v", vectorsFile, err)
	}
	// Check the file against the implementation, field by field, through the public API.
	s, err := SplitMaterial(got.Split.Material)
	if err != nil || !bytes.Equal(s.ClientKey[:], got.Split.ClientKey) || !bytes.Equal(s.Resume[:], got.Split.Resume) ||
		!bytes.Equal(s.ServerIV[:], got.Split.ServerIV) {
		t.Error("split_material does not match SplitMaterial")
	}
	for i, p := range got.Packets {
		k, err := NewKey(p.Key, p.IV)
		if err != nil {
			t.Fatal(err)
		}
		if sealed := k.Seal(nil, p.Header, p.PN, p.Plaintext); !bytes.Equal(sealed, p.Sealed) {
			t.Errorf("data_packets[%d]: sealing gives %x, file says %x", i, sealed, p.Sealed)
		}
		if pt, err := k.Open(nil, p.Header, p.PN, p.Sealed); err != nil || !bytes.Equal(pt, p.Plaintext) {
			t.Errorf("data_packets[%d]: does not open: %v", i, err)
		}
	}
	r, err := DeriveResumed((*[32]byte)(got.Resume.Secret), (*[16]byte)(got.Resume.ClientNonce), (*[16]byte)(got.Resume.ServerNonce))
	if err != nil || !bytes.Equal(r.ClientKey[:], got.Resume.Derived.ClientKey) || !bytes.Equal(r.Resume[:], got.Resume.Derived.Resume) {
		t.Error("resume_keys do not match DeriveResumed")
	}
	if mac := ResumeMAC((*[32]byte)(got.ResumeMAC.Secret), got.ResumeMAC.Message); !bytes.Equal(mac[:], got.ResumeMAC.MAC) {
		t.Error("resume_mac does not match ResumeMAC")
	}
	for i, rt := range got.ResetTokens {
		rk, err := NewResetKey(rt.RelaySecret)
		if tok := rk.Token(rt.CID); err != nil || !bytes.Equal(tok[:], rt.Token) {
			t.Errorf("reset_tokens[%d] does not match", i)
		}
	}
	for i, p := range got.PNs {
		if e := ExpandPN(p.Largest, p.Has, p.Truncated); e != p.Expanded {
			t.Errorf("packet_number_expansion[%d]: got %d, file says %d", i, e, p.Expanded)
		}
	}
	if len(got.Packets) != len(want.Packets) || len(got.PNs) != len(want.PNs) {
		t.Error("vectors file is out of date: BOSON_WRITE_VECTORS=1 go test -run TestVectors ./crypto/seal/")
	}
}
