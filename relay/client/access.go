package client

import "github.com/bosonrt/boson/relay/protocol"

// Meta is a piece of room information visible from a user type up (seed 004).
type Meta struct{}

func (o *RoomOptions) accessParams(protocol.Params) {}

func (r *Room) readAccess(protocol.Params) {}

func (c *Client) accessEventLocked(protocol.EventCode, protocol.Params) Event { return nil }
