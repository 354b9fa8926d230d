package push

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// keyFile is the JSON of Config.KeyFile, as `web-push generate-vapid-keys
// --json` writes it.
type keyFile struct {
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
}

// decodeKeyFile parses a key file: privateKey is the base64url P-256 scalar
// (32 bytes); publicKey, if present, must be its uncompressed point.
func decodeKeyFile(b []byte) (*ecdh.PrivateKey, error) {
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, err
	}
	d, err := decodeKey(kf.PrivateKey)
	if err != nil || len(d) != 32 {
		return nil, errors.New("privateKey is not a base64url 32-byte scalar")
	}
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		return nil, fmt.Errorf("privateKey: %w", err)
	}
	if kf.PublicKey != "" {
		pub, err := decodeKey(kf.PublicKey)
		if err != nil || !bytes.Equal(pub, priv.PublicKey().Bytes()) {
			return nil, errors.New("publicKey does not match privateKey")
		}
	}
	return priv, nil
}

// encodeKeyFile is the inverse of decodeKeyFile.
func encodeKeyFile(priv *ecdh.PrivateKey) ([]byte, error) {
	return json.MarshalIndent(keyFile{
		PublicKey:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		PrivateKey: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}, "", "\t")
}

// loadKey returns the VAPID key pair of path, creating the file with a new
// pair if it does not exist. An empty path gives a new in-memory pair.
func loadKey(path string, log *slog.Logger) (*ecdh.PrivateKey, error) {
	if path == "" {
		return ecdh.P256().GenerateKey(rand.Reader)
	}
	priv, err := readKeyFile(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return priv, err
	}
	if priv, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	b, err := encodeKeyFile(priv)
	if err != nil {
		return nil, err
	}
	err = writeFile(path, b, true)
	if errors.Is(err, fs.ErrExist) { // created meanwhile by another process
		return readKeyFile(path, log)
	}
	if err != nil {
		return nil, fmt.Errorf("push: create key file: %w", err)
	}
	log.Info("push: created VAPID key file", "path", path)
	return priv, nil
}

// readKeyFile reads and decodes an existing key file.
func readKeyFile(path string, log *slog.Logger) (*ecdh.PrivateKey, error) {
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("push: read key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 && runtime.GOOS != "windows" {
		log.Warn("push: VAPID key file is readable by others; want mode 0600", "path", path, "mode", fi.Mode().Perm())
	}
	priv, err := decodeKeyFile(b)
	if err != nil {
		return nil, fmt.Errorf("push: key file %s: %w", path, err)
	}
	return priv, nil
}
