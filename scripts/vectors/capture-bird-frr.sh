#!/bin/bash
# Capture 1: BIRD 2 (AS 64512, ns swv1-bird) <-> FRR (AS 64513, ns swv1-frr).
# Two eBGP sessions on one veth: IPv4 transport (ipv4+ipv6 unicast, add-path,
# GR/LLGR, extended messages) and IPv6 transport (ipv6 unicast with link-local
# next hop, ipv4 unicast with RFC 8950 extended next hop).
# Then: route refresh both ways, withdrawals, shutdown communications.
# Output: $OUT/bird-frr.pcap (default /tmp/swv1/bird-frr.pcap)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/swv1}
RUN=$OUT/run-bird-frr
mkdir -p "$OUT" "$RUN"
. "$HERE/lib.sh"
. "$HERE/daemons.sh"

A=swv1-bird B=swv1-frr
cleanup() { cap_stop; daemons_stop; ns_del $A $B; }
trap cleanup EXIT
ns_del $A $B
ns_pair $A $B 1

# BIRD: 1000 IPv4 /26 blocks (many-prefix UPDATEs)
{
    cat "$HERE/conf/bird-frr/bird.conf"
    echo 'protocol static bulk4 { ipv4;'
    for x in $(seq 0 249); do for y in 0 64 128 192; do echo "  route 10.245.$x.$y/26 blackhole;"; done; done
    echo '}'
    # 300 IPv6 /122s: 256 of them (BIRD feeds 256 routes per batch) with
    # add-path ids make one UPDATE larger than 4096 bytes
    echo 'protocol static bulk6 { ipv6;'
    for i in $(seq 0 299); do echo "  route fd00:10:245:$i::/122 blackhole;"; done
    echo '}'
} >"$RUN/bird.conf"
# FRR: 500 /24s sharing attributes
{
    sed '/network 10.244.129.0\/26/q' "$HERE/conf/bird-frr/frr.conf"
    for i in $(seq 0 499); do echo "  network 10.$((210 + i / 256)).$((i % 256)).0/24"; done
    sed '1,/network 10.244.129.0\/26/d' "$HERE/conf/bird-frr/frr.conf"
} >"$RUN/frr.conf"

cap_start $A "$OUT/bird-frr.pcap" veth0
frr_start $B swv1-frr "$RUN/frr.conf"
sleep 2
bird_start $A bird "$RUN/bird.conf"
wait_for 40 sh -c "birdc -s $RUN/bird.ctl show proto frr4 | grep -q Established && birdc -s $RUN/bird.ctl show proto frr6 | grep -q Established"
sleep 6
birdc_ bird show proto all frr4 >"$RUN/bird-frr4.txt"
birdc_ bird show proto all frr6 >"$RUN/bird-frr6.txt"
vtysh_ swv1-frr -c 'show bgp neighbors' >"$RUN/frr-neighbors.txt"

echo "== BIRD asks FRR for a refresh (ROUTE-REFRESH from BIRD, BoRR/EoRR from FRR)"
birdc_ bird reload in frr4
sleep 4
echo "== FRR asks BIRD for a refresh"
vtysh_ swv1-frr -c 'clear bgp ipv4 unicast 10.99.1.1 soft in'
sleep 2
vtysh_ swv1-frr -c 'clear bgp ipv6 unicast 10.99.1.1 soft in'
sleep 4
echo "== withdrawals"
birdc_ bird disable s4x
birdc_ bird disable s6x
vtysh_ swv1-frr -c 'conf t' -c 'router bgp 64513' -c 'address-family ipv4 unicast' \
    -c 'no network 10.244.129.0/26' -c 'exit-address-family' -c 'address-family ipv6 unicast' \
    -c 'no network fd00:10:244:8000::40/122'
sleep 4
echo "== shutdown communications"
vtysh_ swv1-frr -c 'conf t' -c 'router bgp 64513' -c 'neighbor fd99:1::1 shutdown message planned maintenance: moving pods to rack 7'
sleep 2
birdc_ bird disable frr4 '"maintenance window"'
sleep 3
