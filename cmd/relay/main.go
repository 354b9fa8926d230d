// Relay is the Boson relay node: it serves games over encrypted UDP on one port.
//
// With no flags it listens on UDP port 7350 on every address, keeps its identity
// (certificate, key and long-term secret) in ./boson-data, and prints the SHA-256
// fingerprint clients pin. SIGINT or SIGTERM shuts it down gracefully: queued reliable
// messages are delivered (for up to -drain), then every client is told.
//
// Usage:
//
//	relay [-listen :7350] [-data-dir ./boson-data] [-workers N] [-log-level info]
//	      [-allow-unencrypted] [-drain 5s]
//
// Rooms, lobbies and the rest of the relay protocol arrive with the relay package; until
// then the node accepts transport connections and counts their messages.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}
