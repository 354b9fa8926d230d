package relay_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/auth"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
	"github.com/bosonrt/boson/transport"
)

// room3 puts three players in one room: actors 1 (master), 2 and 3.
func room3(t *testing.T, opts *client.RoomOptions) (s *relay.Server, ps []*player) {
	s = startRelay(t, relay.Config{})
	ps = []*player{connect(t, s, "one"), connect(t, s, "two"), connect(t, s, "three")}
	mustRoom(t)(ps[0].CreateRoom(testContext(t), "r", opts, nil))
	for _, p := range ps[1:] {
		mustRoom(t)(p.JoinRoom(testContext(t), "r", nil))
	}
	for len(ps[0].Room().Actors) < 3 || len(ps[1].Room().Actors) < 3 {
		next[*client.JoinEvent](ps[0]) // drain, so that later waits see only new events
		if len(ps[1].Room().Actors) < 3 {
			next[*client.JoinEvent](ps[1])
		}
	}
	return s, ps
}

func TestEventReceivers(t *testing.T) {
	tests := []struct {
		name  string
		opts  client.EventOptions
		want  []int // actors that get it
		setup func(t *testing.T, ps []*player)
	}{
		{"others by default", client.EventOptions{}, []int{2, 3}, nil},
		{"all", client.EventOptions{Receivers: protocol.ReceiversAll}, []int{1, 2, 3}, nil},
		{"master", client.EventOptions{Receivers: protocol.ReceiversMaster}, []int{1}, nil},
		{"targets override receivers", client.EventOptions{Receivers: protocol.ReceiversAll, TargetActors: []int{3}}, []int{3}, nil},
		{"unreliable on channel 1", client.EventOptions{Unreliable: true, Channel: 1}, []int{2, 3}, nil},
		{"interest group", client.EventOptions{InterestGroup: 7}, []int{3}, func(t *testing.T, ps []*player) {
			must(t, ps[2].ChangeGroups(testContext(t), nil, []uint8{7}))
		}},
		{"left group", client.EventOptions{InterestGroup: 7}, []int{2}, func(t *testing.T, ps []*player) {
			must(t, ps[1].ChangeGroups(testContext(t), nil, []uint8{7, 8}))
			must(t, ps[2].ChangeGroups(testContext(t), nil, []uint8{7}))
			must(t, ps[2].ChangeGroups(testContext(t), []uint8{}, nil)) // leave every group
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := room3(t, nil)
			if tt.setup != nil {
				tt.setup(t, ps)
			}
			sender := ps[0] // actor 1, the master, raises
			must(t, sender.RaiseEvent(5, []byte("hi"), &tt.opts))
			for i, p := range ps {
				if slices.Contains(tt.want, i+1) {
					e := custom(p)
					if e.Code != 5 || e.Sender != 1 || string(e.Payload) != "hi" || e.Reliable == tt.opts.Unreliable || e.Channel != tt.opts.Channel {
						t.Fatalf("%s got %+v", p.name, e)
					}
				} else {
					noCustom(p)
				}
			}
		})
	}
}

// TestEventCache checks Photon's caching rules: what a player joining later receives.
func TestEventCache(t *testing.T) {
	add := &client.EventOptions{Caching: protocol.AddToRoomCache}
	tests := []struct {
		name   string
		events func(t *testing.T, ps []*player) // raised before the joiner comes
		want   []string                         // "sender:payload" the joiner receives, in order
	}{
		{"add to room cache", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "a", add)
			settle(ps[0])
			raise(t, ps[1], 1, "b", add)
		}, []string{"1:a", "2:b"}},
		{"global cache is the room's", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "g", &client.EventOptions{Caching: protocol.AddToRoomCacheGlobal})
		}, []string{"0:g"}},
		{"not cached when sent to the master", func(t *testing.T, ps []*player) {
			raise(t, ps[1], 1, "m", &client.EventOptions{Caching: protocol.AddToRoomCache, Receivers: protocol.ReceiversMaster})
		}, nil},
		{"not cached when sent to targets", func(t *testing.T, ps []*player) {
			raise(t, ps[1], 1, "t", &client.EventOptions{Caching: protocol.AddToRoomCache, TargetActors: []int{1}})
		}, nil},
		{"not cached in a group", func(t *testing.T, ps []*player) {
			raise(t, ps[1], 1, "g", &client.EventOptions{Caching: protocol.AddToRoomCache, InterestGroup: 3})
		}, nil},
		{"remove by code", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "a", add)
			raise(t, ps[0], 2, "b", add)
			raise(t, ps[0], 1, "", &client.EventOptions{Caching: protocol.RemoveFromRoomCache})
		}, []string{"1:b"}},
		{"remove by sender", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "a", add)
			raise(t, ps[1], 1, "b", add)
			settle(ps[1])
			raise(t, ps[0], 0, "", &client.EventOptions{Caching: protocol.RemoveFromRoomCache, TargetActors: []int{2}})
		}, []string{"1:a"}},
		{"remove by partial data", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "unit:1 pos", add)
			raise(t, ps[0], 1, "unit:2 pos", add)
			raise(t, ps[0], 1, "unit:1", &client.EventOptions{Caching: protocol.RemoveFromRoomCache})
		}, []string{"1:unit:2 pos"}},
		{"a leaver's events go with them", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "a", add)
			settle(ps[0])
			raise(t, ps[1], 1, "b", add)
			raise(t, ps[1], 1, "g", &client.EventOptions{Caching: protocol.AddToRoomCacheGlobal})
			must(t, ps[1].LeaveRoom(testContext(t), false))
		}, []string{"1:a", "0:g"}},
		{"slices: joiners ask from a slice on", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "s0", add)
			raise(t, ps[0], 0, "", &client.EventOptions{Caching: protocol.SliceIncreaseIndex})
			raise(t, ps[0], 1, "s1", add)
		}, []string{"1:s0", "1:s1"}},
		{"slices: purge up to", func(t *testing.T, ps []*player) {
			raise(t, ps[0], 1, "s0", add)
			raise(t, ps[0], 0, "", &client.EventOptions{Caching: protocol.SliceSetIndex, CacheSliceIndex: 5})
			raise(t, ps[0], 1, "s5", add)
			raise(t, ps[0], 0, "", &client.EventOptions{Caching: protocol.SlicePurgeUpToIndex, CacheSliceIndex: 5})
		}, []string{"1:s5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ps := room3(t, nil)
			tt.events(t, ps)
			settle(ps[0]) // each raiser's marker comes back after the relay handled its events
			settle(ps[1])
			late := connect(t, s, "late")
			mustRoom(t)(late.JoinRoom(testContext(t), "r", nil))
			raise(t, late, 199, "marker", &client.EventOptions{TargetActors: []int{late.Room().ActorNr}})
			var got []string
			for {
				e := custom(late)
				if e.Code == 199 {
					break
				}
				got = append(got, itoa(e.Sender)+":"+string(e.Payload))
				if len(got) > 10 {
					break
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("joiner got %q, want %q", got, tt.want)
			}
		})
	}
}

// raise sends an event and, for the sender's own ordering, nothing else.
func raise(t *testing.T, p *player, code uint8, data string, o *client.EventOptions) {
	t.Helper()
	must(t, p.RaiseEvent(code, []byte(data), o))
}

func itoa(i int) string { return string(payload("%d", i)) }

func TestSliceIndexOnJoinSkipsOlderSlices(t *testing.T) {
	s, ps := room3(t, nil)
	raise(t, ps[0], 1, "old", &client.EventOptions{Caching: protocol.AddToRoomCache})
	raise(t, ps[0], 0, "", &client.EventOptions{Caching: protocol.SliceIncreaseIndex})
	if e := next[*client.CacheSliceChangedEvent](ps[1]); e.Index != 1 {
		t.Fatalf("slice changed to %d, want 1", e.Index)
	}
	raise(t, ps[0], 1, "new", &client.EventOptions{Caching: protocol.AddToRoomCache})
	settle(ps[0])
	late := connect(t, s, "late")
	mustRoom(t)(late.JoinRoom(testContext(t), "r", &client.JoinOptions{CacheSliceIndex: 1}))
	if e := custom(late); string(e.Payload) != "new" {
		t.Fatalf("joiner asking for slice 1 got %q first, want \"new\"", e.Payload)
	}
}

func TestAJoinerGetsTheRoomThenTheCacheThenLiveEvents(t *testing.T) {
	s, ps := room3(t, nil)
	must(t, ps[0].SetRoomProperties(testContext(t), map[string]any{"map": "docks"}, nil))
	for i := range 50 {
		raise(t, ps[0], 1, string(payload("cached %d", i)), &client.EventOptions{Caching: protocol.AddToRoomCache})
	}
	late := connect(t, s, "late")
	stop := make(chan struct{})
	go func() { // live events race the join
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if ps[1].RaiseEvent(2, payload("live %d", i), nil) != nil {
				return
			}
		}
	}()
	r := mustRoom(t)(late.JoinRoom(testContext(t), "r", nil))
	close(stop)
	if r.Properties["map"] != "docks" {
		t.Fatalf("joiner's room properties %v", r.Properties)
	}
	for i := range 50 {
		if e := custom(late); e.Code != 1 || string(e.Payload) != string(payload("cached %d", i)) {
			t.Fatalf("event %d: got code %d %q, want cached %d (cache first, in order)", i, e.Code, e.Payload, i)
		}
	}
}

func TestACacheOverItsByteLimitClosesTheRoomBeforeJoinersChokeOnIt(t *testing.T) {
	s := startRelay(t, relay.Config{MaxCachedBytes: 8 << 10})
	a := connect(t, s, "a")
	mustRoom(t)(a.CreateRoom(testContext(t), "r", nil, nil))
	for range 9 {
		raise(t, a, 1, strings.Repeat("x", 1000), &client.EventOptions{Caching: protocol.AddToRoomCache})
	}
	if e := next[*client.ErrorInfoEvent](a); e.Code != protocol.CodeEventCacheFull {
		t.Fatalf("error info %+v, want EventCacheFull", e)
	}
}

func TestAReceiverWithSmallerLimitsDoesNotStopDeliveryToTheOthers(t *testing.T) {
	s := startRelay(t, relay.Config{})
	ctx := testContext(t)
	alice := connect(t, s, "alice")
	mustRoom(t)(alice.CreateRoom(ctx, "r", nil, nil))
	small, err := tryConnect(t, s, &client.Options{AppID: "game", AppVersion: "1", Nickname: "small",
		Auth: client.Auth{Type: auth.None}, Transport: transport.DialConfig{Config: transport.Config{MaxMessageSize: 2048}}})
	must(t, err)
	mustRoom(t)(small.JoinRoom(ctx, "r", nil))
	carol := connect(t, s, "carol")
	mustRoom(t)(carol.JoinRoom(ctx, "r", nil))
	raise(t, alice, 1, strings.Repeat("y", 10000), nil)
	if e := custom(carol); len(e.Payload) != 10000 {
		t.Fatalf("carol got %d bytes, want 10000", len(e.Payload))
	}
	noCustom(small)
}

func TestAFullCacheClosesTheRoom(t *testing.T) {
	s := startRelay(t, relay.Config{MaxCachedEvents: 3})
	a, b := connect(t, s, "a"), connect(t, s, "b")
	mustRoom(t)(a.CreateRoom(testContext(t), "r", &client.RoomOptions{PlayerTTL: -1}, nil))
	mustRoom(t)(b.JoinRoom(testContext(t), "r", nil))
	for i := range 4 {
		raise(t, a, 1, "x", &client.EventOptions{Caching: protocol.AddToRoomCache})
		_ = i
	}
	for _, p := range []*player{a, b} {
		if e := next[*client.ErrorInfoEvent](p); e.Code != protocol.CodeEventCacheFull {
			t.Fatalf("%s: error info %+v, want EventCacheFull", p.name, e)
		}
	}
	_, err := connect(t, s, "c").JoinRoom(testContext(t), "r", nil)
	wantCode(t, err, protocol.CodeGameClosed)
}
