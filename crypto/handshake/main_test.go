package handshake

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails a passing run that leaves goroutines behind: pion's read loops must
// end with the sessions and handshakes the tests close or cancel.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
