package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain makes the test binary serve as the loadgen's child relay when the loadgen
// code under test re-executes it (os.Executable is the test binary).
func TestMain(m *testing.M) {
	if kind := os.Getenv(serveEnv); kind != "" {
		os.Exit(serveChild(kind))
	}
	goleak.VerifyTestMain(m,
		// kcp-go's package-level scheduler, started by its init.
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).sched"),
		goleak.IgnoreTopFunction("github.com/xtaci/kcp-go/v5.(*TimedSched).prepend"))
}
