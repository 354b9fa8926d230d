package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode/turnserver"
	"github.com/bosonrt/boson/relay"
)

// turnSecret is the secret TURN credentials are made with: -turn-secret if given (to
// share with external TURN servers), else one derived from the relay's long-term
// secret, so it survives restarts without a file of its own.
func (c *Config) turnSecret(id *handshake.Identity) []byte {
	if c.TURNSecret != "" {
		return []byte(c.TURNSecret)
	}
	mac := hmac.New(sha256.New, id.Secret[:])
	mac.Write([]byte("boson TURN REST secret v1"))
	return mac.Sum(nil)
}

// startTURN starts the built-in STUN/TURN service (unless -turn-listen is empty) and
// returns it with the TURN settings for the relay (nil if clients get no TURN).
func (c *Config) startTURN(id *handshake.Identity, log *slog.Logger) (*turnserver.Server, *relay.TURNConfig, error) {
	secret := c.turnSecret(id)
	external := func() *relay.TURNConfig {
		if len(c.TURNURLs) == 0 {
			return nil
		}
		return &relay.TURNConfig{URLs: c.TURNURLs, Secret: secret}
	}
	if c.TURNListen == "" {
		return nil, external(), nil
	}
	relayIP := net.ParseIP(c.TURNRelayIP)
	if relayIP == nil {
		if relayIP = listenIP(c.TURNListen); relayIP == nil {
			relayIP = firstPublicIP()
		}
	}
	if relayIP == nil {
		log.Warn("built-in TURN off: no address to relay on; set -turn-relay-ip")
		return nil, external(), nil
	}
	min, max, err := parsePorts(c.TURNPorts)
	if err != nil {
		return nil, nil, err
	}
	srv, err := turnserver.Listen(&turnserver.Config{
		Listen: c.TURNListen, Secret: secret, RelayIP: relayIP, MinPort: min, MaxPort: max, Logger: log,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("turn: %w", err)
	}
	urls := c.TURNURLs
	if len(urls) == 0 {
		urls = turnserver.URLs(relayIP.String(), srv.Addr().(*net.UDPAddr).Port)
	}
	return srv, &relay.TURNConfig{URLs: urls, Secret: secret}, nil
}

// listenIP is the IP of addr if it names a specific one.
func listenIP(addr string) net.IP {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && ip != nil && !ip.IsUnspecified() {
		return ip
	}
	return nil
}

// firstPublicIP is the first global unicast IPv4 address of the host's interfaces.
func firstPublicIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP
		}
	}
	return nil
}

// parsePorts reads a "min-max" port range.
func parsePorts(s string) (int, int, error) {
	lo, hi, ok := strings.Cut(s, "-")
	min, err1 := strconv.Atoi(lo)
	max, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("-turn-ports %q: want a range such as 50000-50999", s)
	}
	return min, max, nil
}
