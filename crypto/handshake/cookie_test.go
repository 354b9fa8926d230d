package handshake

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

// epochStart returns the start of the first cookie epoch after now, so that tests can
// place times exactly on rotation boundaries.
func epochStart(now time.Time) time.Time {
	return time.Unix(0, (now.UnixNano()/int64(cookieEpoch)+1)*int64(cookieEpoch))
}

func newJar(t *testing.T) *CookieJar {
	t.Helper()
	j, err := NewCookieJar()
	if err != nil {
		t.Fatalf("NewCookieJar: %v", err)
	}
	return j
}

func TestCookieJarValid(t *testing.T) {
	from := netip.MustParseAddrPort("192.0.2.7:40000")
	random := [32]byte{1, 2, 3}
	otherRandom := random
	otherRandom[31] ^= 1
	issued := time.Now()

	tests := []struct {
		name   string
		from   netip.AddrPort
		random *[32]byte
		cookie func(c []byte) []byte
		at     time.Time
		want   bool
	}{
		{"same address and random", from, &random, nil, issued, true},
		{"a moment later", from, &random, nil, issued.Add(time.Second), true},
		{"10 s later, after one rotation", from, &random, nil, issued.Add(10 * time.Second), true},
		{"25 s later", from, &random, nil, issued.Add(25 * time.Second), false},
		{"an hour later", from, &random, nil, issued.Add(time.Hour), false},
		{"another IP", netip.MustParseAddrPort("192.0.2.8:40000"), &random, nil, issued, false},
		{"another port", netip.MustParseAddrPort("192.0.2.7:40001"), &random, nil, issued, false},
		{"IPv6", netip.MustParseAddrPort("[2001:db8::7]:40000"), &random, nil, issued, false},
		{"another random", from, &otherRandom, nil, issued, false},
		{"truncated cookie", from, &random, func(c []byte) []byte { return c[:CookieLen-1] }, issued, false},
		{"cookie with a byte added", from, &random, func(c []byte) []byte { return append(c, 0) }, issued, false},
		{"empty cookie", from, &random, func([]byte) []byte { return nil }, issued, false},
		{"flipped bit", from, &random, func(c []byte) []byte { c[0] ^= 1; return c }, issued, false},
		{"all-zero cookie", from, &random, func([]byte) []byte { return make([]byte, CookieLen) }, issued, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJar(t)
			cookie := j.Append(nil, from, &random, issued)
			if len(cookie) != CookieLen {
				t.Fatalf("cookie length: got %d, want %d", len(cookie), CookieLen)
			}
			if tt.cookie != nil {
				cookie = tt.cookie(bytes.Clone(cookie))
			}
			if got := j.Valid(tt.from, tt.random, cookie, tt.at); got != tt.want {
				t.Errorf("Valid: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCookieJarLifetimeIs10To20Seconds(t *testing.T) {
	from := netip.MustParseAddrPort("198.51.100.1:5000")
	random := [32]byte{9}
	t0 := epochStart(time.Now())

	tests := []struct {
		name   string
		issued time.Duration // after t0
		age    time.Duration
		want   bool
	}{
		{"issued at the start of an epoch, 19.999 s old", 0, 19999 * time.Millisecond, true},
		{"issued at the start of an epoch, 20 s old", 0, 20 * time.Second, false},
		{"issued at the end of an epoch, 10 s old", 9999 * time.Millisecond, 10 * time.Second, true},
		{"issued at the end of an epoch, 10.002 s old", 9999 * time.Millisecond, 10002 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJar(t)
			at := t0.Add(tt.issued)
			cookie := j.Append(nil, from, &random, at)
			if got := j.Valid(from, &random, cookie, at.Add(tt.age)); got != tt.want {
				t.Errorf("Valid: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCookieJarValidAcrossChecks(t *testing.T) {
	// The relay checks cookies as datagrams arrive: each check rotates the jar to its
	// time, and a cookie stays valid until its second rotation.
	from := netip.MustParseAddrPort("198.51.100.1:5000")
	random := [32]byte{9}
	t0 := epochStart(time.Now())
	j := newJar(t)
	cookie := j.Append(nil, from, &random, t0.Add(time.Second))
	for _, c := range []struct {
		at   time.Duration
		want bool
	}{
		{2 * time.Second, true},
		{11 * time.Second, true},
		{19 * time.Second, true},
		{21 * time.Second, false},
		{5 * time.Second, false}, // the clock stepped back
	} {
		if got := j.Valid(from, &random, cookie, t0.Add(c.at)); got != c.want {
			t.Errorf("Valid at t0+%v: got %v, want %v", c.at, got, c.want)
		}
	}
}

func TestCookieJarRotatesSecrets(t *testing.T) {
	from := netip.MustParseAddrPort("198.51.100.1:5000")
	random := [32]byte{9}
	t0 := epochStart(time.Now())
	j := newJar(t)
	c1 := j.Append(nil, from, &random, t0)
	if c2 := j.Append(nil, from, &random, t0.Add(time.Second)); !bytes.Equal(c1, c2) {
		t.Errorf("same epoch: got cookie %x, want %x", c2, c1)
	}
	if c3 := j.Append(nil, from, &random, t0.Add(cookieEpoch)); bytes.Equal(c1, c3) {
		t.Errorf("next epoch: got the same cookie %x, want a new secret's", c3)
	}
	if other := newJar(t).Append(nil, from, &random, t0); bytes.Equal(c1, other) {
		t.Errorf("two jars issued the same cookie %x", c1)
	}
	if newJar(t).Valid(from, &random, c1, t0) {
		t.Errorf("a cookie is valid in another jar (a restarted relay)")
	}
}

func TestCookieJarClockSteppedBack(t *testing.T) {
	from := netip.MustParseAddrPort("198.51.100.1:5000")
	random := [32]byte{9}
	t0 := epochStart(time.Now())
	j := newJar(t)
	cookie := j.Append(nil, from, &random, t0.Add(time.Minute))
	// A step back must not keep the cookie valid until the clock catches up.
	if j.Valid(from, &random, cookie, t0) {
		t.Errorf("Valid after the clock stepped back a minute: got true, want false")
	}
	if j.Valid(from, &random, cookie, t0.Add(time.Minute+time.Second)) {
		t.Errorf("Valid after the clock came back: got true, want false")
	}
	fresh := j.Append(nil, from, &random, t0)
	if !j.Valid(from, &random, fresh, t0.Add(time.Second)) {
		t.Errorf("a cookie issued after the step is invalid")
	}
}

func TestCookieJarAppendsToDst(t *testing.T) {
	from := netip.MustParseAddrPort("198.51.100.1:5000")
	random := [32]byte{9}
	now := time.Now()
	j := newJar(t)
	want := j.Append(nil, from, &random, now)
	got := j.Append([]byte{TypeRetry, CookieLen}, from, &random, now)
	if !bytes.Equal(got[:2], []byte{TypeRetry, CookieLen}) || !bytes.Equal(got[2:], want) {
		t.Errorf("Append to dst: got %x, want d010%x", got, want)
	}
}

func TestCookieJarAllocatesNothing(t *testing.T) {
	from := netip.MustParseAddrPort("192.0.2.7:40000")
	random := [32]byte{1}
	now := time.Now()
	j := newJar(t)
	good := j.Append(nil, from, &random, now)
	bad := bytes.Clone(good)
	bad[0] ^= 1
	buf := make([]byte, 0, RetryLen)

	tests := []struct {
		name string
		f    func()
	}{
		{"Valid, wrong cookie", func() { j.Valid(from, &random, bad, now) }},
		{"Valid, short cookie", func() { j.Valid(from, &random, bad[:3], now) }},
		{"Valid, no cookie", func() { j.Valid(from, &random, nil, now) }},
		{"Valid, good cookie", func() { j.Valid(from, &random, good, now) }},
		{"Append", func() { buf = j.Append(buf[:0], from, &random, now) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if allocs := testing.AllocsPerRun(100, tt.f); allocs != 0 {
				t.Errorf("got %v allocs, want 0", allocs)
			}
		})
	}
}
