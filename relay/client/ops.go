package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bosonrt/boson/relay/protocol"
)

// CreateRoom creates a room called name (the relay picks a unique name if it is
// empty) and joins it. It fails with protocol.CodeGameIDAlreadyExists if the name is
// taken.
func (c *Client) CreateRoom(ctx context.Context, name string, ro *RoomOptions, jo *JoinOptions) (*Room, error) {
	p := protocol.Params{protocol.ParamRoomName: name}
	if ro == nil {
		ro = &RoomOptions{}
	}
	ro.params(p)
	jo.params(p)
	mergeExpected(p, ro, jo)
	return c.join(ctx, protocol.OpCreateRoom, p)
}

// JoinRoom joins the room called name. Errors include protocol.CodeGameDoesNotExist,
// CodeGameFull, CodeGameClosed and CodeSlotError.
func (c *Client) JoinRoom(ctx context.Context, name string, jo *JoinOptions) (*Room, error) {
	p := protocol.Params{protocol.ParamRoomName: name, protocol.ParamJoinMode: int64(protocol.JoinOnly)}
	jo.params(p)
	return c.join(ctx, protocol.OpJoinRoom, p)
}

// JoinOrCreateRoom joins the room called name, creating it with ro if it does not
// exist; Room.Created says which happened.
func (c *Client) JoinOrCreateRoom(ctx context.Context, name string, ro *RoomOptions, jo *JoinOptions) (*Room, error) {
	p := protocol.Params{protocol.ParamRoomName: name, protocol.ParamJoinMode: int64(protocol.JoinOrCreate)}
	if ro == nil {
		ro = &RoomOptions{}
	}
	ro.params(p)
	jo.params(p)
	mergeExpected(p, ro, jo)
	return c.join(ctx, protocol.OpJoinRoom, p)
}

// mergeExpected sends the room's and the joiner's expected users as one list: they
// share a parameter, and a creator's reservations are the room's.
func mergeExpected(p protocol.Params, ro *RoomOptions, jo *JoinOptions) {
	if jo == nil || jo.ExpectedUsers == nil || ro.ExpectedUsers == nil {
		return
	}
	p[protocol.ParamExpectedUsers] = append(append([]string(nil), ro.ExpectedUsers...), jo.ExpectedUsers...)
}

// RejoinRoom comes back to a room this user left with will-come-back (or lost the
// connection to) within its player TTL: same actor number, same properties. It fails
// with protocol.CodeJoinFailedRejoinerNotFound when there is no such actor.
func (c *Client) RejoinRoom(ctx context.Context, name string) (*Room, error) {
	p := protocol.Params{protocol.ParamRoomName: name, protocol.ParamJoinMode: int64(protocol.RejoinOnly)}
	return c.join(ctx, protocol.OpJoinRoom, p)
}

func (c *Client) join(ctx context.Context, op protocol.Op, p protocol.Params) (*Room, error) {
	outside := c.Room() == nil
	if _, err := c.call(ctx, op, p); err != nil {
		if outside && ctx.Err() != nil {
			c.withdrawJoin() // the join may wait for an approval (access.go)
		}
		return nil, err
	}
	return c.Room(), nil
}

// LeaveRoom leaves the room. With willComeBack the player stays inactive for the
// room's player TTL and may rejoin.
func (c *Client) LeaveRoom(ctx context.Context, willComeBack bool) error {
	return c.leaveRoom(ctx, protocol.Params{protocol.ParamWillComeBack: willComeBack}, willComeBack)
}

func (c *Client) leaveRoom(ctx context.Context, p protocol.Params, willComeBack bool) error {
	_, err := c.call(ctx, protocol.OpLeaveRoom, p)
	if err == nil && !willComeBack {
		c.mu.Lock()
		c.lastRoom = ""
		c.mu.Unlock()
	}
	if err == nil && c.opts.AutoJoinLobby {
		err = c.JoinLobby(ctx, Lobby{})
	}
	return err
}

// ReconnectAndRejoin is for a client whose connection was lost (its handler got a
// [DisconnectedEvent]) while in a room or a message group: it dials the relay again
// with the same options and user id, rejoins that room as the same actor, if the
// room's player TTL has not run out, and joins the message group it was in
// ([Client.JoinGroup]; the group may have vanished meanwhile, and is then created
// again). It returns the new client (the old one stays closed) and the room; the
// room is nil if the client was in none or could not rejoin it. The error joins
// those of the room's rejoin and the group's join, which are both tried. Brief path
// breaks need none of this: the transport resumes the connection by itself.
func (c *Client) ReconnectAndRejoin(ctx context.Context, address string) (*Client, *Room, error) {
	c.Close()
	c.mu.Lock()
	name, group := c.lastRoom, c.group
	c.mu.Unlock()
	opts := c.opts
	opts.UserID = c.userID // anonymous rejoin matches by user id
	n, err := Dial(ctx, address, &opts)
	if err != nil {
		return nil, nil, err
	}
	var r *Room
	var roomErr, groupErr error
	if name != "" {
		r, roomErr = n.RejoinRoom(ctx, name)
	}
	if group != "" {
		if groupErr = n.JoinGroup(ctx, group); groupErr != nil {
			groupErr = fmt.Errorf("client: rejoin message group %q: %w", group, groupErr)
		}
	}
	return n, r, errors.Join(roomErr, groupErr)
}

// RaiseEvent sends a custom event (code 0 to 199) to the room and returns without
// waiting. The relay forwards payload as it is. Errors the relay finds later (rate
// limits, a full cache) arrive as an [ErrorInfoEvent].
func (c *Client) RaiseEvent(code uint8, payload []byte, o *EventOptions) error {
	if code > protocol.MaxCustomEventCode {
		return fmt.Errorf("client: event code %d is reserved (custom codes are 0 to %d)", code, protocol.MaxCustomEventCode)
	}
	ch := 0
	if o != nil {
		if o.Channel < 0 || o.Channel >= c.opts.EventChannels {
			return fmt.Errorf("client: event channel %d does not exist (0 to %d)", o.Channel, c.opts.EventChannels-1)
		}
		ch = 2 * o.Channel
		if o.Unreliable {
			ch++
		}
	}
	b, err := protocol.AppendRaise(nil, &protocol.Raise{Code: code, Options: o.params(), Payload: payload})
	if err != nil {
		return fmt.Errorf("client: raise event: %w", err)
	}
	return c.conn.Send(ch, b)
}

// SetRoomProperties sets room properties. With expected values it is a
// compare-and-set: the change applies only if every expected key has that value (an
// expected nil means "absent"); otherwise it fails with protocol.CodeInvalidOperation.
func (c *Client) SetRoomProperties(ctx context.Context, props, expected map[string]any) error {
	return c.setProperties(ctx, 0, props, expected, false)
}

// SetPropertiesForwarded sets room (actor 0) or player properties as SetRoomProperties
// and SetPlayerProperties do, and has the relay send the change to the app's
// GameProperties webhook.
func (c *Client) SetPropertiesForwarded(ctx context.Context, actor int, props, expected map[string]any) error {
	if actor < 0 {
		return fmt.Errorf("client: actor number %d is not a player", actor)
	}
	return c.setProperties(ctx, actor, props, expected, true)
}

// SetPlayerProperties sets the properties of the actor numbered actor, as
// SetRoomProperties does for the room.
func (c *Client) SetPlayerProperties(ctx context.Context, actor int, props, expected map[string]any) error {
	if actor <= 0 {
		return fmt.Errorf("client: actor number %d is not a player", actor)
	}
	return c.setProperties(ctx, actor, props, expected, false)
}

func (c *Client) setProperties(ctx context.Context, target int, props, expected map[string]any, forward bool) error {
	p := protocol.Params{protocol.ParamActorNr: int64(target), protocol.ParamProperties: props}
	if forward {
		p[protocol.ParamWebForward] = true
	}
	if expected != nil {
		p[protocol.ParamExpectedValues] = expected
	}
	if _, err := c.call(ctx, protocol.OpSetProperties, p); err != nil {
		return err
	}
	c.applyOwnChange(target, props, expected)
	return nil
}

// applyOwnChange updates the local room when the relay does not echo the change.
func (c *Client) applyOwnChange(target int, props, expected map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.room
	if r == nil || r.echo || expected != nil {
		return
	}
	norm, err := protocol.Normalize(props)
	m, _ := norm.(map[string]any)
	if err != nil {
		return
	}
	if target == 0 {
		r.Properties = merge(r.Properties, m, r.deleteNull)
	} else if a := r.Actors[target]; a != nil {
		a.Properties = merge(a.Properties, m, r.deleteNull)
	}
}

// RoomChanges change a room's options; nil fields stay as they are.
type RoomChanges struct {
	Open, Visible *bool
	MaxPlayers    *int
	ExpectedUsers []string // nil: unchanged; empty: no expected users
}

// SetRoomOptions changes the room's open and visible flags, max players or expected
// users. Everyone gets a PropertiesChangedEvent for the room.
func (c *Client) SetRoomOptions(ctx context.Context, ch RoomChanges) error {
	p := protocol.Params{protocol.ParamActorNr: int64(0)}
	if ch.Open != nil {
		p[protocol.ParamIsOpen] = *ch.Open
	}
	if ch.Visible != nil {
		p[protocol.ParamIsVisible] = *ch.Visible
	}
	if ch.MaxPlayers != nil {
		p[protocol.ParamMaxPlayers] = int64(*ch.MaxPlayers)
	}
	if ch.ExpectedUsers != nil {
		p[protocol.ParamExpectedUsers] = ch.ExpectedUsers
	}
	_, err := c.call(ctx, protocol.OpSetProperties, p)
	return err
}

// SetMasterClient hands the master client role to actor. If expected is nonzero, only
// while the master is still actor expected (else protocol.CodeInvalidOperation).
func (c *Client) SetMasterClient(ctx context.Context, actor, expected int) error {
	p := protocol.Params{protocol.ParamActorNr: int64(actor)}
	if expected != 0 {
		p[protocol.ParamExpectedMaster] = int64(expected)
	}
	_, err := c.call(ctx, protocol.OpSetMasterClient, p)
	return err
}

// ChangeGroups leaves the interest groups in remove, then joins those in add (so a
// group in both is joined). A nil list changes nothing; an empty, non-nil list means
// every group. Group 0 is everyone's and cannot be left.
func (c *Client) ChangeGroups(ctx context.Context, remove, add []uint8) error {
	p := protocol.Params{}
	if remove != nil {
		p[protocol.ParamGroupsRemove] = groupList(remove)
	}
	if add != nil {
		p[protocol.ParamGroupsAdd] = groupList(add)
	}
	_, err := c.call(ctx, protocol.OpChangeGroups, p)
	return err
}

func groupList(g []uint8) []any {
	out := make([]any, len(g))
	for i, v := range g {
		out[i] = int64(v)
	}
	return out
}

// Signal sends a WebRTC signalling message to another active actor of the room, who
// gets it as a [SignalEvent]. The relay refuses actors outside the room.
func (c *Client) Signal(ctx context.Context, actor int, data map[string]any) error {
	_, err := c.call(ctx, protocol.OpSignal, protocol.Params{
		protocol.ParamTargetActor: int64(actor), protocol.ParamData: data,
	})
	return err
}

// TURNCredentials are short-lived credentials for the relay's TURN servers.
type TURNCredentials struct {
	URLs               []string
	Username, Password string
	Expires            time.Time
}

// TURNCredentials asks the relay for TURN credentials; only room members get them.
func (c *Client) TURNCredentials(ctx context.Context) (*TURNCredentials, error) {
	resp, err := c.call(ctx, protocol.OpTURNCredentials, nil)
	if err != nil {
		return nil, err
	}
	p := resp.Params
	tc := &TURNCredentials{}
	tc.URLs, _ = p.Strings(protocol.ParamTURNURLs)
	tc.Username, _ = p.Str(protocol.ParamTURNUsername, "")
	tc.Password, _ = p.Str(protocol.ParamTURNPassword, "")
	ttl, _ := p.Int(protocol.ParamTURNTTL, 0)
	tc.Expires = time.Now().Add(time.Duration(ttl) * time.Second)
	return tc, nil
}
