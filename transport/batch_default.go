//go:build !linux

package transport

import "net"

// newBatchConn returns the portable one-datagram-per-call conn: batching needs Linux.
func newBatchConn(pc net.PacketConn) batchConn { return newPlainConn(pc) }
