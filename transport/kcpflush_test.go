package transport

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	kcp "github.com/xtaci/kcp-go/v5"
)

// TestKCPFlushSignature reads the kcp-go source this module builds with and checks that
// (*KCP).flush is still func(flushType FlushType) (nextUpdate uint32), the declaration
// kcpFlush links to: the compiler does not check a go:linkname.
func TestKCPFlushSignature(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/xtaci/kcp-go/v5").Output()
	if err != nil {
		t.Fatalf("go list kcp-go: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, "kcp.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse kcp-go: %v", err)
	}
	var got string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "flush" || fd.Recv == nil {
			continue
		}
		var b strings.Builder
		b.WriteString(typeString(fd.Recv.List[0].Type))
		for _, p := range fd.Type.Params.List {
			b.WriteString(" " + typeString(p.Type))
		}
		b.WriteString(" ->")
		for _, r := range fd.Type.Results.List {
			b.WriteString(" " + typeString(r.Type))
		}
		got = b.String()
	}
	if want := "*KCP FlushType -> uint32"; got != want {
		t.Fatalf("kcp-go's (*KCP).flush in %s is %q, want %q: update kcpFlush's declaration", dir, got, want)
	}
}

func typeString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + typeString(e.X)
	}
	return "?"
}

// TestKCPFlushSendsWhatUpdateHoldsBack shows why kcpFlush exists: a second message
// within the interval waits in an Update, and goes out at once with kcpFlush.
func TestKCPFlushSendsWhatUpdateHoldsBack(t *testing.T) {
	var pushes []uint32
	k := kcp.NewKCP(1, func(b []byte, n int) {
		for b = b[:n]; len(b) >= kcpOverhead; {
			if b[4] == kcpCmdPush {
				pushes = append(pushes, uint32(b[12])|uint32(b[13])<<8)
			}
			b = b[kcpOverhead+int(uint32(b[20])|uint32(b[21])<<8):]
		}
	})
	k.NoDelay(1, kcpInterval, 2, 1)
	k.Send([]byte("first"))
	k.Update()
	k.Send([]byte("second"))
	k.Update() // within 10 ms of the first flush: holds "second" back
	if len(pushes) != 1 {
		t.Fatalf("after two Updates: %d segments sent, want 1 (the interval gate)", len(pushes))
	}
	kcpFlush(k, kcp.IKCP_FLUSH_FULL)
	if len(pushes) != 2 || pushes[1] != 1 {
		t.Fatalf("after kcpFlush: segments %v, want [0 1]", pushes)
	}
	if k.WaitSnd() != 2 {
		t.Fatalf("WaitSnd %d, want 2 (both in flight, unacknowledged)", k.WaitSnd())
	}
}
