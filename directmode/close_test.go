package directmode_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/client"
)

// Close, called from another goroutine while the Handler runs, waits for it to
// return, and the Handler is not called again afterwards.
func TestCloseWaitsForARunningHandler(t *testing.T) {
	w := newLoopbackWorld(t)
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	var afterClose atomic.Int32
	var closeReturned atomic.Bool
	a := w.connect("a", directmode.Config{Handler: func(e directmode.Event) {
		if closeReturned.Load() {
			afterClose.Add(1)
		}
		entered <- struct{}{}
		<-release
	}})
	// Two messages "through the relay" (as the client would pass them on).
	for i := range 2 {
		a.HandleEvent(&client.CustomEvent{Code: directmode.DefaultRelayEventCode, Sender: 2, Payload: []byte{byte(i)}})
	}
	<-entered // the Handler is running (on the first message)

	done := make(chan struct{})
	go func() {
		a.Close()
		closeReturned.Store(true)
		close(done)
	}()
	select {
	case <-done:
		// Close returned while the Handler is still blocked.
		close(release)
		time.Sleep(200 * time.Millisecond) // let the dispatch goroutine go on
		t.Errorf("Close returned while the Handler was running; the Handler was then called %d more time(s) after Close returned", afterClose.Load())
	case <-time.After(time.Second):
		close(release) // Close waited: correct
		<-done
	}
}
