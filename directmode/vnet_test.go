package directmode_test

import (
	"net"
	"sync"
	"testing"

	"github.com/pion/logging"
	"github.com/pion/transport/v4/vnet"

	"github.com/bosonrt/boson/directmode"
	"github.com/bosonrt/boson/directmode/turnserver"
)

// The in-process NAT harness: a pion vnet internet (203.0.113.0/24) with the relay and
// its STUN/TURN server at 203.0.113.1, and each player either on it directly or behind
// a NAT router of its own (LAN 198.51.100.0/24 for side A, 192.0.2.0/24 for side B).

const (
	vnetRelayIP = "203.0.113.1"
	vnetRelay   = vnetRelayIP + ":7350"
	vnetTURN    = 3478
)

// vnetSide is where a player sits: its LAN, its NAT's public address, and its public
// address when it has no NAT.
type vnetSide struct{ lan, host, natIP, publicIP string }

var (
	sideA = vnetSide{lan: "198.51.100.0/24", host: "198.51.100.2", natIP: "203.0.113.11", publicIP: "203.0.113.21"}
	sideB = vnetSide{lan: "192.0.2.0/24", host: "192.0.2.2", natIP: "203.0.113.12", publicIP: "203.0.113.22"}
)

// vnetNATs are the NAT types of testdata/natlab/scenarios.json in RFC 4787 terms.
var vnetNATs = map[string]*vnet.NATType{
	"full-cone":          {MappingBehavior: vnet.EndpointIndependent, FilteringBehavior: vnet.EndpointIndependent},
	"address-restricted": {MappingBehavior: vnet.EndpointIndependent, FilteringBehavior: vnet.EndpointAddrDependent},
	"port-restricted":    {MappingBehavior: vnet.EndpointIndependent, FilteringBehavior: vnet.EndpointAddrPortDependent},
	"symmetric":          {MappingBehavior: vnet.EndpointAddrPortDependent, FilteringBehavior: vnet.EndpointAddrPortDependent},
}

// vnetWorld is a relay world on a vnet. Add hosts, then start it, then connect.
type vnetWorld struct {
	*world
	wan *vnet.Router
	lf  logging.LoggerFactory
	srv *vnet.Net
}

// vnetHost is a player's machine.
type vnetHost struct {
	net  *vnet.Net
	ip   string
	loss *vnet.LossFilter // drops packets delivered to the host, at a settable rate
}

// vnetBuild serializes building vnets: pion's vnet hands out MAC addresses from an
// unguarded package-level counter (transport/v4 v4.1.0 net.go newMACAddress), which
// parallel tests would race on.
var vnetBuild sync.Mutex

func newVNetWorld(t testing.TB) *vnetWorld {
	t.Helper()
	vnetBuild.Lock()
	defer vnetBuild.Unlock()
	lf := &logging.DefaultLoggerFactory{Writer: t.Output(), DefaultLogLevel: logging.LogLevelError}
	wan, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "0.0.0.0/0", LoggerFactory: lf})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{vnetRelayIP}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wan.AddNet(srv); err != nil {
		t.Fatal(err)
	}
	return &vnetWorld{world: &world{t: t}, wan: wan, lf: lf, srv: srv}
}

// host adds a player's machine behind a NAT of the named type ("none": on the WAN).
func (w *vnetWorld) host(nat string, side vnetSide) *vnetHost {
	w.t.Helper()
	vnetBuild.Lock()
	defer vnetBuild.Unlock()
	ip := side.host
	if nat == "none" {
		ip = side.publicIP
	}
	n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
	if err != nil {
		w.t.Fatal(err)
	}
	h := &vnetHost{net: n, ip: ip}
	if h.loss, err = vnet.NewLossFilter(n, 0); err != nil {
		w.t.Fatal(err)
	}
	if nat == "none" {
		w.must(w.wan.AddNet(h.loss))
		return h
	}
	typ, ok := vnetNATs[nat]
	if !ok {
		w.t.Fatalf("unknown NAT type %q", nat)
	}
	lan, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: side.lan, StaticIPs: []string{side.natIP},
		NATType: typ, LoggerFactory: w.lf})
	if err != nil {
		w.t.Fatal(err)
	}
	w.must(lan.AddNet(h.loss))
	w.must(w.wan.AddRouter(lan))
	return h
}

func (w *vnetWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// start starts the network, the TURN server and the relay on 203.0.113.1.
func (w *vnetWorld) start() {
	w.t.Helper()
	w.must(w.wan.Start())
	w.t.Cleanup(func() { w.wan.Stop() })
	tpc, err := w.srv.ListenPacket("udp4", net.JoinHostPort(vnetRelayIP, "3478"))
	w.must(err)
	ts, err := turnserver.Listen(&turnserver.Config{PacketConn: tpc, Secret: turnSecret,
		RelayIP: net.ParseIP(vnetRelayIP), Net: w.srv, Logger: testLogger(w.t)})
	w.must(err)
	w.t.Cleanup(func() { ts.Close() })
	w.turn = ts
	rpc, err := w.srv.ListenPacket("udp4", vnetRelay)
	w.must(err)
	w.relay = startRelay(w.t, rpc, turnserver.URLs(vnetRelayIP, vnetTURN))
	w.addr = vnetRelay
}

// connect dials the relay from h.
func (w *vnetWorld) connect(h *vnetHost, name string, cfg directmode.Config) *peer {
	w.t.Helper()
	w.listen = func() net.PacketConn {
		pc, err := h.net.ListenPacket("udp4", net.JoinHostPort(h.ip, "0"))
		w.must(err)
		w.t.Cleanup(func() { pc.Close() })
		return pc
	}
	w.mesh.Net = h.net
	return w.world.connect(name, cfg)
}
