# Bash helpers for golden-vector captures. Source it: . scripts/vectors/lib.sh
#
#   ns_pair NS_A NS_B N      create namespaces NS_A, NS_B joined by a veth:
#                              NS_A: 10.99.N.1/24  fd99:N::1/64   (dev "veth0")
#                              NS_B: 10.99.N.2/24  fd99:N::2/64   (dev "veth0")
#                            loopback is brought up in both.
#   ns_link NS_A NS_B N      extra veth between two existing namespaces, same
#                            addressing scheme, devices named "vN" in both.
#   ns_del NS...             delete namespaces (ignores missing ones)
#   cap_start NS PCAP [DEV]  tcpdump port 179 in NS (default DEV any); sets CAP_PID
#   cap_stop                 stop the capture started by cap_start
#   wait_for SECS CMD...     retry CMD every second until it succeeds or SECS pass
#
# Only namespaces created here are touched; nothing leaves them.

CAP_PID=

ns_pair() {
    local a=$1 b=$2 n=$3
    ip netns add "$a"
    ip netns add "$b"
    ip -n "$a" link set lo up
    ip -n "$b" link set lo up
    _ns_veth "$a" "$b" "$n" veth0
}

ns_link() {
    _ns_veth "$1" "$2" "$3" "v$3"
}

_ns_veth() {
    local a=$1 b=$2 n=$3 dev=$4
    local tmp="swvtmp$$x$n"
    ip link add "${tmp}a" type veth peer name "${tmp}b"
    ip link set "${tmp}a" netns "$a"
    ip link set "${tmp}b" netns "$b"
    ip -n "$a" link set "${tmp}a" name "$dev"
    ip -n "$b" link set "${tmp}b" name "$dev"
    ip -n "$a" addr add "10.99.$n.1/24" dev "$dev"
    ip -n "$b" addr add "10.99.$n.2/24" dev "$dev"
    # nodad: addresses are usable at once (no 2 s duplicate address detection)
    ip -n "$a" addr add "fd99:$n::1/64" dev "$dev" nodad
    ip -n "$b" addr add "fd99:$n::2/64" dev "$dev" nodad
    ip -n "$a" link set "$dev" up
    ip -n "$b" link set "$dev" up
}

ns_del() {
    local ns
    for ns in "$@"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    return 0
}

cap_start() {
    local ns=$1 pcap=$2 dev=${3:-any}
    ip netns exec "$ns" tcpdump -i "$dev" -U -s 0 -w "$pcap" tcp port 179 2>/dev/null &
    CAP_PID=$!
    sleep 1
}

cap_stop() {
    sleep 1
    [ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null && wait "$CAP_PID" 2>/dev/null
    CAP_PID=
}

wait_for() {
    local secs=$1
    shift
    local i
    for ((i = 0; i < secs; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}
