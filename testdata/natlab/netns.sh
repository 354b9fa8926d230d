#!/usr/bin/env bash
# netns.sh: Boson's kernel NAT lab. Network namespaces, veths, a bridge and nftables NAT,
# running the real relay and client binaries. Run as root:
#
#   netns.sh probe <nat>          classify the NAT in front of host A with natprobe
#   netns.sh pair <natA> <natB>   relay + two clients (A behind natA, B behind natB)
#
# NAT types: none full-cone address-restricted port-restricted symmetric (README.md).
#
# Env: RELAY_BIN, BOSON_BIN (pair), NATPROBE_BIN (probe): paths to the built binaries.
#      NATLAB_TIMEOUT: bound in seconds on each client or probe run (default 40).
#      NATLAB_CLIENT_ARGS: the client's command after the global flags
#        (default: "direct-check natlab -peers 2 -wait 30s").
#      NATLAB_STDIN_HOLD: seconds each client's standard input stays open (default: the
#        whole run). The pair plumbing check without direct-check is
#        NATLAB_CLIENT_ARGS="join-or-create natlab" NATLAB_STDIN_HOLD=3 netns.sh pair ...
#
# The script re-executes itself under `unshare --mount --net` (NATLAB_INNER=1 marks the
# inner run) and mounts a tmpfs on /run, so the namespaces, links, rules and files it makes
# are private and vanish when it exits, even if it is killed. Every process it starts runs
# under timeout(1), so even orphans end within NATLAB_TIMEOUT + 22 s.
#
# Addresses (documentation ranges only):
#   WAN 203.0.113.0/24 on bridge br0: relay/server 203.0.113.1 (+ .2 for natprobe),
#       NAT routers rA .11 and rB .12, NAT-less hosts hA .21 and hB .22
#   LAN A 198.51.100.0/24: rA .1, hA .2     LAN B 192.0.2.0/24: rB .1, hB .2
set -euo pipefail

NAT_TYPES="none full-cone address-restricted port-restricted symmetric"

usage() {
	echo "usage: $0 probe <nat> | pair <natA> <natB>   (nat: ${NAT_TYPES// /, })" >&2
	exit 2
}

check_nat() {
	case " $NAT_TYPES " in *" $1 "*) ;; *) echo "natlab: unknown NAT type '$1'" >&2; usage ;; esac
}

case "${1:-}" in
probe) [ $# -eq 2 ] || usage; check_nat "$2" ;;
pair) [ $# -eq 3 ] || usage; check_nat "$2"; check_nat "$3" ;;
*) usage ;;
esac

if [ "${NATLAB_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "natlab: needs root" >&2; exit 2; }
	NATLAB_INNER=1 exec unshare --mount --net --propagation private "$BASH" "$0" "$@"
fi

T=${NATLAB_TIMEOUT:-40}
WORK=/run/natlab # on the private tmpfs below, so it vanishes with the mount namespace
PIDS=()          # every background process; cleanup ends them

cleanup() {
	local rc=$? p alive i
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for i in $(seq 30); do # up to 3 s, then SIGKILL
		alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	[ -n "${DUMP:-}" ] && report # interrupted pair: show what the clients printed so far
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount -t tmpfs -o mode=0755 natlab /run # private /run/netns for `ip netns`, and $WORK
mkdir "$WORK"

mkns() { # mkns <ns>, without IPv6 (no link-local candidates, no DAD)
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set lo up
}

to_bridge() { # to_bridge <ns> <ifname>: a veth from <ns> to br0
	ip link add "$2" netns "$1" type veth peer name "b-$1"
	ip link set "b-$1" master br0 up
	ip -n "$1" link set "$2" up
}

link_ns() { # link_ns <nsA> <ifA> <nsB> <ifB>
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# nat_rules <nat> <wanIP> <hostIP> prints the nft script of a NAT router.
# wan0 faces the WAN, lan0 the host. Filtering NATs drop new inbound flows in the filter
# hooks, before conntrack confirms them: without that an early punch from the peer leaves
# a confirmed entry to the router itself, the later outbound flow clashes with it and is
# given another port, and hole punching fails even between cone NATs.
nat_rules() {
	local nat=$1 wan=$2 host=$3
	case $nat in
	full-cone | address-restricted) cat <<-EOF ;;
		table ip nat {
			chain post { type nat hook postrouting priority srcnat; policy accept; oifname "wan0" snat to $wan; }
			chain pre { type nat hook prerouting priority dstnat; policy accept; iifname "wan0" dnat to $host; }
		}
	EOF
	port-restricted) echo "table ip nat { chain post { type nat hook postrouting priority srcnat; policy accept; oifname \"wan0\" masquerade; }; }" ;;
	symmetric) echo "table ip nat { chain post { type nat hook postrouting priority srcnat; policy accept; oifname \"wan0\" masquerade fully-random; }; }" ;;
	esac
	case $nat in
	address-restricted) cat <<-EOF ;;
		table inet fw {
			set contacted { type ipv4_addr . inet_service; flags dynamic, timeout; timeout 120s; }
			chain forward {
				type filter hook forward priority filter; policy accept;
				iifname "lan0" meta l4proto { tcp, udp } update @contacted { ip daddr . th sport }
				iifname "wan0" ct state new meta l4proto { tcp, udp } ip saddr . th dport @contacted accept
				iifname "wan0" ct state new drop
			}
			chain input { type filter hook input priority filter; policy accept; iifname "wan0" ct state new drop; }
		}
	EOF
	port-restricted | symmetric) cat <<-EOF ;;
		table inet fw {
			chain forward { type filter hook forward priority filter; policy accept; iifname "wan0" ct state new drop; }
			chain input { type filter hook input priority filter; policy accept; iifname "wan0" ct state new drop; }
		}
	EOF
	esac
}

wan() { # the bridge and the server namespace
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link set lo up
	ip link add br0 type bridge
	ip link set br0 up
	mkns srv
	to_bridge srv eth0
	ip -n srv addr add 203.0.113.1/24 dev eth0
	ip -n srv addr add 203.0.113.2/24 dev eth0
}

side() { # side A|B <nat>: host h<side>, behind router r<side> unless <nat> is none
	local s=$1 nat=$2 router=r$1 host=h$1 wanip direct lan
	case $s in
	A) wanip=203.0.113.11 direct=203.0.113.21 lan=198.51.100 ;;
	B) wanip=203.0.113.12 direct=203.0.113.22 lan=192.0.2 ;;
	esac
	mkns "$host"
	if [ "$nat" = none ]; then
		to_bridge "$host" eth0
		ip -n "$host" addr add "$direct/24" dev eth0
		return
	fi
	mkns "$router"
	to_bridge "$router" wan0
	ip -n "$router" addr add "$wanip/24" dev wan0
	link_ns "$router" lan0 "$host" eth0
	ip -n "$router" addr add "$lan.1/24" dev lan0
	ip -n "$host" addr add "$lan.2/24" dev eth0
	ip -n "$host" route add default via "$lan.1"
	ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
	nat_rules "$nat" "$wanip" "$lan.2" | ip netns exec "$router" nft -f -
}

# wait_line <file> <pid> <regexp> <seconds> prints the first line of <file> matching
# <regexp>, waiting for it while <pid> lives, at most <seconds>.
wait_line() {
	local i line
	for i in $(seq $(($4 * 10))); do
		line=$(grep -m1 -E "$3" "$1" || true)
		[ -n "$line" ] && { echo "$line"; return 0; }
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "natlab: no line matching '$3' in $1 after $4 s" >&2
	return 1
}

elapsed() { echo "$(((${EPOCHREALTIME//[.,]/} - START) / 1000)) ms"; }

probe() { # probe <nat>
	local nat=$1 srv line
	: "${NATPROBE_BIN:?set NATPROBE_BIN to the built natprobe}"
	wan
	side A "$nat"
	timeout --foreground -k 2 "$((T + 20))" ip netns exec srv "$NATPROBE_BIN" server \
		-ip 203.0.113.1 -alt-ip 203.0.113.2 >"$WORK/srv.out" 2>&1 &
	srv=$!
	PIDS+=("$srv")
	wait_line "$WORK/srv.out" "$srv" '^ready' 5 >/dev/null
	line=$(timeout --foreground -k 2 "$T" ip netns exec hA "$NATPROBE_BIN" client \
		-ip 203.0.113.1 -alt-ip 203.0.113.2 -timeout "$((T > 10 ? 10 : T))s")
	echo "nat=$nat $line"
	echo "natlab: probe $nat took $(elapsed)" >&2
}

start_client() { # start_client A|B <fingerprint>: sets CLIENT_PID
	local s=$1 fp=$2 user
	user=$(echo "$s" | tr AB ab)
	mkfifo "$WORK/$s.in"
	# shellcheck disable=SC2086 # NATLAB_CLIENT_ARGS is split into words on purpose
	timeout --foreground -k 2 "$T" ip netns exec "h$s" "$BOSON_BIN" -relay 203.0.113.1:7350 \
		-fingerprint "$fp" -app natlab -user "$user" -json $CLIENT_ARGS \
		<"$WORK/$s.in" >"$WORK/$s.out" 2>"$WORK/$s.err" &
	CLIENT_PID=$!
	PIDS+=("$CLIENT_PID")
	sleep "${NATLAB_STDIN_HOLD:-$T}" >"$WORK/$s.in" & # holds standard input open
	PIDS+=("$!")
}

pair() { # pair <natA> <natB>
	local relay fp pa pb ra=0 rb=0
	: "${RELAY_BIN:?set RELAY_BIN to the built relay}" "${BOSON_BIN:?set BOSON_BIN to the built boson}"
	CLIENT_ARGS=${NATLAB_CLIENT_ARGS:-direct-check natlab -peers 2 -wait 30s}
	wan
	side A "$1"
	side B "$2"
	timeout --foreground -k 2 "$((T + 20))" ip netns exec srv "$RELAY_BIN" \
		-listen 203.0.113.1:7350 -http 127.0.0.1:7351 -turn-listen 203.0.113.1:3478 \
		-turn-relay-ip 203.0.113.1 -data-dir "$WORK/relay" -log-level warn \
		>"$WORK/relay.out" 2>"$WORK/relay.err" &
	relay=$!
	PIDS+=("$relay")
	fp=$(wait_line "$WORK/relay.out" "$relay" '^fingerprint ' 10) || { cat "$WORK/relay.err" >&2; return 1; }
	fp=${fp#fingerprint }
	echo "natlab: relay up after $(elapsed)" >&2
	start_client A "$fp"
	pa=$CLIENT_PID
	sleep 0.3 # A creates the room and is actor 1
	start_client B "$fp"
	pb=$CLIENT_PID
	DUMP=1
	wait "$pa" || ra=$?
	wait "$pb" || rb=$?
	DUMP=
	report
	echo "exit A=$ra B=$rb"
	echo "natlab: pair $1 $2 took $(elapsed)" >&2
	[ "$ra" = 0 ] && [ "$rb" = 0 ]
}

report() { # the clients' output, prefixed by side; standard error and the relay's go to stderr
	local f
	for f in A B; do [ -f "$WORK/$f.out" ] && sed "s/^/$f /" "$WORK/$f.out"; done
	for f in A B relay; do [ -f "$WORK/$f.err" ] && sed "s/^/$f: /" "$WORK/$f.err" >&2; done
	return 0
}

START=${EPOCHREALTIME//[.,]/}
"$@"
