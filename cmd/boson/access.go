package main

import (
	"context"
	"flag"

	"github.com/bosonrt/boson/relay/client"
)

const accessHelp = ``

// accessJoinFlags are the create and join flags of access control, kept as text
// until the command line is parsed.
type accessJoinFlags struct{}

func (jc *joinCommand) accessFlags(*flag.FlagSet)     {}
func (jc *joinCommand) finishAccessFlags() error      { return nil }
func (jc *joinCommand) joinAccessFlags(*flag.FlagSet) {}
func (jc *joinCommand) finishJoinAccessFlags() error  { return nil }

func (s *session) approve(context.Context, []string) error      { return errNotImplemented }
func (s *session) setType(context.Context, []string) error      { return errNotImplemented }
func (s *session) searchRooms(context.Context, []string) error  { return errNotImplemented }
func (s *session) joinRequests(context.Context, []string) error { return errNotImplemented }

// accessEvent prints join request, decision and user type events; it reports whether e was one.
func (p *printer) accessEvent(client.Event) bool { return false }
