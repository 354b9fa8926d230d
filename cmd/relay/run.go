package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode/turnserver"
	"github.com/bosonrt/boson/relay"
)

// run reads the configuration from args, the environment (read with getenv) and the
// config file, then runs the relay until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return cfg.Run(ctx, stdout, log)
}

// Run serves the relay protocol on c.Listen and the status pages on c.HTTP until ctx
// ends, then drains: /healthz turns 503, the relay shuts down (telling its clients)
// within c.Drain, and the HTTP server stops. It prints the addresses, the fingerprint
// and the data directory to stdout once it serves.
func (c *Config) Run(ctx context.Context, stdout io.Writer, log *slog.Logger) error {
	id, created, err := handshake.LoadOrCreateIdentity(c.DataDir)
	if err != nil {
		return err
	}
	rc, err := c.relayConfig(id, log)
	if err != nil {
		return err
	}
	turnSrv, turnCfg, err := c.startTURN(id, log)
	if err != nil {
		return err
	}
	rc.TURN = turnCfg
	srv, err := relay.ListenUDP(c.Listen, rc)
	if err != nil {
		closeTURN(turnSrv)
		return err
	}
	defer closeTURN(turnSrv)
	var ln net.Listener
	if c.HTTP != "" {
		if ln, err = net.Listen("tcp", c.HTTP); err != nil {
			srv.Close()
			closeTURN(turnSrv)
			return fmt.Errorf("http: %w", err)
		}
	}
	web := newWebServer(srv, log, c.AdminToken)
	webDone := web.start(ln)
	dir, _ := filepath.Abs(c.DataDir)
	if created {
		log.Info("created a new relay identity", "dir", dir)
	}
	if turnCfg != nil { // before the banner, whose data dir line comes last
		fmt.Fprintf(stdout, "turn %s\n", strings.Join(turnCfg.URLs, " "))
	}
	c.printBanner(stdout, srv, ln, dir)
	c.warn(log)

	<-ctx.Done()
	return c.stop(srv, web, webDone, log)
}

func closeTURN(s *turnserver.Server) {
	if s != nil {
		s.Close()
	}
}

// stop drains the relay and then stops the HTTP server.
func (c *Config) stop(srv *relay.Server, web *webServer, webDone <-chan struct{}, log *slog.Logger) error {
	web.draining.Store(true)
	st := srv.Stats()
	log.Info("shutting down", "sessions", st.Sessions, "rooms", st.Rooms, "drain", c.Drain)
	sctx, cancel := context.WithTimeout(context.Background(), c.Drain)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("drain timed out: closed connections with messages still queued")
		err = nil
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer hcancel()
	web.stop(hctx)
	<-webDone
	ls := srv.Listener().Stats()
	st = srv.Stats()
	log.Info("stopped", "handshakes", ls.Handshakes, "requests", st.Requests, "events", st.Events,
		"packets_in", ls.PacketsReceived, "packets_out", ls.PacketsSent)
	return err
}

// printBanner tells the operator (and scripts) where the relay serves and how to pin it.
// The data dir's line comes last.
func (c *Config) printBanner(stdout io.Writer, srv *relay.Server, ln net.Listener, dir string) {
	if c.AllowUnencrypted {
		fmt.Fprintln(stdout, "WARNING: UNENCRYPTED MODE ALLOWED: clients that ask get data packets in clear. Use only on a trusted LAN or for debugging.")
	}
	fmt.Fprintf(stdout, "boson relay listening on udp %s\n", srv.Addr())
	if ln != nil {
		paths := "/ rooms, /healthz, /metrics"
		if c.Push {
			paths += ", /push/vapid-public-key"
		}
		if c.AdminToken != "" {
			paths += ", /admin/friends"
		}
		fmt.Fprintf(stdout, "http on %s (%s)\n", ln.Addr(), paths)
	} else {
		fmt.Fprintln(stdout, "http off")
	}
	fmt.Fprintf(stdout, "fingerprint %s\ndata dir %s\n", srv.Fingerprint(), dir)
}

// warn logs settings that are likely mistakes.
func (c *Config) warn(log *slog.Logger) {
	if c.AllowUnencrypted {
		log.Warn("unencrypted mode allowed: data packets of clients that ask for it travel in clear")
	}
	if c.AuthURL == "" && c.RequireAuth {
		log.Warn("-require-auth without -auth-url: every client will be refused")
	}
	if c.AuthURL == "" && c.AuthAllowWhenDown {
		log.Warn("-auth-allow-when-down has no effect without -auth-url")
	}
}
