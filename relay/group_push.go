package relay

import "github.com/bosonrt/boson/relay/protocol"

// maxPushUsers bounds the users of one PushNotify.
const maxPushUsers = 100

// Web Push waits for package relay/push: until then the relay has none.

func (s *Server) pushOn() bool                                                   { return false }
func (s *Server) pushSubscribed(app, user string) bool                           { return false }
func (s *Server) pushNotify(string, []string, *notification, map[string]any) int { return 0 }

func (sess *session) pushOp(*protocol.Request) *protocol.Response {
	return fail(protocol.CodePushUnavailable, "this relay has no web push")
}
