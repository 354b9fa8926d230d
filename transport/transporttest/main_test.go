package transporttest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine (the network's scheduleLoop, or one a test
// started) is still alive after the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
