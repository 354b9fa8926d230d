package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/transport"
)

// options are the relay's command line.
type options struct {
	listen           string
	dataDir          string
	workers          int
	logLevel         slog.Level
	allowUnencrypted bool
	drain            time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", ":7350", "UDP `address` to serve games on")
	fs.StringVar(&o.dataDir, "data-dir", "boson-data", "`directory` for the relay's identity (created on first start)")
	fs.IntVar(&o.workers, "workers", 0, "goroutines that own the connections (0: one per CPU)")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.BoolVar(&o.allowUnencrypted, "allow-unencrypted", false, "let clients that ask for it send data in clear (LAN testing only)")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "on shutdown, how long to wait for queued reliable messages")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return o, nil
}

// run starts the relay and serves until ctx ends, then shuts it down.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	id, created, err := handshake.LoadOrCreateIdentity(o.dataDir)
	if err != nil {
		return err
	}
	h := &handler{log: log}
	l, err := transport.ListenUDP(o.listen, &transport.ListenConfig{
		Config:   transport.Config{Unencrypted: o.allowUnencrypted, Logger: log},
		Identity: id,
		Handler:  h,
		Workers:  o.workers,
	})
	if err != nil {
		return err
	}
	dir, _ := filepath.Abs(o.dataDir)
	if created {
		log.Info("created a new relay identity", "dir", dir)
	}
	fmt.Fprintf(stdout, "boson relay listening on udp %s\nfingerprint %s\ndata dir %s\n", l.Addr(), id.Fingerprint, dir)
	if o.allowUnencrypted {
		fmt.Fprintln(stdout, "WARNING: UNENCRYPTED MODE ALLOWED: clients that ask get data packets in clear. Use only on a trusted LAN or for debugging.")
	}
	<-ctx.Done()
	log.Info("shutting down", "connections", l.Stats().Conns)
	sctx, cancel := context.WithTimeout(context.Background(), o.drain)
	defer cancel()
	if err := l.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	s := l.Stats()
	log.Info("stopped", "handshakes", s.Handshakes, "messages", h.messages.Load(), "packets_in", s.PacketsReceived, "packets_out", s.PacketsSent)
	return nil
}

// handler logs connections and counts messages; the relay protocol (rooms, events)
// replaces it.
type handler struct {
	log      *slog.Logger
	messages atomic.Uint64
}

func (h *handler) Connected(c *transport.Conn) {
	h.log.Info("client connected", "addr", c.RemoteAddr(), "session", c.SessionID(), "resumed", c.Resumed())
}

func (h *handler) Message(*transport.Conn, int, []byte) { h.messages.Add(1) }

func (h *handler) Closed(c *transport.Conn, err error) {
	h.log.Info("client gone", "addr", c.RemoteAddr(), "session", c.SessionID(), "reason", err)
}
