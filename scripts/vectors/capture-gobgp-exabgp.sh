#!/bin/bash
# Capture real BGP messages exchanged between GoBGP and ExaBGP in two private
# network namespaces and write the pcap to $WORK/gobgp-exabgp.pcap.
#
#   swv2-gob  veth0 10.98.1.1/24  fd98:1::1/64        gobgpd (AS 64513, passive)
#   swv2-exa  veth0 10.98.1.11-17 fd98:1::12,::17      exabgp (7 neighbors, see conf)
#
# Usage: scripts/vectors/capture-gobgp-exabgp.sh [WORKDIR]   (root; Debian 12
# packages gobgpd 3.10.0, exabgp 4.2.21, tcpdump).  Then run
# python3 scripts/vectors/extract-gobgp-exabgp.py $WORK/gobgp-exabgp.pcap \
#     Tests/BGPWireTests/Vectors     to (re)generate the gobgp-*/exabgp-* vectors
# and python3 scripts/vectors/verify-hex.py Tests/BGPWireTests/Vectors/*.hex to check them.
# Nothing leaves the namespaces; everything started here is stopped by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$HERE/conf/gobgp-exabgp
WORK=${1:-/tmp/swv2-capture}
. "$HERE/lib.sh"

NS_G=swv2-gob
NS_E=swv2-exa
GOBGPD_PID= EXA_PID=

cleanup() {
    [ -n "$EXA_PID" ] && kill "$EXA_PID" 2>/dev/null
    [ -n "$GOBGPD_PID" ] && kill "$GOBGPD_PID" 2>/dev/null
    sleep 1
    cap_stop
    ns_del "$NS_G" "$NS_E"
}
trap cleanup EXIT

ns_del "$NS_G" "$NS_E"
rm -rf "$WORK" && mkdir -p "$WORK"

# --- topology (own addressing 10.98/fd98 instead of lib.sh's ns_pair scheme)
ip netns add "$NS_G"
ip netns add "$NS_E"
ip -n "$NS_G" link set lo up
ip -n "$NS_E" link set lo up
ip link add swv2tmpg type veth peer name swv2tmpe
ip link set swv2tmpg netns "$NS_G"
ip link set swv2tmpe netns "$NS_E"
ip -n "$NS_G" link set swv2tmpg name veth0
ip -n "$NS_E" link set swv2tmpe name veth0
ip -n "$NS_G" addr add 10.98.1.1/24 dev veth0
ip -n "$NS_G" addr add fd98:1::1/64 dev veth0 nodad
for i in 11 13 14 15 16; do ip -n "$NS_E" addr add 10.98.1.$i/24 dev veth0; done
for i in 12 17; do ip -n "$NS_E" addr add fd98:1::$i/64 dev veth0 nodad; done
ip -n "$NS_G" link set veth0 up
ip -n "$NS_E" link set veth0 up
sleep 2   # link-local addresses (used for the MP_REACH link-local next hop, if any)

cap_start "$NS_G" "$WORK/gobgp-exabgp.pcap" veth0

# --- gobgpd
G() { ip netns exec "$NS_G" gobgp "$@"; }
start_gobgpd() {
    ip netns exec "$NS_G" gobgpd -f "$CONF/gobgpd.toml" -p -l info "$@" \
        --pprof-disable --api-hosts=127.0.0.1:50051 >>"$WORK/gobgpd.log" 2>&1 &
    GOBGPD_PID=$!
    wait_for 20 G global
}
start_gobgpd

# --- exabgp
mkfifo "$WORK/exa.fifo"
cp "$CONF/api-relay.sh" "$WORK/"
sed "s#SWV2_DIR#$WORK#g" "$CONF/exabgp.conf" >"$WORK/exabgp.conf"
ip netns exec "$NS_E" env \
    exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.daemon.drop=false \
    exabgp.api.cli=false exabgp.api.ack=false exabgp.log.destination=stdout \
    exabgp.log.level=INFO exabgp.log.packets=false \
    exabgp "$WORK/exabgp.conf" >"$WORK/exabgp.log" 2>&1 &
EXA_PID=$!

established() { [ "$(G neighbor | grep -c Establ)" -ge "$1" ]; }
wait_for 90 established 7 || { echo "not all sessions up"; G neighbor; }
G neighbor
sleep 2

# send one API line to ExaBGP (to all neighbors whose selector matches)
X() { echo "$*" >"$WORK/exa.fifo"; sleep 0.7; }
N1="neighbor 10.98.1.1 local-ip 10.98.1.11"
N2="neighbor fd98:1::1 local-ip fd98:1::12"
N3="neighbor 10.98.1.1 local-ip 10.98.1.13"
N5="neighbor 10.98.1.1 local-ip 10.98.1.15"
N6="neighbor 10.98.1.1 local-ip 10.98.1.16"
N7="neighbor fd98:1::1 local-ip fd98:1::17"

# ---- phase 0: N7 (eBGP over IPv6 transport) announces first: GoBGP later sends it
# IPv4 NLRI in MP_REACH with a 16-byte IPv6 next hop (no extended-next-hop
# capability negotiated) and ExaBGP answers with NOTIFICATION 3/0; N7 is then
# disabled so it does not flap for the rest of the capture.
X "$N7 announce route fd00:10:244::100/122 next-hop fd98:1::17 origin igp as-path [ 64516 ]"
X "$N7 announce route 10.244.71.0/26 next-hop 10.98.1.17 origin igp as-path [ 64516 ]"
sleep 2

# ---- phase A: GoBGP originated routes (IPv4 and IPv6, with communities etc.)
G global rib add 10.244.100.0/26 origin igp nexthop 10.98.1.1 med 10 local-pref 100 \
    community 64513:100,64513:200 large-community 64513:1:1,64513:2:2
sleep 1
G global rib add -a ipv6 fd00:10:244::1:0/122 origin igp nexthop fd98:1::1 med 20 \
    community 64513:300 large-community 64513:3:3
sleep 1
# two local paths for the same prefix (ADD-PATH path identifiers 1 and 2)
G global rib add 10.244.101.0/26 identifier 1 nexthop 10.98.1.1 med 10
sleep 1
G global rib add 10.244.101.0/26 identifier 2 nexthop 10.98.1.1 med 20
sleep 2

# ---- phase B: ExaBGP hand-crafted attributes from N1 (eBGP)
X "$N1 announce route 10.244.1.0/26 next-hop 10.98.1.11 origin igp as-path [ 64512 64517 ] med 100 community [ 64512:100 64512:200 ] extended-community [ target:64512:100 origin:64512:200 ] large-community [ 64512:1:2 64512:3:4 ]"
X "$N1 announce route 10.244.2.0/26 next-hop 10.98.1.11 origin egp as-path [ 64512 64517 ( 64518 64519 ) ] atomic-aggregate aggregator ( 64512:10.98.1.11 )"
X "$N1 announce route 10.244.3.0/26 next-hop 10.98.1.11 origin incomplete as-path [ 64512 ] attribute [ 0x70 0xc0 0x0102030405 ]"
BIG=$(python3 -c 'print("0x" + bytes(range(256)).hex() + bytes(range(44)).hex())')  # 300 bytes
X "$N1 announce route 10.244.4.0/26 next-hop 10.98.1.11 origin igp as-path [ 64512 ] attribute [ 0x64 0xc0 $BIG ]"
X "$N1 announce route fd00:10:244::/122 next-hop fd98:1::11 origin igp as-path [ 64512 ] med 5 community [ 64512:600 ] large-community [ 64512:6:6 ]"
X "$N1 announce route fd00:10:244::40/122 next-hop fd98:1::11 origin igp as-path [ 64512 64517 ]"
# 300 IPv4 /26 prefixes sharing one attribute set (packing)
NLRI=$(python3 -c 'print(" ".join("10.244.%d.%d/26" % (128 + i // 4, (i % 4) * 64) for i in range(300)))')
X "$N1 announce attributes next-hop 10.98.1.11 origin igp as-path [ 64512 ] med 300 community [ 64512:300 ] nlri $NLRI"
sleep 2
G neighbor fd98:1::17 disable
sleep 1

# ---- phase C: iBGP (N2 over IPv6 transport, N3 route-reflector client)
X "$N2 announce route 10.244.10.0/26 next-hop 10.98.1.12 origin igp local-preference 200 med 50 originator-id 10.98.1.9 cluster-list [ 10.98.0.2 10.98.0.3 ]"
X "$N2 announce route fd00:10:244::80/122 next-hop fd98:1::12 origin igp local-preference 150"
X "$N3 announce route 10.244.40.0/26 next-hop 10.98.1.13 origin igp local-preference 120 community [ 64513:40 ]"
X "$N3 announce route fd00:10:244::c0/122 next-hop fd98:1::13 origin igp local-preference 120"
# a second path for prefixes already learned from N1 -> GoBGP has 2 paths (ADD-PATH to N4)
X "$N3 announce route 10.244.1.0/26 next-hop 10.98.1.13 origin igp local-preference 100"
X "$N3 announce route fd00:10:244::/122 next-hop fd98:1::13 origin igp local-preference 100"
sleep 2

# ---- phase D: 4-octet AS paths from N6; GoBGP must translate them for N5 (2-octet)
X "$N6 announce route 10.244.60.0/26 next-hop 10.98.1.16 origin igp as-path [ 4200000001 64520 ]"
X "$N6 announce route 10.244.61.0/26 next-hop 10.98.1.16 origin igp as-path [ 4200000001 ( 64520 4200000002 ) ] atomic-aggregate aggregator ( 4200000001:10.98.1.16 )"
X "$N5 announce route 10.244.70.0/26 next-hop 10.98.1.15 origin igp as-path [ 64514 ] aggregator ( 64514:10.98.1.15 ) community [ 64514:70 ]"
sleep 3

# ---- phase E: withdrawals
X "$N1 withdraw route 10.244.3.0/26 next-hop 10.98.1.11"
X "$N1 withdraw route fd00:10:244::40/122 next-hop fd98:1::11"
G global rib del 10.244.100.0/26
sleep 1
G global rib -a ipv6 del fd00:10:244::1:0/122
sleep 1
G global rib del 10.244.101.0/26 identifier 2
sleep 2

# ---- phase F: ROUTE-REFRESH.  GoBGP 3.10 never sends one (softresetin only
# re-applies policy to its Adj-RIB-In), so ExaBGP N1 asks and GoBGP re-sends.
X "$N1 announce route-refresh ipv4 unicast"
sleep 1
X "$N1 announce route-refresh ipv6 unicast"
sleep 2

# ---- phase G: NOTIFICATIONs from GoBGP
# RFC 8203/9003 shutdown communication ("disable" ignores --reason in 3.10)
G neighbor 10.98.1.14 shutdown --reason "maintenance"
sleep 1
G neighbor 10.98.1.13 reset
sleep 3

# ---- phase H: GoBGP restarts with the Restart State bit (-r) -> GR OPEN with R and F bits
sleep 3
kill "$GOBGPD_PID"; wait "$GOBGPD_PID" 2>/dev/null
sleep 1
start_gobgpd -r
G neighbor fd98:1::17 disable
wait_for 60 established 6
G neighbor
sleep 2
G global rib summary || true
echo "pcap: $WORK/gobgp-exabgp.pcap"
