package directmode

import "testing"

// A full queue drops the oldest unreliable message first, then the oldest reliable
// one, then the oldest event, and keeps the order of the rest.
func TestFullQueueDropsOldestUnreliableThenReliableThenAny(t *testing.T) {
	var q eventQueue
	q.init(3)
	u1, r1, c1 := &MessageEvent{Data: []byte("u1")}, &MessageEvent{Reliable: true, Data: []byte("r1")}, &ClosedEvent{Actor: 1}
	q.push(u1)
	q.push(r1)
	q.push(c1)
	u2 := &MessageEvent{Data: []byte("u2")}
	q.push(u2) // drops u1
	c2 := &ClosedEvent{Actor: 2}
	q.push(c2) // drops u2 (unreliable first, even though newer than r1)
	c3 := &ClosedEvent{Actor: 3}
	q.push(c3) // drops r1
	c4 := &ClosedEvent{Actor: 4}
	q.push(c4) // drops c1, the oldest event
	q.close()
	var got []Event
	for {
		e, ok := q.wait()
		if !ok {
			break
		}
		got = append(got, e)
	}
	want := []Event{c2, c3, c4}
	if len(got) != len(want) {
		t.Fatalf("got %d events %v, want %v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if q.droppedCount() != 4 {
		t.Errorf("dropped %d, want 4", q.droppedCount())
	}
}

// BenchmarkFullEventQueuePush pushes into a full queue of the default size: each push
// drops one event, in constant time.
func BenchmarkFullEventQueuePush(b *testing.B) {
	var q eventQueue
	q.init(DefaultMaxQueuedEvents)
	for range DefaultMaxQueuedEvents {
		q.push(&MessageEvent{Reliable: true})
	}
	b.ReportAllocs()
	for range b.N {
		q.push(&MessageEvent{Reliable: true})
	}
}
