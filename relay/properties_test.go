package relay_test

import (
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func TestRoomPropertiesCompareAndSet(t *testing.T) {
	tests := []struct {
		name     string
		set      map[string]any
		expected map[string]any
		want     protocol.Code
		after    map[string]any
	}{
		{"plain set", map[string]any{"score": 5}, nil, protocol.OK, map[string]any{"round": int64(1), "score": int64(5)}},
		{"CAS that matches", map[string]any{"round": 2}, map[string]any{"round": 1}, protocol.OK, map[string]any{"round": int64(2)}},
		{"CAS that conflicts", map[string]any{"round": 2}, map[string]any{"round": 7}, protocol.CodeInvalidOperation, map[string]any{"round": int64(1)}},
		{"CAS of a type that differs", map[string]any{"round": 2}, map[string]any{"round": 1.0}, protocol.CodeInvalidOperation, map[string]any{"round": int64(1)}},
		{"CAS on an absent key expects nil", map[string]any{"winner": "a"}, map[string]any{"winner": nil}, protocol.OK, map[string]any{"round": int64(1), "winner": "a"}},
		{"CAS on a present key expecting nil", map[string]any{"round": 9}, map[string]any{"round": nil}, protocol.CodeInvalidOperation, map[string]any{"round": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := room3(t, &client.RoomOptions{Properties: map[string]any{"round": 1}})
			err := ps[1].SetRoomProperties(testContext(t), tt.set, tt.expected)
			if tt.want != protocol.OK {
				wantCode(t, err, tt.want)
				settle(ps[0])
				if got := ps[0].Room().Properties; !equalProps(got, tt.after) {
					t.Fatalf("after a refused CAS the room has %v, want %v", got, tt.after)
				}
				return
			}
			must(t, err)
			for _, p := range ps { // everyone, the setter included, gets the change
				e := next[*client.PropertiesChangedEvent](p)
				if e.Target != 0 || e.Sender != 2 {
					t.Fatalf("%s: change event %+v", p.name, e)
				}
				for k := range tt.after {
					if p.Room().Properties[k] != tt.after[k] {
						t.Fatalf("%s: room properties %v, want %v", p.name, p.Room().Properties, tt.after)
					}
				}
			}
		})
	}
}

func equalProps(a, b map[string]any) bool {
	return protocol.Equal(normal(a), normal(b))
}

func normal(m map[string]any) any {
	v, _ := protocol.Normalize(m)
	return v
}

func TestPlayerPropertiesAndDeleteNull(t *testing.T) {
	_, ps := room3(t, &client.RoomOptions{DeleteNullProperties: true})
	ctx := testContext(t)
	must(t, ps[2].SetPlayerProperties(ctx, 3, map[string]any{"hp": 10, "name": "x"}, nil))
	next[*client.PropertiesChangedEvent](ps[0])
	must(t, ps[2].SetPlayerProperties(ctx, 3, map[string]any{"name": nil}, nil))
	e := next[*client.PropertiesChangedEvent](ps[0])
	if e.Target != 3 {
		t.Fatalf("change of actor %d, want 3", e.Target)
	}
	if props := ps[0].Room().Actors[3].Properties; props["hp"] != int64(10) || len(props) != 1 {
		t.Fatalf("actor 3's properties %v, want only hp 10 (name deleted)", props)
	}
	wantCode(t, ps[2].SetPlayerProperties(ctx, 9, map[string]any{"x": 1}, nil), protocol.CodeInvalidOperation)
}

func TestPropertySizeLimits(t *testing.T) {
	s := startRelay(t, relay.Config{MaxRoomPropertiesBytes: 1000, MaxActorPropertiesBytes: 100})
	p := connect(t, s, "p")
	_, err := p.CreateRoom(testContext(t), "r", &client.RoomOptions{Properties: map[string]any{"big": strings.Repeat("x", 2000)}}, nil)
	wantCode(t, err, protocol.CodeTooLarge)
	mustRoom(t)(p.CreateRoom(testContext(t), "r", nil, nil))
	wantCode(t, p.SetRoomProperties(testContext(t), map[string]any{"big": strings.Repeat("x", 2000)}, nil), protocol.CodeTooLarge)
	wantCode(t, p.SetPlayerProperties(testContext(t), 1, map[string]any{"big": strings.Repeat("x", 200)}, nil), protocol.CodeTooLarge)
	must(t, p.SetRoomProperties(testContext(t), map[string]any{"small": "ok"}, nil))
}

func TestRoomOptionsChangeThroughProperties(t *testing.T) {
	s, ps := room3(t, nil)
	closed := false
	must(t, ps[0].SetRoomOptions(testContext(t), client.RoomChanges{Open: &closed}))
	if e := next[*client.PropertiesChangedEvent](ps[1]); e.Target != 0 {
		t.Fatalf("change event %+v", e)
	}
	if ps[1].Room().Open {
		t.Fatal("room still open in a member's view")
	}
	_, err := connect(t, s, "late").JoinRoom(testContext(t), "r", nil)
	wantCode(t, err, protocol.CodeGameClosed)
}
