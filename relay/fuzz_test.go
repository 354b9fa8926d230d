package relay_test

import (
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/protocol"
)

// FuzzSessionMessage sends any bytes to a live relay, from a client that is in a room
// with another player, then checks that the relay still answers that client and that
// the other player was not disturbed: bad input costs nothing but an error.
func FuzzSessionMessage(f *testing.F) {
	for _, seed := range [][]byte{
		mustRequestF(f, protocol.OpSetProperties, 9, protocol.Params{protocol.ParamProperties: map[string]any{"k": int64(1)}}),
		mustRequestF(f, protocol.OpJoinRoom, 9, protocol.Params{protocol.ParamRoomName: "r"}),
		mustRequestF(f, protocol.OpChangeGroups, 9, protocol.Params{protocol.ParamGroupsAdd: []any{int64(300)}}),
		{byte(protocol.KindRaise), 1, 0, 2, 1, 50, 0xff},
		{byte(protocol.KindRaise), 5, 0, 0, 'h', 'i'},
		{byte(protocol.KindResponse), 1, 1, 0, 0, 0},
		{0xff},
	} {
		f.Add(seed)
	}
	cfg := relay.Config{MessageRate: 1 << 30, RoomEventRate: 1 << 30} // the fuzzer is fast, not abusive
	cfg.Transport.ReceiveRate, cfg.Transport.ReceivePacketRate = 1<<30, 1<<30
	s := startRelay(f, cfg)
	host := connect(f, s, "host")
	mustRoom(f)(host.CreateRoom(testContext(f), "r", nil, nil))
	c := rawConnTB(f, s)
	auth1 := requestTB(f, c, protocol.OpAuthenticate, 1, protocol.Params{
		protocol.ParamProtocolVersion: int64(protocol.Version), protocol.ParamAppID: "game", protocol.ParamAppVersion: "1",
		protocol.ParamAuthType: int64(auth.None), protocol.ParamNickname: "fuzzer",
	})
	must(f, responseErr(auth1))
	must(f, responseErr(requestTB(f, c, protocol.OpJoinRoom, 2, protocol.Params{protocol.ParamRoomName: "r"})))
	id := uint32(1000)
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) == 0 || len(msg) > 4096 {
			return
		}
		if k, _ := protocol.KindOf(msg); k == protocol.KindRequest && len(msg) > 1 &&
			(protocol.Op(msg[1]) == protocol.OpLeaveRoom || protocol.Op(msg[1]) == protocol.OpAuthenticate) {
			return // leaving is allowed input, but the check below needs the fuzzer in the room
		}
		if c.Send(0, msg) != nil {
			t.Fatalf("the relay closed the connection after %x", msg)
		}
		id++
		r := requestTB(t, c, protocol.OpChangeGroups, id, protocol.Params{})
		if r.Code != protocol.OK {
			t.Fatalf("after %x the relay answers %s: %s", msg, r.Code.String(), r.Message)
		}
	})
	if st := s.Stats(); st.Sessions != 2 || st.Rooms != 1 {
		f.Fatalf("after fuzzing: %+v, want both sessions and the room", st)
	}
}
