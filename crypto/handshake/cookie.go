package handshake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"net/netip"
	"time"
)

// cookieEpoch is how often the cookie secret rotates. A cookie is accepted under the
// current and the previous secret: for 10 to 20 seconds after it was issued.
const cookieEpoch = 10 * time.Second

// CookieJar issues and checks the relay's address-validation cookies: a MAC of the
// client's address and ClientHello random under a secret that rotates every 10 s. It
// keeps no per-client state and allocates nothing per datagram. It is not safe for
// concurrent use: the relay's read loop owns it.
type CookieJar struct {
	macs    [2]hash.Hash // current, previous
	epoch   int64        // the current secret's epoch (time / cookieEpoch)
	scratch [sha256.Size]byte
	msg     [16 + 2 + 32]byte
}

// NewCookieJar returns a jar with fresh random secrets.
func NewCookieJar() (*CookieJar, error) {
	j := &CookieJar{epoch: time.Now().UnixNano() / int64(cookieEpoch)}
	for i := range j.macs {
		m, err := newCookieMAC()
		if err != nil {
			return nil, err
		}
		j.macs[i] = m
	}
	return j, nil
}

func newCookieMAC() (hash.Hash, error) {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("handshake: cookie secret: %w", err)
	}
	return hmac.New(sha256.New, k[:]), nil
}

// rotate moves to the epoch of now. A new secret replaces the oldest one.
func (j *CookieJar) rotate(now time.Time) {
	e := now.UnixNano() / int64(cookieEpoch)
	switch {
	case e == j.epoch:
		return
	case e == j.epoch+1:
		j.macs[0], j.macs[1] = j.macs[1], j.macs[0]
		if m, err := newCookieMAC(); err == nil {
			j.macs[0] = m
		}
	default:
		// Both secrets are stale: epochs were skipped, or the clock stepped back. Keeping
		// them after a step back would keep their cookies valid until the clock caught up.
		for i := range j.macs {
			if m, err := newCookieMAC(); err == nil {
				j.macs[i] = m
			}
		}
	}
	j.epoch = e
}

func (j *CookieJar) compute(i int, from netip.AddrPort, random *[32]byte) []byte {
	a := from.Addr().As16()
	copy(j.msg[:16], a[:])
	j.msg[16], j.msg[17] = byte(from.Port()>>8), byte(from.Port())
	copy(j.msg[18:], random[:])
	m := j.macs[i]
	m.Reset()
	m.Write(j.msg[:])
	return m.Sum(j.scratch[:0])[:CookieLen]
}

// Append appends a cookie for a client at from whose ClientHello has random.
func (j *CookieJar) Append(dst []byte, from netip.AddrPort, random *[32]byte, now time.Time) []byte {
	j.rotate(now)
	return append(dst, j.compute(0, from, random)...)
}

// Valid reports whether cookie was issued to from for random in the last 10 to 20 s.
func (j *CookieJar) Valid(from netip.AddrPort, random *[32]byte, cookie []byte, now time.Time) bool {
	if len(cookie) != CookieLen {
		return false
	}
	j.rotate(now)
	for i := range j.macs {
		if hmac.Equal(j.compute(i, from, random), cookie) {
			return true
		}
	}
	return false
}
