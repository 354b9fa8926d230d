// Relay is the Boson relay node: it serves games over encrypted UDP on one port, and
// its status over HTTP on another.
//
// With no flags it listens on UDP port 7350 on every address, keeps its identity
// (certificate, key and long-term secret) in ./boson-data, prints the SHA-256
// fingerprint clients pin, and serves on TCP port 7351:
//
//   - / an HTML page listing the live rooms;
//   - /healthz "ok" (200) while it serves, "draining" (503) once it shuts down;
//   - /metrics the relay's counters in the Prometheus text format.
//
// SIGINT or SIGTERM shuts it down gracefully: /healthz turns 503, queued reliable
// messages are delivered (for up to -drain), every client is told, then the HTTP
// server stops.
//
// Usage:
//
//	relay [-config file.json] [-listen :7350] [-http :7351] [-data-dir ./boson-data]
//	      [-workers N] [-log-level info] [-allow-unencrypted] [-drain 5s]
//	      [-app-ids a,b] [-require-auth] [-auth-url URL] [-auth-timeout 5s]
//	      [-auth-allow-when-down] [-message-rate N] [-max-rooms-per-app N]
//	      [-max-players N]
//
// Every flag can also be set by an environment variable, BOSON_ and the flag's name in
// upper case with underscores (BOSON_LISTEN, BOSON_AUTH_URL, ...; BOSON_CONFIG for
// -config), and in the config file, a JSON object keyed by flag name:
//
//	{"listen": ":7350", "auth-url": "https://example.com/auth", "app-ids": ["a", "b"],
//	 "require-auth": true, "max-players": 16, "drain": "10s"}
//
// A flag wins over its variable, which wins over the file, which wins over the default.
// An unknown key or a value of the wrong type in the file is an error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		stop()
		os.Exit(1)
	}
}
