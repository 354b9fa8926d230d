package client

import "github.com/bosonrt/boson/relay/protocol"

// MessageEvent is a message posted to this client's user or to its group.
type MessageEvent struct{}

func (*MessageEvent) isEvent() {}

func readMessageEvent(protocol.Params) Event { return nil }
