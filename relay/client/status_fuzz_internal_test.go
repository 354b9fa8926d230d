package client

import (
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

// FuzzReadRoomStatus feeds any event to the status map reader: it never panics, a
// wait estimate is never negative, and every participant read comes from the list.
func FuzzReadRoomStatus(f *testing.F) {
	for _, m := range []map[string]any{
		{"room": "r", "status": "ROOM_AUTO_MATCHING", "roomStatusVersion": int64(3), "variant": int64(2),
			"participants": []any{map[string]any{"id": "p_1", "userId": "alice", "actorNr": int64(1),
				"status": "PARTICIPANT_JOINED", "connected": true}},
			"creationDetails":      map[string]any{"participantId": "p_1", "modifiedTimestampMillis": int64(1700000000000)},
			"autoMatchingCriteria": map[string]any{"minAutoMatchingPlayers": int64(1), "maxAutoMatchingPlayers": int64(2), "exclusiveBitmask": int64(6)},
			"autoMatchingStatus":   map[string]any{"waitEstimateSeconds": int64(12)}},
		{"room": int64(1), "participants": []any{"x", nil}, "autoMatchingStatus": map[string]any{"waitEstimateSeconds": int64(-1)}},
	} {
		b, err := protocol.AppendEvent(nil, &protocol.Event{Code: protocol.EventRoomStatus, Params: protocol.Params{protocol.ParamRoomStatus: m}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := protocol.ReadEvent(b)
		if err != nil {
			return
		}
		m, _ := e.Params.Map(protocol.ParamRoomStatus)
		s := readRoomStatus(m)
		list, _ := m["participants"].([]any)
		if len(s.Participants) != len(list) {
			t.Fatalf("%d participants read from %d", len(s.Participants), len(list))
		}
		if s.WaitEstimate < 0 || s.WaitEstimate > maxWaitEstimate {
			t.Fatalf("wait estimate %v", s.WaitEstimate)
		}
		_ = s.clone().Participant(1)
	})
}
