package relay

import (
	"testing"

	"github.com/bosonrt/boson/relay/protocol"
)

// FuzzGroupRequest decodes any params as a ListGroups query and as a Post: neither
// panics, and a query that decodes has a page size in range and a cursor that
// round-trips and starts after its own key.
func FuzzGroupRequest(f *testing.F) {
	for _, p := range []protocol.Params{
		{protocol.ParamSearchFor: int64(1), protocol.ParamValue: int64(2), protocol.ParamCondition: ">=", protocol.ParamCursor: "3:b"},
		{protocol.ParamValue: "a", protocol.ParamRange: "c", protocol.ParamLimit: int64(10)},
		{protocol.ParamGroup: "g", protocol.ParamData: map[string]any{"k": []any{int64(1)}},
			protocol.ParamNotification: map[string]any{"title": "t", "body": "b", "always": true}},
	} {
		b, err := protocol.AppendParams(nil, p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, err := protocol.ReadParams(b)
		if err != nil {
			return
		}
		readPost(p, 8192)
		q, err := readGroupQuery(p)
		if err != nil {
			return
		}
		if q.limit < 1 || q.limit > maxGroupPage {
			t.Fatalf("query %+v: limit out of range", q)
		}
		if q.after != nil {
			if q.match(*q.after) {
				t.Fatalf("query %+v: the cursor's own key is on the next page", q)
			}
			if again, err := q.readCursor(q.cursor(*q.after)); err != nil || *again != *q.after {
				t.Fatalf("cursor %+v does not round-trip: %+v, %v", *q.after, again, err)
			}
		}
	})
}
