package turnserver

import (
	"net"
	"net/netip"
)

// refusedPrefixes are the special-purpose ranges [DefaultAllowPeer] refuses beyond what
// netip.Addr's predicates cover (RFC 6890 and RFC 6598).
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT shared address space
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, includes broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: would reach any IPv4 address unfiltered
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("2001::/32"),      // Teredo: embeds an IPv4 address
}

// DefaultAllowPeer is the peer filter used when [Config.AllowPeer] is nil. It refuses
// loopback, private (RFC 1918, RFC 4193), link-local, multicast and unspecified addresses,
// CGNAT space (100.64.0.0/10) and other special-purpose ranges (0.0.0.0/8, 198.18.0.0/15,
// 240.0.0.0/4, NAT64, 6to4, Teredo); everything else is allowed. It is safe for concurrent use.
func DefaultAllowPeer(peer net.IP) bool {
	addr, ok := netip.AddrFromSlice(peer)
	if !ok {
		return false
	}
	addr = addr.Unmap()
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() || addr.IsMulticast() ||
		addr.IsLinkLocalUnicast() || addr.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range refusedPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}
