# Bash helpers for network namespaces, shared by the golden-vector captures and by
# Tests/InteropTests (which calls ns_add / ns_veth / ns_del through `bash -c`).
# Source it: . scripts/vectors/lib.sh
#
#   ns_add NS                create namespace NS with loopback up
#   ns_veth NS_A DEV_A ADDRS_A NS_B DEV_B ADDRS_B
#                            veth pair DEV_A (in NS_A) <-> DEV_B (in NS_B), up; ADDRS_*
#                            are comma-separated CIDRs ("" for none), IPv6 ones
#                            added with nodad (usable at once)
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

ns_add() {
    ip netns add "$1" && ip -n "$1" link set lo up
}

ns_pair() {
    local a=$1 b=$2 n=$3
    ns_add "$a"
    ns_add "$b"
    _ns_veth "$a" "$b" "$n" veth0
}

ns_link() {
    _ns_veth "$1" "$2" "$3" "v$3"
}

_ns_veth() {
    local a=$1 b=$2 n=$3 dev=$4
    ns_veth "$a" "$dev" "10.99.$n.1/24,fd99:$n::1/64" "$b" "$dev" "10.99.$n.2/24,fd99:$n::2/64"
}

ns_veth() {
    local nsa=$1 deva=$2 addra=$3 nsb=$4 devb=$5 addrb=$6
    # temporary names in the root namespace: short (IFNAMSIZ) and unique per call
    local tmp
    tmp=$(printf 'sv%x%x' $$ "$RANDOM")
    ip link add "${tmp}a" type veth peer name "${tmp}b" || return 1
    ip link set "${tmp}a" netns "$nsa" || { ip link del "${tmp}a"; return 1; }
    ip link set "${tmp}b" netns "$nsb" || return 1
    ip -n "$nsa" link set "${tmp}a" name "$deva" || return 1
    ip -n "$nsb" link set "${tmp}b" name "$devb" || return 1
    _ns_addrs "$nsa" "$deva" "$addra" || return 1
    _ns_addrs "$nsb" "$devb" "$addrb" || return 1
    ip -n "$nsa" link set "$deva" up && ip -n "$nsb" link set "$devb" up
}

_ns_addrs() {
    local ns=$1 dev=$2 list=$3 addr
    local IFS=,
    for addr in $list; do
        case $addr in
        # nodad: addresses are usable at once (no 2 s duplicate address detection)
        *:*) ip -n "$ns" addr add "$addr" dev "$dev" nodad || return 1 ;;
        *) ip -n "$ns" addr add "$addr" dev "$dev" || return 1 ;;
        esac
    done
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
