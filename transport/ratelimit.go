package transport

import "time"

// tokenBucket is a token bucket driven by the caller's clock (nanoseconds). It is not
// safe for concurrent use: each has one owner, which already knows the time, so it
// needs neither a lock nor a clock read (golang.org/x/time/rate has both).
type tokenBucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   int64
}

func newTokenBucket(rate, burst float64, now int64) tokenBucket {
	return tokenBucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// allow takes n tokens if there are enough.
func (b *tokenBucket) allow(now int64, n float64) bool {
	if now > b.last {
		b.tokens = min(b.burst, b.tokens+float64(now-b.last)*b.rate/1e9)
		b.last = now
	}
	if b.tokens < n {
		return false
	}
	b.tokens -= n
	return true
}

// rateLimiter bounds a connection's receive rate in bytes and packets and tracks how
// long the peer has been over the limit: a run of drops, each less than a second after
// the one before, however many packets get through in between.
type rateLimiter struct {
	bytes, packets tokenBucket
	overSince      int64 // when the current run of drops began; 0 when there is none
	lastDrop       int64
}

// dropGap ends a run of drops: a peer that stayed within the limit this long is fine.
const dropGap = int64(time.Second)

func newRateLimiter(bytesPerSec, packetsPerSec int, now int64) rateLimiter {
	return rateLimiter{
		bytes:   newTokenBucket(float64(bytesPerSec), float64(bytesPerSec), now),
		packets: newTokenBucket(float64(packetsPerSec), float64(packetsPerSec), now),
	}
}

// allow accounts one packet of n bytes and reports whether to accept it.
func (r *rateLimiter) allow(now int64, n int) bool {
	if r.packets.allow(now, 1) && r.bytes.allow(now, float64(n)) {
		if r.overSince != 0 && now-r.lastDrop > dropGap {
			r.overSince = 0
		}
		return true
	}
	if r.overSince == 0 || now-r.lastDrop > dropGap {
		r.overSince = now
	}
	r.lastDrop = now
	return false
}

// abusive reports whether the peer has kept going over the limit for longer than grace.
func (r *rateLimiter) abusive(now int64, grace int64) bool {
	return r.overSince != 0 && now-r.lastDrop <= dropGap && now-r.overSince > grace
}
