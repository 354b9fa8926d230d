package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress writes a live status line: redrawn in place with \r on a terminal, a new
// line every few seconds otherwise (logs, CI).
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	wg    sync.WaitGroup
	done  chan struct{}

	mu     sync.Mutex // guards the following fields
	status func() string
	drawn  bool // a \r line is on screen
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, every: 5 * time.Second, done: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 250*time.Millisecond
		}
	}
	p.wg.Go(p.drawLoop)
	return p
}

// set makes status the live line; nil clears it.
func (p *progress) set(status func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = status
	p.clearLocked()
}

// say writes a one-off line.
func (p *progress) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, "loadgen: "+format+"\n", args...)
}

func (p *progress) clearLocked() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *progress) close() {
	close(p.done)
	p.wg.Wait()
	p.set(nil)
}

func (p *progress) drawLoop() {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		p.mu.Lock()
		if p.status != nil {
			if p.tty {
				fmt.Fprintf(p.w, "\r\033[K%s", p.status())
				p.drawn = true
			} else {
				fmt.Fprintf(p.w, "loadgen: %s\n", p.status())
			}
		}
		p.mu.Unlock()
	}
}
