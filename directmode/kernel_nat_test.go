//go:build linux

package directmode_test

// The kernel NAT lab: testdata/natlab/netns.sh builds network namespaces, veths, a
// bridge and nftables NATs inside a private `unshare --mount --net`, and runs the real
// relay and boson binaries there. These tests need root, unshare, ip and nft; they skip
// otherwise, and in -short mode. See testdata/natlab/README.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var kernelMatrixFile = flag.String("natlab.matrix", "",
	"TestKernelNATMatrix writes its results as a Markdown table to this `file` (relative to directmode/)")

const (
	kernelProbeTimeout = 30 * time.Second // one `netns.sh probe`
	scenarioTimeout    = 60 * time.Second // one `netns.sh pair`
)

// kernelCheck is one "direct-check" line printed by `boson -json direct-check`.
type kernelCheck struct {
	Type       string `json:"type"`
	Actor      int    `json:"actor"`
	Result     string `json:"result"` // "direct", "relayed" or "failed"
	Local      string `json:"local"`
	Remote     string `json:"remote"`
	SetupMS    int64  `json:"setup_ms"`
	Sent       int    `json:"sent"`
	Reliable   int    `json:"reliable"`
	Unreliable int    `json:"unreliable"`
}

// kernelOutcome is what one `netns.sh pair` run produced.
type kernelOutcome struct {
	exitA, exitB   int // -1 if the script did not report it
	checkA, checkB []kernelCheck
}

// kernelLab runs testdata/natlab/netns.sh with the binaries it needs.
type kernelLab struct {
	root   string   // repository root
	script string   // netns.sh
	env    []string // RELAY_BIN=... and so on
}

// kernelWant is the RFC 4787 behaviour each NAT type of scenarios.json must show.
var kernelWant = map[string]struct{ mapping, filtering string }{
	"none":               {"endpoint-independent", "endpoint-independent"},
	"full-cone":          {"endpoint-independent", "endpoint-independent"},
	"address-restricted": {"endpoint-independent", "address-dependent"},
	"port-restricted":    {"endpoint-independent", "address-and-port-dependent"},
	"symmetric":          {"address-and-port-dependent", "address-and-port-dependent"},
}

func TestKernelNATTypesBehaveAsNamed(t *testing.T) {
	kernelRequire(t)
	sc := loadScenarios(t)
	lab := kernelNewLab(t, map[string]string{"NATPROBE_BIN": "./testdata/natlab/natprobe"})
	for _, nat := range sc.NATTypes {
		t.Run(nat, func(t *testing.T) {
			want, ok := kernelWant[nat]
			if !ok {
				t.Fatalf("NAT type %q of scenarios.json has no expected behaviour", nat)
			}
			out, err := lab.run(t, kernelProbeTimeout, "probe", nat)
			if err != nil {
				t.Fatalf("netns.sh probe %s: %v\n%s", nat, err, out)
			}
			got := kernelFields(out)
			t.Logf("%s: mapping=%s filtering=%s mapped=%s", nat, got["mapping"], got["filtering"], got["mapped"])
			if got["mapping"] != want.mapping || got["filtering"] != want.filtering {
				t.Errorf("%s: got mapping=%s filtering=%s, want mapping=%s filtering=%s",
					nat, got["mapping"], got["filtering"], want.mapping, want.filtering)
			}
		})
	}
}

func TestKernelNATMatrix(t *testing.T) {
	kernelRequire(t)
	sc := loadScenarios(t)
	lab := kernelNewLab(t, map[string]string{"RELAY_BIN": "./cmd/relay", "BOSON_BIN": "./cmd/boson"})
	start := time.Now()
	results := map[scenario]kernelOutcome{}
	for _, p := range sc.Pairs {
		t.Run(p.A+"_"+p.B, func(t *testing.T) {
			if d, ok := t.Deadline(); ok && time.Until(d) < scenarioTimeout+10*time.Second {
				t.Skip("skipped: too close to the test deadline (-timeout)")
			}
			out, err := lab.run(t, scenarioTimeout, "pair", p.A, p.B)
			o := kernelParsePair(out)
			results[p] = o
			if err != nil {
				t.Errorf("netns.sh pair %s %s: %v", p.A, p.B, err)
			}
			kernelCheckSide(t, "A", o.exitA, o.checkA, p.Expect)
			kernelCheckSide(t, "B", o.exitB, o.checkB, p.Expect)
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
	t.Logf("%d pairs in %v", len(results), time.Since(start).Round(100*time.Millisecond))
	if *kernelMatrixFile != "" {
		if err := os.WriteFile(*kernelMatrixFile, kernelMatrix(sc, results), 0o644); err != nil {
			t.Errorf("write -natlab.matrix file: %v", err)
		}
	}
}

// kernelRequire skips the test unless the kernel NAT lab can run here.
func kernelRequire(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("kernel NAT lab: skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("kernel NAT lab: needs root (network namespaces and nftables)")
	}
	for _, tool := range []string{"unshare", "ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("kernel NAT lab: %s not on PATH (apt-get install -y nftables iproute2 util-linux)", tool)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "unshare", "--mount", "--net", "true").CombinedOutput(); err != nil {
		t.Skipf("kernel NAT lab: unshare --mount --net fails here: %v %s", err, out)
	}
}

// kernelNewLab builds bins (env variable → package path from the repository root) into
// a temporary directory with the go command on PATH.
func kernelNewLab(t *testing.T, bins map[string]string) kernelLab {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	lab := kernelLab{root: root, script: filepath.Join(root, "testdata", "natlab", "netns.sh")}
	dir := t.TempDir()
	for env, pkg := range bins {
		bin := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
		lab.env = append(lab.env, env+"="+bin)
	}
	return lab
}

// run runs netns.sh with args in its own process group and returns its standard
// output. When timeout passes it sends SIGTERM to the group (the script cleans up);
// whatever is left of the group afterwards gets SIGKILL.
func (l kernelLab) run(t *testing.T, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{l.script}, args...)...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), l.env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Pdeathsig: if this test binary dies (say, -timeout), the script still cleans up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH when the group is gone
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("netns.sh %s, stderr:\n%s", strings.Join(args, " "), s)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	return stdout.String(), err
}

// kernelFields parses the key=value fields of the lines of s.
func kernelFields(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// kernelParsePair reads the output of `netns.sh pair`: lines "A <json>", "B <json>"
// and "exit A=<code> B=<code>".
func kernelParsePair(out string) kernelOutcome {
	o := kernelOutcome{exitA: -1, exitB: -1}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if _, err := fmt.Sscanf(line, "exit A=%d B=%d", &o.exitA, &o.exitB); err == nil {
			continue
		}
		side, js, ok := strings.Cut(line, " ")
		var c kernelCheck
		if !ok || json.Unmarshal([]byte(js), &c) != nil || c.Type != "direct-check" {
			continue
		}
		switch side {
		case "A":
			o.checkA = append(o.checkA, c)
		case "B":
			o.checkB = append(o.checkB, c)
		}
	}
	return o
}

// kernelCheckSide checks what one client of a pair reported.
func kernelCheckSide(t *testing.T, side string, exit int, checks []kernelCheck, expect string) {
	t.Helper()
	if exit != 0 {
		t.Errorf("%s: client exit status %d, want 0", side, exit)
	}
	if len(checks) != 1 {
		t.Errorf("%s: got %d direct-check lines, want 1", side, len(checks))
	}
	for _, c := range checks {
		if c.Result != expect {
			t.Errorf("%s: link to actor %d: got %s (local %s, remote %s), want %s",
				side, c.Actor, c.Result, c.Local, c.Remote, expect)
		}
		if c.Reliable != c.Sent || c.Unreliable < 1 {
			t.Errorf("%s: link to actor %d: sent %d, got reliable %d and unreliable %d, want %d and >= 1",
				side, c.Actor, c.Sent, c.Reliable, c.Unreliable, c.Sent)
		}
		t.Logf("%s: actor %d %s local=%s remote=%s setup %d ms", side, c.Actor, c.Result, c.Local, c.Remote, c.SetupMS)
	}
}

// kernelMatrix renders results as a Markdown table: rows natA, columns natB.
func kernelMatrix(sc *scenarioFile, results map[scenario]kernelOutcome) []byte {
	var b bytes.Buffer
	b.WriteString("| A \\ B | " + strings.Join(sc.NATTypes, " | ") + " |\n|---" + strings.Repeat("|---", len(sc.NATTypes)) + "|\n")
	for _, a := range sc.NATTypes {
		b.WriteString("| " + a)
		for _, bb := range sc.NATTypes {
			b.WriteString(" | " + kernelCell(sc, results, a, bb))
		}
		b.WriteString(" |\n")
	}
	fmt.Fprintf(&b, "\nA cell is the link's result (TURN = relayed) and the longer of the two sides' setup_ms;"+
		" \"want\" marks a result that differs from scenarios.json, \"exit\" the exit statuses (A/B) of"+
		" failed clients. Produced on %s, %s, by"+
		" `go test -run TestKernelNATMatrix -v ./directmode/ -natlab.matrix %s` (as root).\n",
		time.Now().UTC().Format(time.DateOnly), kernelMachine(), *kernelMatrixFile)
	return b.Bytes()
}

func kernelCell(sc *scenarioFile, results map[scenario]kernelOutcome, a, b string) string {
	for _, p := range sc.Pairs {
		if p.A != a || p.B != b {
			continue
		}
		o, ok := results[p]
		if !ok {
			return "not run"
		}
		result, setup := "failed", int64(0)
		if len(o.checkA) == 1 && len(o.checkB) == 1 && o.checkA[0].Result == o.checkB[0].Result {
			result, setup = o.checkA[0].Result, max(o.checkA[0].SetupMS, o.checkB[0].SetupMS)
		}
		cell := map[string]string{"direct": "direct", "relayed": "TURN"}[result]
		if cell == "" {
			cell = "failed"
		} else if setup < 1000 {
			cell += fmt.Sprintf(" %d ms", setup)
		} else {
			cell += fmt.Sprintf(" %.1f s", float64(setup)/1000)
		}
		if result != p.Expect {
			cell += " (want " + p.Expect + ")"
		}
		if o.exitA != 0 || o.exitB != 0 {
			cell += fmt.Sprintf(" (exit %d/%d)", o.exitA, o.exitB)
		}
		return cell
	}
	return "–"
}

// kernelMachine describes this machine: kernel, CPU and Go version.
func kernelMachine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	cpu := "unknown CPU"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("Linux %s %s, %d × %s, %s", strings.TrimSpace(string(kernel)), runtime.GOARCH,
		runtime.NumCPU(), cpu, runtime.Version())
}
