package main

import (
	"context"
	"errors"

	"github.com/bosonrt/boson/relay/client"
)

const groupsHelp = ``

var errNotImplemented = errors.New("not implemented yet")

func (s *session) joinGroup(context.Context, []string) error       { return errNotImplemented }
func (s *session) leaveGroup(context.Context, []string) error      { return errNotImplemented }
func (s *session) post(context.Context, []string) error            { return errNotImplemented }
func (s *session) listGroups(context.Context, []string) error      { return errNotImplemented }
func (s *session) groupUsers(context.Context, []string) error      { return errNotImplemented }
func (s *session) pushKey(context.Context, []string) error         { return errNotImplemented }
func (s *session) pushSubscribe(context.Context, []string) error   { return errNotImplemented }
func (s *session) pushUnsubscribe(context.Context, []string) error { return errNotImplemented }
func (s *session) push(context.Context, []string) error            { return errNotImplemented }

// groupEvent prints message events; it reports whether e was one.
func (p *printer) groupEvent(client.Event) bool { return false }
