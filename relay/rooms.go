package relay

import (
	"cmp"
	"slices"
	"time"
)

// RoomInfo describes a live room, for admin pages and metrics.
type RoomInfo struct {
	AppID, AppVersion string
	Name              string
	Players           int // active actors
	Inactive          int // actors that may rejoin
	MaxPlayers        int // 0: the relay's limit
	Open, Visible     bool
	Master            int
	CachedEvents      int
	Created           time.Time
}

// Rooms lists the live rooms, by app, version and name.
func (s *Server) Rooms() []RoomInfo {
	s.mu.Lock()
	worlds := make([]*world, 0, len(s.worlds))
	for _, w := range s.worlds {
		worlds = append(worlds, w)
	}
	s.mu.Unlock()
	var out []RoomInfo
	for _, w := range worlds {
		w.mu.Lock()
		rooms := make([]*room, 0, len(w.rooms))
		for _, r := range w.rooms {
			rooms = append(rooms, r)
		}
		w.mu.Unlock()
		for _, r := range rooms {
			out = append(out, r.info())
		}
	}
	slices.SortFunc(out, func(a, b RoomInfo) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.AppVersion, b.AppVersion), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func (r *room) info() RoomInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	active := len(r.activeLocked())
	return RoomInfo{
		AppID: r.world.key.app, AppVersion: r.world.key.version, Name: r.name,
		Players: active, Inactive: len(r.actors) - active, MaxPlayers: r.opts.maxPlayers,
		Open: r.opts.open, Visible: r.opts.visible, Master: int(r.master),
		CachedEvents: len(r.cache), Created: r.created,
	}
}
