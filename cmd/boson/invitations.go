package main

import (
	"context"
	"flag"

	"github.com/bosonrt/boson/relay/client"
)

const statusHelp = ``

// statusJoinFlags are the create flags of invitations and auto-matching, kept as
// text until the command line is parsed.
type statusJoinFlags struct{}

func (jc *joinCommand) statusFlags(*flag.FlagSet) {}
func (jc *joinCommand) finishStatusFlags() error  { return nil }

func (s *session) invitations(context.Context, []string) error { return errNotImplemented }
func (s *session) decline(context.Context, []string) error     { return errNotImplemented }
func (s *session) dismiss(context.Context, []string) error     { return errNotImplemented }
func (s *session) roomStatus(context.Context, []string) error  { return errNotImplemented }
func (s *session) reportPeers(context.Context, []string) error { return errNotImplemented }

// statusEvent prints invitation and room status events; it reports whether e was one.
func (p *printer) statusEvent(client.Event) bool { return false }
