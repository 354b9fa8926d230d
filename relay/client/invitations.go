package client

import "github.com/bosonrt/boson/relay/protocol"

// AutoMatch are a room's auto-matching criteria (seed 003).
type AutoMatch struct{}

// RoomStatus is a room's status: its stage, participants and version (seed 003).
type RoomStatus struct{}

func (o *RoomOptions) statusParams(protocol.Params) {}

func (r *Room) readStatus(protocol.Params) {}

func (c *Client) statusEventLocked(protocol.EventCode, protocol.Params) Event { return nil }
