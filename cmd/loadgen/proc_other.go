//go:build !unix

package main

import "time"

func selfCPU() time.Duration     { return 0 } // not measured on this OS
func selfRSS() uint64            { return 0 }
func raiseNoFile(n uint64) error { return nil }
