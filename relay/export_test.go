package relay

// QueuedRooms counts the rooms waiting in the auto-match queues of an app and version
// (tests only).
func (s *Server) QueuedRooms(app, version string) int {
	x := &s.status
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for k, q := range x.queues {
		if k.world == (worldKey{app, version}) {
			n += len(q.rooms)
		}
	}
	return n
}

// InvitedUsers counts the users with a pending invitation indexed in an app and
// version (tests only).
func (s *Server) InvitedUsers(app, version string) int {
	x := &s.status
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.invites[worldKey{app, version}])
}
