package directmode_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/relay/protocol"
)

var vnetMatrixOut = flag.String("vnet.matrix", "", "write the vnet NAT matrix as a Markdown table to this `file`")

// scenarioFile is testdata/natlab/scenarios.json.
type scenarioFile struct {
	NATTypes []string   `json:"nat_types"`
	Pairs    []scenario `json:"pairs"`
}

type scenario struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Expect string `json:"expect"` // direct or relayed
}

func loadScenarios(t testing.TB) *scenarioFile {
	t.Helper()
	b, err := os.ReadFile("../testdata/natlab/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var sf scenarioFile
	if err := json.Unmarshal(b, &sf); err != nil {
		t.Fatalf("scenarios.json: %v", err)
	}
	return &sf
}

// pairResult is how one pair connected, seen from player A.
type pairResult struct {
	via   string // e.g. "host/prflx"
	how   string // direct or relayed
	setup time.Duration
}

// Every pair of NAT types connects, directly or through TURN as the scenario file
// expects, and messages flow both ways on both channels. Pairs run two at a time, each
// in its own vnet.
func TestNATMatrixOverVNet(t *testing.T) {
	sf := loadScenarios(t)
	var mu sync.Mutex
	results := map[[2]string]pairResult{}
	t.Run("pairs", func(t *testing.T) {
		for _, sc := range sf.Pairs {
			t.Run(sc.A+"_"+sc.B, func(t *testing.T) {
				t.Parallel()
				r := runVNetPair(t, sc)
				mu.Lock()
				results[[2]string{sc.A, sc.B}] = r
				mu.Unlock()
			})
		}
	})
	if *vnetMatrixOut != "" && !t.Failed() {
		if err := os.WriteFile(*vnetMatrixOut, []byte(matrixTable(sf, results)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runVNetPair(t *testing.T, sc scenario) pairResult {
	w := newVNetWorld(t)
	ha, hb := w.host(sc.A, sideA), w.host(sc.B, sideB)
	w.start()
	a, b := w.connect(ha, "a", directmode.Config{}), w.connect(hb, "b", directmode.Config{})
	joinRoom(t, "nat", protocol.DirectAllToOthers, a, b)
	ea, eb := waitPair(t, a, b)
	how := "direct"
	if ea.Relayed {
		how = "relayed"
	}
	if how != sc.Expect || ea.Relayed != eb.Relayed {
		t.Errorf("a %s (%s/%s), b relayed=%v; want %s", how, ea.Local, ea.Remote, eb.Relayed, sc.Expect)
	}
	exchangeBothWays(t, a, b, 5)
	t.Logf("%s ↔ %s: %s via %s/%s in %v (b: %v)", sc.A, sc.B, how, ea.Local, ea.Remote,
		ea.SetupTime.Round(time.Millisecond), eb.SetupTime.Round(time.Millisecond))
	return pairResult{via: ea.Local + "/" + ea.Remote, how: how, setup: ea.SetupTime}
}

// exchangeBothWays sends n messages each way on each channel and checks they arrive
// directly (the vnet loses nothing unless told to).
func exchangeBothWays(t testing.TB, a, b *peer, n int) {
	t.Helper()
	for _, pair := range [][2]*peer{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		for i := range n {
			for _, reliable := range []bool{true, false} {
				if err := from.SendDirect(fmt.Appendf(nil, "%d", i), nil, reliable, false); err != nil {
					t.Fatalf("%s: %v", from.name, err)
				}
			}
		}
		counts := map[bool]int{}
		for _, m := range messages(t, to, 2*n, testTimeout) {
			if m.ViaRelay {
				t.Errorf("%s got a message through the relay", to.name)
			}
			counts[m.Reliable]++
		}
		if counts[true] != n || counts[false] != n {
			t.Errorf("%s got %d reliable and %d unreliable messages, want %d each", to.name, counts[true], counts[false], n)
		}
	}
}

// matrixTable renders the results: rows are A's NAT, columns B's.
func matrixTable(sf *scenarioFile, results map[[2]string]pairResult) string {
	var b strings.Builder
	b.WriteString("| A \\ B |")
	for _, nb := range sf.NATTypes {
		b.WriteString(" " + nb + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(sf.NATTypes)) + "\n")
	for _, na := range sf.NATTypes {
		b.WriteString("| " + na + " |")
		for _, nb := range sf.NATTypes {
			r, ok := results[[2]string{na, nb}]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			how := "direct"
			if r.how == "relayed" {
				how = "TURN"
			}
			fmt.Fprintf(&b, " %s (%s) %.2f s |", how, r.via, r.setup.Seconds())
		}
		b.WriteString("\n")
	}
	return b.String()
}
