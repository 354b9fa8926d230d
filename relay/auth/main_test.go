package auth

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails a passing run that leaves goroutines behind: the HTTP client's
// connections and the test servers' handlers must end with each test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
