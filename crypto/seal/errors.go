package seal

import "errors"

// ErrOpen is returned when a packet or token does not authenticate: it was tampered
// with, truncated, sealed under another key or for another packet number.
var ErrOpen = errors.New("seal: message authentication failed")

// ErrMaterialSize is returned by [SplitMaterial] for keying material of the wrong length.
var ErrMaterialSize = errors.New("seal: keying material has the wrong length")
