package transport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
)

// Mode is a channel's delivery mode.
type Mode uint8

// Channel delivery modes.
const (
	// ReliableOrdered delivers every message exactly once, in order. Each reliable channel
	// has its own KCP engine, so loss on one never delays another.
	ReliableOrdered Mode = 1
	// Unreliable delivers messages at most once, in any order.
	Unreliable Mode = 2
	// UnreliableSequenced delivers messages at most once and drops any message older than
	// the newest one delivered on the channel: latest wins.
	UnreliableSequenced Mode = 3
)

func (m Mode) valid() bool { return m >= ReliableOrdered && m <= UnreliableSequenced }

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case ReliableOrdered:
		return "reliable-ordered"
	case Unreliable:
		return "unreliable"
	case UnreliableSequenced:
		return "unreliable-sequenced"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Config holds the settings both ends of a connection use. The zero value is valid.
type Config struct {
	// MTU is the largest UDP payload sent. If zero, 1200. It must be 1200 to 9000.
	MTU int
	// IdleTimeout closes a connection that heard nothing for this long. If zero, 10s.
	// The client uses the relay's value.
	IdleTimeout time.Duration
	// KeepAlive is how long a side may stay silent before it sends a keepalive. If zero, 1s.
	// The client uses the relay's value.
	KeepAlive time.Duration
	// MaxMessageSize bounds a reliable message. If zero, 64 KiB. Unreliable messages are
	// bounded by 16 packets. The client uses the smaller of its own and the relay's value.
	MaxMessageSize int
	// SendQueueBytes bounds the reliable bytes queued and unacknowledged per connection;
	// beyond it Send returns ErrSendQueueFull. If zero, 512 KiB.
	SendQueueBytes int
	// UnreliableQueue bounds the unreliable messages waiting to be sent per connection;
	// beyond it the oldest is dropped. If zero, 256.
	UnreliableQueue int
	// ReceiveQueue bounds the messages waiting in Receive when there is no Handler. When it is
	// full, unreliable messages are dropped and reliable ones wait (the sender is slowed by the
	// KCP window). If zero, 1024.
	ReceiveQueue int
	// ReceiveRate bounds the bytes per second accepted from the peer (burst: one second's
	// worth). Excess packets are dropped; a peer over the limit for 2s running is disconnected
	// with CodeRateLimited. If zero, 4 MiB/s.
	ReceiveRate int
	// ReceivePacketRate bounds the packets per second accepted from the peer, like ReceiveRate.
	// If zero, 20000.
	ReceivePacketRate int
	// Unencrypted asks for (client) or allows (relay) unencrypted data packets. Both sides
	// must set it. For LAN testing and debugging only.
	Unencrypted bool
	// Logger receives the transport's logs. If nil, logs are discarded.
	Logger *slog.Logger
}

const (
	defaultMTU           = 1200
	defaultIdleTimeout   = 10 * time.Second
	defaultKeepAlive     = time.Second
	defaultMaxMessage    = 64 << 10
	defaultSendQueue     = 512 << 10
	defaultUnrelQueue    = 256
	defaultReceiveQueue  = 1024
	defaultReceiveRate   = 4 << 20
	defaultReceivePkts   = 20000
	kcpWindow            = 128
	kcpInterval          = 30                    // ms: kcp-go's RTO slack (rto = srtt + max(interval, 4*rttvar)); see doc.go
	kcpTick              = 10 * time.Millisecond // flush period of an engine with data in flight
	ackHold              = 20 * time.Millisecond // longest an acknowledgement waits for a packet to ride on
	rateLimitGrace       = 2 * time.Second
	handshakeRetryFirst  = 250 * time.Millisecond
	handshakeRetryMax    = time.Second
	closeTombstone       = 2 * time.Second
	fragmentTimeout      = 250 * time.Millisecond
	maxPartialPerChannel = 8
)

func (c *Config) withDefaults() {
	setDefault(&c.MTU, defaultMTU)
	setDefault(&c.IdleTimeout, defaultIdleTimeout)
	setDefault(&c.KeepAlive, defaultKeepAlive)
	setDefault(&c.MaxMessageSize, defaultMaxMessage)
	setDefault(&c.SendQueueBytes, defaultSendQueue)
	setDefault(&c.UnreliableQueue, defaultUnrelQueue)
	setDefault(&c.ReceiveQueue, defaultReceiveQueue)
	setDefault(&c.ReceiveRate, defaultReceiveRate)
	setDefault(&c.ReceivePacketRate, defaultReceivePkts)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	switch {
	case !validMTU(c.MTU):
		return fmt.Errorf("transport: MTU %d out of range 1200..9000", c.MTU)
	case c.KeepAlive <= 0 || c.IdleTimeout < 2*c.KeepAlive:
		return fmt.Errorf("transport: IdleTimeout %v must be at least twice KeepAlive %v", c.IdleTimeout, c.KeepAlive)
	case c.MaxMessageSize < 1 || c.MaxMessageSize > maxReliableMessage(c.MTU):
		return fmt.Errorf("transport: MaxMessageSize %d out of range 1..%d", c.MaxMessageSize, maxReliableMessage(c.MTU))
	case c.SendQueueBytes < c.MaxMessageSize:
		return fmt.Errorf("transport: SendQueueBytes %d is smaller than MaxMessageSize %d", c.SendQueueBytes, c.MaxMessageSize)
	case c.UnreliableQueue < 1 || c.ReceiveQueue < 1 || c.ReceiveRate < 1 || c.ReceivePacketRate < 1:
		return errors.New("transport: queue sizes and rates must be positive")
	}
	return nil
}

// maxReliableMessage is the largest message a KCP engine can reassemble: the receive
// window bounds the fragments of one message (kcp-go's message mode).
func maxReliableMessage(mtu int) int {
	return kcpWindow*kcpMSS(mtu) - reliablePrefix
}

// ListenConfig configures a [Listener]. Identity is required; the rest has defaults.
type ListenConfig struct {
	Config
	// Identity is the relay's certificate and secret (see handshake.LoadOrCreateIdentity).
	Identity *handshake.Identity
	// Handler receives connections, messages and closes, in the rounds of the worker that
	// owns each connection (see [Handler]). If nil, use Accept and Conn.Receive.
	Handler Handler
	// Workers is the number of goroutines that own the connections. If zero, GOMAXPROCS.
	Workers int
	// MaxConns bounds the open connections; further clients are refused. If zero, 100000.
	MaxConns int
	// MaxHalfOpen bounds the handshakes under way. If zero, 1024.
	MaxHalfOpen int
	// HandshakesPerIP bounds the rate of new handshakes from one IP address, per second
	// (burst: twice that). If zero, 20.
	HandshakesPerIP float64
	// HandshakeTimeout bounds one handshake. If zero, 10s.
	HandshakeTimeout time.Duration
	// ResumeLifetime is how long a resume token stays valid. If zero, 30s.
	ResumeLifetime time.Duration
	// MaxChannels bounds the channels a client may declare. If zero, 32 (the protocol maximum).
	MaxChannels int
	// SocketBuffer is the receive and send buffer ListenUDP asks the kernel for, in bytes,
	// so that bursts are not dropped while a worker is busy (the kernel caps it at
	// net.core.rmem_max and wmem_max). If zero, 4 MiB; negative keeps the OS default.
	// Listen, given a socket, leaves it as it is.
	SocketBuffer int
}

func socketBuffer(n int) int {
	if n == 0 {
		return 4 << 20
	}
	return n
}

func (c *ListenConfig) withDefaults() {
	c.Config.withDefaults()
	setDefault(&c.Workers, runtime.GOMAXPROCS(0))
	setDefault(&c.MaxConns, 100000)
	setDefault(&c.MaxHalfOpen, 1024)
	setDefault(&c.HandshakesPerIP, 20)
	setDefault(&c.HandshakeTimeout, 10*time.Second)
	setDefault(&c.ResumeLifetime, 30*time.Second)
	setDefault(&c.MaxChannels, maxChannels)
}

func (c *ListenConfig) validate() error {
	if c.Identity == nil {
		return ErrNoIdentity
	}
	if c.Workers < 1 || c.Workers > 256 || c.MaxChannels > maxChannels {
		return errors.New("transport: Workers must be 1..256 and MaxChannels at most 32")
	}
	return c.Config.validate()
}

// DialConfig configures [Dial]. Channels and one way to verify the relay are required.
type DialConfig struct {
	Config
	// Channels declares the connection's channels, numbered from 0. 1 to 32 of them.
	Channels []Mode
	// Fingerprints pins the relay's certificate (SHA-256 of the leaf); any match passes.
	Fingerprints []handshake.Fingerprint
	// RootCAs and ServerName verify the relay's certificate chain instead of a pin.
	RootCAs    *x509.CertPool
	ServerName string
	// InsecureSkipVerify skips verifying the relay's certificate chain (pinned
	// Fingerprints are still checked). For LAN testing only.
	InsecureSkipVerify bool
	// Handler receives messages and the close in the connection's worker rounds (see
	// [Handler]; Connected is not called on a client). If nil, use Conn.Receive.
	Handler Handler
	// HandshakeTimeout bounds the handshake when ctx has no earlier deadline. If zero, 10s.
	HandshakeTimeout time.Duration
	// PathTimeout: a client that has heard nothing for this long while it keeps sending
	// moves to a new local port and resumes the session there (one round trip). If zero, 3s.
	// Negative disables it.
	PathTimeout time.Duration
}

func (c *DialConfig) withDefaults() {
	c.Config.withDefaults()
	setDefault(&c.HandshakeTimeout, 10*time.Second)
	setDefault(&c.PathTimeout, 3*time.Second)
}

func (c *DialConfig) validate() error {
	if len(c.Channels) == 0 || len(c.Channels) > maxChannels {
		return fmt.Errorf("transport: %d channels declared, want 1..%d", len(c.Channels), maxChannels)
	}
	for i, m := range c.Channels {
		if !m.valid() {
			return fmt.Errorf("transport: channel %d has invalid mode %d", i, m)
		}
	}
	return c.Config.validate()
}

type number interface {
	~int | ~float64 | ~int64
}

func setDefault[T number](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}
