package turnserver

import (
	"bytes"
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/pion/transport/v4"
)

// Defaults applied by [Listen] to zero-valued [Config] fields.
const (
	DefaultListen                = ":3478"
	DefaultRealm                 = "boson"
	DefaultMinPort               = 50000
	DefaultMaxPort               = 50999
	DefaultMaxAllocationsPerUser = 16
	DefaultMaxAllocations        = 10000
	DefaultAllocationLifetime    = 10 * time.Minute

	// MinSecretLen is the minimum length of [Config.Secret].
	MinSecretLen = 16
)

// Config configures a [Server]. Secret is required; RelayIP is required when the listening
// address is unspecified (such as the default ":3478"). [Listen] copies the Config, so it may
// be reused or changed afterwards.
type Config struct {
	// Listen is the UDP address STUN and TURN are served on. If empty, ":3478".
	// It is ignored when PacketConn is set.
	Listen string

	// PacketConn, if set, is used instead of Listen. The [Server] takes ownership of it:
	// [Server.Close] closes it.
	PacketConn net.PacketConn

	// Realm is the TURN realm sent to clients. If empty, "boson".
	Realm string

	// Secret is the shared secret for REST-style ephemeral credentials (see [Credentials]).
	// Required, at least 16 bytes. The relay node mints client credentials with the same secret.
	Secret []byte

	// RelayIP is the address put in relayed candidates (XOR-RELAYED-ADDRESS), normally the
	// node's public IP. If nil, the listening IP, which must then be specific (not 0.0.0.0 or ::).
	// Its family is the relay's family: with an IPv4 RelayIP, clients reaching the server over
	// IPv6 get IPv4 relays unless they explicitly ask for IPv6, which is refused.
	RelayIP net.IP

	// Net is the network relay sockets are opened on (e.g. a pion vnet in tests). If
	// nil, the host's.
	Net transport.Net

	// RelayBind is the IP address relay sockets bind to, of the same family as RelayIP. If
	// empty, the listening IP when it is specific, else "0.0.0.0" (or "::" for an IPv6 RelayIP).
	RelayBind string

	// MinPort and MaxPort bound the relay port range, inclusive. If zero, 50000 and 50999.
	// They must satisfy 1024 <= MinPort <= MaxPort <= 65535.
	MinPort, MaxPort int

	// MaxAllocationsPerUser caps the live allocations of one user (the part of the REST
	// username after the expiry). If zero, 16: a direct-mode client
	// holds one allocation per link, so a full mesh of 17 players fits.
	MaxAllocationsPerUser int

	// MaxAllocations caps the live allocations of the whole server. If zero, 10000.
	MaxAllocations int

	// AllowPeer reports whether clients may relay to and from peer (CreatePermission and
	// ChannelBind requests). It is called from pion's read loop and must be fast and safe for
	// concurrent use. If nil, [DefaultAllowPeer] is used, and in addition the relay does not
	// send to its own IPs (RelayIP, the listening IP) except on relay ports, so clients cannot
	// reach other services on the node.
	//
	// Beware: pion's turn.DefaultPermissionHandler (used by pion when no handler is given)
	// allows every address, which would let any client reach hosts on the relay's internal
	// networks and loopback. Custom functions should be at least as strict as
	// [DefaultAllowPeer].
	AllowPeer func(peer net.IP) bool

	// AllocationLifetime is the lifetime of an allocation whose client does not ask for one;
	// clients refresh allocations before they expire. If zero, 10 minutes. (Pion grants any
	// lifetime a client asks for below one hour.)
	AllocationLifetime time.Duration

	// Logger receives the server's and pion's warnings and errors. If nil, logs are discarded.
	Logger *slog.Logger
}

// withDefaults returns a copy of c with defaults filled in. local is the listening address.
func (c *Config) withDefaults(local net.IP) Config {
	cc := *c
	cc.Secret = bytes.Clone(c.Secret)
	cc.RelayIP = slices.Clone(c.RelayIP)
	cc.Realm = cmp.Or(cc.Realm, DefaultRealm)
	cc.MinPort = cmp.Or(cc.MinPort, DefaultMinPort)
	cc.MaxPort = cmp.Or(cc.MaxPort, DefaultMaxPort)
	cc.MaxAllocationsPerUser = cmp.Or(cc.MaxAllocationsPerUser, DefaultMaxAllocationsPerUser)
	cc.MaxAllocations = cmp.Or(cc.MaxAllocations, DefaultMaxAllocations)
	cc.AllocationLifetime = cmp.Or(cc.AllocationLifetime, DefaultAllocationLifetime)
	specific := local != nil && !local.IsUnspecified()
	if cc.RelayIP == nil && specific {
		cc.RelayIP = slices.Clone(local)
	}
	switch {
	case cc.RelayBind != "":
	case specific:
		cc.RelayBind = local.String()
	case cc.RelayIP != nil && cc.RelayIP.To4() == nil:
		cc.RelayBind = "::"
	default:
		cc.RelayBind = "0.0.0.0"
	}
	if cc.Logger == nil {
		cc.Logger = slog.New(slog.DiscardHandler)
	}
	return cc
}

// validate checks a Config returned by withDefaults.
func (c *Config) validate() error {
	switch {
	case len(c.Secret) < MinSecretLen:
		return fmt.Errorf("%w: secret is %d bytes, want at least %d", ErrBadConfig, len(c.Secret), MinSecretLen)
	case c.RelayIP == nil:
		return fmt.Errorf("%w: relay IP required when listening on an unspecified address", ErrBadConfig)
	case c.RelayIP.IsUnspecified():
		return fmt.Errorf("%w: relay IP %v is unspecified", ErrBadConfig, c.RelayIP)
	case net.ParseIP(c.RelayBind) == nil:
		return fmt.Errorf("%w: relay bind %q is not an IP address", ErrBadConfig, c.RelayBind)
	case (net.ParseIP(c.RelayBind).To4() == nil) != (c.RelayIP.To4() == nil):
		return fmt.Errorf("%w: relay bind %q and relay IP %v differ in family", ErrBadConfig, c.RelayBind, c.RelayIP)
	case c.MinPort < 1024 || c.MinPort > c.MaxPort || c.MaxPort > 65535:
		return fmt.Errorf("%w: relay ports %d-%d, want 1024 <= min <= max <= 65535", ErrBadConfig, c.MinPort, c.MaxPort)
	case c.MaxAllocationsPerUser < 0 || c.MaxAllocations < 0:
		return fmt.Errorf("%w: negative allocation limit", ErrBadConfig)
	case c.AllocationLifetime < time.Second:
		return fmt.Errorf("%w: allocation lifetime %v, want at least 1s", ErrBadConfig, c.AllocationLifetime)
	}
	return nil
}
