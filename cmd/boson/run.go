package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the relay refused or failed something, or the connection broke
	exitUsage = 2
)

// Config is what the global flags say: where the relay is and who the client is.
type Config struct {
	Relay       string
	Fingerprint handshake.Fingerprint
	AppID       string
	AppVersion  string
	UserID      string
	Nickname    string
	Auth        client.Auth
	JSON        bool          // print events as JSON objects
	Timeout     time.Duration // bounds connecting and each request
	// DirectLoopback lets direct links use loopback addresses (players on one machine).
	DirectLoopback bool
}

const usage = `usage: boson -relay host:port -fingerprint sha256:... -app id [flags] <command> [args]

commands:
  create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode] [...]
  join <room> [-key K] [-as user|moderator|owner] [-wait 5m]
  join-or-create <room> [-max N] [-hidden] [-ttl 10s] [-empty-ttl 10s] [-direct mode]
  lobby [name] [-type default|sql|async]
  direct-check <room> [-peers 2] [-direct all-to-others] [-messages 20] [-wait 30s]

Then each line of standard input is a command (type "help": it also lists the create
flags of invitations, auto-matching and access control), until "quit", the end of
standard input or SIGINT.

flags:
`

// parseConfig reads the global flags and returns the configuration and the command
// with its arguments.
func parseConfig(args []string, stderr io.Writer) (*Config, []string, error) {
	c := &Config{}
	var fp, authType, authData string
	fs := flag.NewFlagSet("boson", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Relay, "relay", "127.0.0.1:7350", "relay UDP `address`")
	fs.StringVar(&fp, "fingerprint", "", "the relay's certificate `fingerprint`, as the relay prints it (required)")
	fs.StringVar(&c.AppID, "app", "", "app `id` (required)")
	fs.StringVar(&c.AppVersion, "app-version", "", "app `version`: only clients of the same version meet")
	fs.StringVar(&c.UserID, "user", "", "user `id` to ask for (empty: the relay picks one)")
	fs.StringVar(&c.Nickname, "nick", "", "`name` shown to the other players")
	fs.StringVar(&authType, "auth-type", "none", "auth `type`: none, custom, steam, xbox, epic, ...")
	fs.StringVar(&c.Auth.Params, "auth-params", "", "auth parameters, a URL `query` such as token=abc")
	fs.StringVar(&authData, "auth-data", "", "auth `data`, sent to the webhook as a POST body")
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object per event")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "bound on connecting and on each request")
	fs.BoolVar(&c.DirectLoopback, "direct-loopback", false, "let direct links use loopback addresses (players on one machine)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := c.finish(fp, authType, authData); err != nil {
		return nil, nil, err
	}
	if fs.NArg() == 0 {
		return nil, nil, errors.New("missing command (create, join or join-or-create)")
	}
	return c, fs.Args(), nil
}

// finish checks the required flags and decodes the others.
func (c *Config) finish(fp, authType, authData string) error {
	if c.AppID == "" {
		return errors.New("-app is required")
	}
	if fp == "" {
		return errors.New("-fingerprint is required (the relay prints it at start)")
	}
	var err error
	if c.Fingerprint, err = handshake.ParseFingerprint(fp); err != nil {
		return fmt.Errorf("-fingerprint: %w", err)
	}
	if c.Auth.Type, err = auth.ParseType(authType); err != nil {
		return fmt.Errorf("-auth-type: %w", err)
	}
	if authData != "" {
		c.Auth.Data = []byte(authData)
	}
	if c.Timeout <= 0 {
		return errors.New("-timeout must be positive")
	}
	return nil
}

// run is the whole program: it parses args, runs the command and returns the exit
// status. Events go to stdout, errors to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, cmd, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitUsage
	}
	if cmd[0] == "direct-check" {
		dc, err := parseDirectCheck(cmd)
		if err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return exitUsage
		}
		return cfg.RunDirectCheck(ctx, dc, newPrinter(stdout, cfg.JSON), stderr)
	}
	jc, err := parseJoin(cmd)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitUsage
	}
	return cfg.Run(ctx, jc, stdin, newPrinter(stdout, cfg.JSON), stderr)
}

// Run connects to the relay, joins the room jc says, and then prints events and runs
// the commands read from stdin until ctx ends, stdin ends, the user quits or the relay
// disconnects. It returns the exit status.
//
// The goroutine that reads stdin ends at the end of stdin; Run does not wait for it
// when it returns for another reason, as a read from a terminal cannot be interrupted.
func (c *Config) Run(ctx context.Context, jc *joinCommand, stdin io.Reader, out *printer, stderr io.Writer) int {
	s := &session{cfg: c, out: out, stderr: stderr, gone: make(chan struct{})}
	s.quiet.Store(true) // until joined: a failure is reported once, as an error
	dctx, cancel := context.WithTimeout(ctx, c.Timeout)
	m, err := directmode.Dial(dctx, c.Relay, c.clientOptions(s.handle), c.meshConfig(out.directEvent))
	cancel()
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
	s.m, s.c = m, m.Client()
	defer s.close()
	if err := s.join(ctx, jc); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return exitError
	}
	stop := make(chan struct{})
	defer close(stop)
	return s.loop(ctx, readLines(stdin, stop))
}

// clientOptions are the client's options, with handler for its events.
func (c *Config) clientOptions(handler func(client.Event)) *client.Options {
	return &client.Options{
		AppID: c.AppID, AppVersion: c.AppVersion, UserID: c.UserID, Nickname: c.Nickname,
		Auth: c.Auth, Fingerprints: []handshake.Fingerprint{c.Fingerprint}, Handler: handler,
	}
}

// meshConfig is the direct-mode configuration, with handler for its events.
func (c *Config) meshConfig(handler func(directmode.Event)) *directmode.Config {
	return &directmode.Config{Handler: handler, IncludeLoopback: c.DirectLoopback}
}

// readLines sends the lines of r on the returned channel, which is closed at the end
// of r. The goroutine ends at the end of r, or at the first line after stop is closed.
func readLines(r io.Reader, stop <-chan struct{}) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	return lines
}
