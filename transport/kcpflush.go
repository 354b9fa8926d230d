package transport

import (
	_ "unsafe" // go:linkname

	kcp "github.com/xtaci/kcp-go/v5"
)

// kcpFlush is kcp-go's unexported (*KCP).flush: it sends the engine's pending
// acknowledgements, moves queued messages into the send window and transmits every
// segment that is due, at once. The original C KCP exports it as ikcp_flush; kcp-go
// reaches it only through Update, which runs it at most once per interval (10 ms at
// least), so a message sent within 10 ms of a flush would wait for the next one.
//
// It is reached with a pull go:linkname, which the linker allows for packages outside
// the standard library but which the compiler cannot type-check: the declaration must
// match kcp-go's exactly. go.mod pins kcp-go (v5.6.72), and TestKCPFlushSignature reads
// the pinned source and fails if the method's signature differs, so an upgrade that
// changes it fails the tests instead of corrupting memory.
//
//go:linkname kcpFlush github.com/xtaci/kcp-go/v5.(*KCP).flush
func kcpFlush(k *kcp.KCP, flushType kcp.FlushType) (nextUpdate uint32)
