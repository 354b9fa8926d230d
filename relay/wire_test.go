package relay_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bosonrt/boson/crypto/handshake"
	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// rawConn speaks the relay protocol by hand, as a client in another language would.
func rawConn(t *testing.T, s *relay.Server, channels ...transport.Mode) *transport.Conn {
	return rawConnTB(t, s, channels...)
}

func rawConnTB(t testing.TB, s *relay.Server, channels ...transport.Mode) *transport.Conn {
	t.Helper()
	if channels == nil {
		channels = []transport.Mode{transport.ReliableOrdered, transport.UnreliableSequenced}
	}
	c, err := transport.Dial(testContext(t), s.Addr().String(), &transport.DialConfig{
		Channels: channels, Fingerprints: []handshake.Fingerprint{s.Fingerprint()},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sendRaw(t *testing.T, c *transport.Conn, b []byte) {
	t.Helper()
	must(t, c.Send(0, b))
}

func request(t *testing.T, c *transport.Conn, op protocol.Op, id uint32, p protocol.Params) *protocol.Response {
	return requestTB(t, c, op, id, p)
}

func requestTB(t testing.TB, c *transport.Conn, op protocol.Op, id uint32, p protocol.Params) *protocol.Response {
	t.Helper()
	b, err := protocol.AppendRequest(nil, &protocol.Request{Op: op, ID: id, Params: p})
	must(t, err)
	must(t, c.Send(0, b))
	return readResponseID(t, c, id)
}

// readResponseID reads messages until the response to id (the others are events or
// answers to requests that came before).
func readResponseID(t testing.TB, c *transport.Conn, id uint32) *protocol.Response {
	for {
		m, err := c.Receive(testContext(t))
		must(t, err)
		if k, _ := protocol.KindOf(m.Data); k == protocol.KindResponse {
			r, err := protocol.ReadResponse(m.Data)
			must(t, err)
			if r.ID == id {
				return r
			}
		}
	}
}

func readResponse(t *testing.T, c *transport.Conn) *protocol.Response {
	t.Helper()
	for {
		m, err := c.Receive(testContext(t))
		must(t, err)
		if k, _ := protocol.KindOf(m.Data); k == protocol.KindResponse {
			r, err := protocol.ReadResponse(m.Data)
			must(t, err)
			return r
		}
	}
}

func TestAnUnknownProtocolVersionGetsAClearError(t *testing.T) {
	s := startRelay(t, relay.Config{})
	c := rawConn(t, s)
	r := request(t, c, protocol.OpAuthenticate, 1, protocol.Params{
		protocol.ParamProtocolVersion: int64(99), protocol.ParamAppID: "game",
	})
	max, _ := r.Params.Int(protocol.ParamMaxVersion, 0)
	if r.Code != protocol.CodeUnsupportedVersion || max != protocol.Version || r.Message == "" {
		t.Fatalf("response %+v, want UnsupportedProtocolVersion naming the versions spoken", r)
	}
	t.Logf("the relay said: %s", r.Message)
}

func TestBadInputGetsAnErrorAndLosesNothing(t *testing.T) {
	s := startRelay(t, relay.Config{})
	host := connect(t, s, "host")
	mustRoom(t)(host.CreateRoom(testContext(t), "r", nil, nil))
	c := rawConn(t, s)
	r := request(t, c, protocol.OpCreateRoom, 1, nil)
	if r.Code != protocol.CodeOperationNotAllowedInState {
		t.Fatalf("a request before Authenticate: %s, want OperationNotAllowedInCurrentState", r.Code)
	}
	r = request(t, c, protocol.OpAuthenticate, 2, protocol.Params{
		protocol.ParamProtocolVersion: int64(protocol.Version), protocol.ParamAppID: "game", protocol.ParamAppVersion: "1",
		protocol.ParamAuthType: int64(auth.None),
	})
	must(t, responseErr(r))
	tests := []struct {
		name string
		msg  []byte
		want protocol.Code
	}{
		{"truncated request", []byte{byte(protocol.KindRequest), byte(protocol.OpJoinRoom), 3, 5}, protocol.CodeInvalidRequest},
		{"wrong parameter type", mustRequest(t, protocol.OpJoinRoom, 4, protocol.Params{protocol.ParamRoomName: int64(5)}), protocol.CodeInvalidRequest},
		{"unknown operation", mustRequest(t, 200, 5, nil), protocol.CodeInvalidOperation},
		{"max players out of range", mustRequest(t, protocol.OpCreateRoom, 6, protocol.Params{protocol.ParamMaxPlayers: int64(-3)}), protocol.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sendRaw(t, c, tt.msg)
			if r := readResponse(t, c); r.Code != tt.want || r.Message == "" {
				t.Fatalf("got %s %q, want %s with a message", r.Code, r.Message, tt.want)
			}
		})
	}
	// A message of no known kind gets an ErrorInfo event; the session goes on.
	sendRaw(t, c, []byte{0x7f, 1, 2})
	r = request(t, c, protocol.OpJoinRoom, 7, protocol.Params{protocol.ParamRoomName: "r"})
	must(t, responseErr(r))
	if j := next[*client.JoinEvent](host); j.Actor.Nr != 2 {
		t.Fatalf("host saw join of actor %d", j.Actor.Nr)
	}
}

func mustRequest(t *testing.T, op protocol.Op, id uint32, p protocol.Params) []byte {
	return mustRequestF(t, op, id, p)
}

func mustRequestF(t testing.TB, op protocol.Op, id uint32, p protocol.Params) []byte {
	b, err := protocol.AppendRequest(nil, &protocol.Request{Op: op, ID: id, Params: p})
	must(t, err)
	return b
}

func responseErr(r *protocol.Response) error {
	if r.Code != protocol.OK {
		return &protocol.Error{Op: r.Op, Code: r.Code, Message: r.Message}
	}
	return nil
}

func TestChannelsMustComeInPairs(t *testing.T) {
	s := startRelay(t, relay.Config{})
	c := rawConn(t, s, transport.ReliableOrdered)
	_, err := c.Receive(testContext(t))
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != relay.CodeBadChannels {
		t.Fatalf("got %v, want a close with CodeBadChannels", err)
	}
}

func TestAClientOverTheMessageRateIsDisconnectedAndTheOthersCarryOn(t *testing.T) {
	s := startRelay(t, relay.Config{MessageRate: 200, AbuseGrace: 300 * time.Millisecond})
	ctx := testContext(t)
	good, bad := connect(t, s, "good"), connect(t, s, "bad")
	mustRoom(t)(good.CreateRoom(ctx, "r", nil, nil))
	mustRoom(t)(bad.JoinRoom(ctx, "r", nil))
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if bad.RaiseEvent(1, []byte("spam"), &client.EventOptions{Unreliable: true}) != nil {
			break
		}
		time.Sleep(time.Millisecond / 4)
	}
	d := next[*client.DisconnectedEvent](bad)
	var ce *transport.CloseError
	if !errors.As(d.Err, &ce) || ce.Code != relay.CodeOperationLimit || !ce.Remote {
		t.Fatalf("abuser's disconnect: %v, want CodeOperationLimit from the relay", d.Err)
	}
	if l := next[*client.LeaveEvent](good); l.Actor != 2 {
		t.Fatalf("good saw actor %d leave", l.Actor)
	}
	must(t, good.SetRoomProperties(ctx, map[string]any{"still": "here"}, nil))
	if st := s.Stats(); st.Disconnected != 1 || st.Refused == 0 {
		t.Fatalf("stats %+v, want 1 disconnect and some refusals", st)
	}
}

func TestPollModeDispatchesOnTheCallersGoroutine(t *testing.T) {
	s := startRelay(t, relay.Config{})
	var got []client.Event
	p, err := client.Dial(testContext(t), s.Addr().String(), &client.Options{
		AppID: "game", Nickname: "poller", Auth: client.Auth{Type: auth.None},
		Fingerprints: []handshake.Fingerprint{s.Fingerprint()}, Poll: true,
		Handler: func(e client.Event) { got = append(got, e) }, // no lock: only Service calls it
	})
	must(t, err)
	defer p.Close()
	mustRoom(t)(p.CreateRoom(testContext(t), "r", nil, nil))
	must(t, p.RaiseEvent(3, []byte("to me"), &client.EventOptions{Receivers: protocol.ReceiversAll}))
	deadline := time.Now().Add(testTimeout)
	for len(got) == 0 && time.Now().Before(deadline) {
		p.Service() // a game loop's update
		time.Sleep(time.Millisecond)
	}
	if e, ok := got[0].(*client.CustomEvent); !ok || string(e.Payload) != "to me" {
		t.Fatalf("first polled event %#v", got[0])
	}
}

func TestRoomsPerAppAreLimited(t *testing.T) {
	s := startRelay(t, relay.Config{MaxRoomsPerApp: 2})
	ctx := testContext(t)
	for _, name := range []string{"a", "b"} {
		mustRoom(t)(connect(t, s, name).CreateRoom(ctx, name, nil, nil))
	}
	_, err := connect(t, s, "c").CreateRoom(ctx, "c", nil, nil)
	wantCode(t, err, protocol.CodeRoomLimitReached)
	other, err := tryConnect(t, s, &client.Options{AppID: "other-game", Auth: client.Auth{Type: auth.None}})
	must(t, err)
	mustRoom(t)(other.CreateRoom(ctx, "c", nil, nil)) // another app has its own count
}

func TestARoomOverItsEventRateRefusesEventsWithoutDisconnectingAnyone(t *testing.T) {
	s := startRelay(t, relay.Config{RoomEventRate: 20})
	ctx := testContext(t)
	a, b := connect(t, s, "a"), connect(t, s, "b")
	mustRoom(t)(a.CreateRoom(ctx, "r", nil, nil))
	mustRoom(t)(b.JoinRoom(ctx, "r", nil))
	for i := range 100 {
		must(t, a.RaiseEvent(1, payload("%d", i), nil))
	}
	if e := next[*client.ErrorInfoEvent](a); e.Code != protocol.CodeOperationLimitReached {
		t.Fatalf("sender's error info %+v, want OperationLimitReached", e)
	}
	got := 0
	for got < 20 {
		custom(b)
		got++
	}
	// Property changes broadcast too, so they count against the same rate: a burst of
	// them (more than the rate can refill meanwhile) meets a refusal.
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		err = a.SetRoomProperties(ctx, map[string]any{"x": i}, nil)
	}
	wantCode(t, err, protocol.CodeOperationLimitReached)
	must(t, a.ChangeGroups(ctx, nil, []uint8{1})) // both still connected
	must(t, b.ChangeGroups(ctx, nil, []uint8{1}))
}
