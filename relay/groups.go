package relay

import "github.com/bosonrt/boson/relay/protocol"

// groupOp serves message groups, user messaging and Web Push (seed 002).
func (sess *session) groupOp(r *protocol.Request) *protocol.Response {
	return fail(protocol.CodeInvalidOperation, r.Op.String()+" is not implemented yet")
}
