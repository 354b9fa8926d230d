package relay

import (
	"strconv"
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

// A group post over the sender's delivery budget is refused before the group's
// members are copied: a client flooding a large group with posts it cannot afford
// makes the relay do no per-member work under the groups lock.
func TestRefusedGroupPostCopiesNoMember(t *testing.T) {
	s := &Server{groups: groupTable{worlds: map[worldKey]map[string]*msgGroup{}}}
	s.cfg.Groups.withDefaults()
	key := worldKey{"game", "1"}
	var sender *session
	for i := range 1000 {
		sess := &session{s: s, key: key, userID: "u" + strconv.Itoa(i)}
		if resp := s.groups.move(sess, "big"); resp != nil {
			t.Fatalf("move: %+v", resp)
		}
		sender = sess
	}
	sender.grp.deliveries = newBucket(10, now()) // affords 10 of the 999 deliveries
	sender.grp.pushes = newBucket(100, now())
	resp := sender.postToGroup(&postRequest{group: "big", data: "x"})
	if resp == nil || resp.Code != protocol.CodeOperationLimitReached {
		t.Fatalf("post over budget: %+v, want OperationLimitReached", resp)
	}
	if c := cap(sender.grp.fanout); c != 0 {
		t.Fatalf("a refused post copied the group's members (scratch capacity %d), want none", c)
	}
}
