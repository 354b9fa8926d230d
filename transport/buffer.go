package transport

import "sync"

// Buffers come from size-classed pools so that the packet path does not allocate.
// A buffer travels as a *[]byte so that returning it to its pool does not allocate.

var bufClasses = [...]int{256, 2048, 16 << 10, 64 << 10}

var bufPools [len(bufClasses)]sync.Pool

func init() {
	for i, size := range bufClasses {
		bufPools[i].New = func() any {
			b := make([]byte, size)
			return &b
		}
	}
}

// getBuf returns a buffer of length n. Above the largest class it allocates.
func getBuf(n int) *[]byte {
	for i, size := range bufClasses {
		if n <= size {
			p := bufPools[i].Get().(*[]byte)
			*p = (*p)[:n]
			return p
		}
	}
	b := make([]byte, n)
	return &b
}

// putBuf returns a buffer obtained from getBuf; ones of other capacities are left to
// the garbage collector. The caller must not use it afterwards.
func putBuf(p *[]byte) {
	if p == nil {
		return
	}
	for i, size := range bufClasses {
		if cap(*p) == size {
			*p = (*p)[:size]
			bufPools[i].Put(p)
			return
		}
	}
}
