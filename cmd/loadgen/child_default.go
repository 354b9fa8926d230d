//go:build !linux

package main

import "os/exec"

// setDeathSignal does nothing here: the child exits when its stdin closes.
func setDeathSignal(*exec.Cmd) {}
