package relay_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bosonrt/boson/relay"
	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

// BenchmarkJoinRandomRooms measures join_random end to end (request, matchmaking,
// join, response, over UDP on loopback) in a lobby of 10 000 open rooms, with the p50
// and p99 of single joins; each join is followed by a leave, not timed. The rooms
// live in an async-random lobby so that one client can make them all (each keeps an
// inactive player, which such lobbies match). "listed" asks for a listed property
// that one room in ten has; "last" for the one the newest room alone has, so that
// matchmaking scans the whole lobby. The baseline is a JoinRoom by name in the same
// lobby. BOSON_LOBBY_ROOMS changes the number of rooms.
//
//	go test -run='^$' -bench=JoinRandomRooms -benchtime=2000x ./relay/
func BenchmarkJoinRandomRooms(b *testing.B) {
	rooms := 10000
	if n, err := strconv.Atoi(os.Getenv("BOSON_LOBBY_ROOMS")); err == nil && n > 0 {
		rooms = n
	}
	if testing.Short() {
		rooms = 100
	}
	cfg := relay.Config{MaxRoomsPerApp: rooms + 100, MessageRate: 1 << 20}
	cfg.Transport.HandshakesPerIP = 1000
	s := startRelay(b, cfg)
	lobby := client.Lobby{Name: "bench", Type: protocol.LobbyAsyncRandom}
	maker := connect(b, s, "maker")
	for i := range rooms {
		tag := fmt.Sprint("t", i%10)
		if i == rooms-1 {
			tag = "last"
		}
		_, err := maker.CreateRoom(testContext(b), fmt.Sprint("room", i), &client.RoomOptions{MaxPlayers: 8,
			PlayerTTL: -1, EmptyRoomTTL: 5 * time.Minute, LobbyName: lobby.Name, LobbyType: int(lobby.Type),
			Properties: map[string]any{"tag": tag}, PropsListedInLobby: []string{"tag"}}, nil)
		must(b, err)
		must(b, maker.LeaveRoom(testContext(b), true)) // stays as an inactive player
	}
	joiner := connect(b, s, "joiner")
	run := func(b *testing.B, join func() (*client.Room, error)) {
		lat := make([]time.Duration, 0, b.N)
		for range b.N {
			t := time.Now()
			_, err := join()
			lat = append(lat, time.Since(t))
			must(b, err)
			must(b, joiner.LeaveRoom(testContext(b), false))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
	random := func(expected map[string]any) func() (*client.Room, error) {
		return func() (*client.Room, error) {
			return joiner.JoinRandomRoom(testContext(b), &client.RandomOptions{Lobby: lobby, ExpectedProperties: expected}, nil)
		}
	}
	b.Run("by-name-baseline", func(b *testing.B) {
		run(b, func() (*client.Room, error) { return joiner.JoinRoom(testContext(b), "room0", nil) })
	})
	b.Run("any", func(b *testing.B) { run(b, random(nil)) })
	b.Run("listed", func(b *testing.B) { run(b, random(map[string]any{"tag": "t7"})) })
	b.Run("last", func(b *testing.B) { run(b, random(map[string]any{"tag": "last"})) })
}
