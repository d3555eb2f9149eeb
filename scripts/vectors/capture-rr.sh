#!/bin/bash
# Capture 3: iBGP route reflection chain in AS 64516 (IPv4).
#   swv1-c1  FRR  client of rr1          10.99.4.1
#   swv1-rr1 BIRD RR (cluster 10.99.4.2) 10.99.4.2 / 10.99.5.1
#   swv1-rr2 FRR  RR (cluster 10.99.5.2) 10.99.5.2 / 10.99.6.1, rr1 is a non-client
#   swv1-c3  BIRD client of rr2          10.99.6.2
# c1's routes: BIRD rr1 -> rr2 with ORIGINATOR_ID + CLUSTER_LIST[rr1],
#              FRR rr2 -> c3 with CLUSTER_LIST [rr2, rr1].
# c3's route:  FRR rr2 -> rr1 with CLUSTER_LIST[rr2], BIRD rr1 -> c1 [rr1, rr2].
# Output: $OUT/rr.pcap (captured in swv1-rr1 and swv1-rr2)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/swv1}
RUN=$OUT/run-rr
mkdir -p "$OUT" "$RUN"
. "$HERE/lib.sh"
. "$HERE/daemons.sh"
NSS="swv1-c1 swv1-rr1 swv1-rr2 swv1-c3"
CAP2=
cleanup() { [ -n "$CAP2" ] && kill "$CAP2" 2>/dev/null; cap_stop; daemons_stop; ns_del $NSS; }
trap cleanup EXIT
ns_del $NSS
ns_pair swv1-c1 swv1-rr1 4
ip netns add swv1-rr2; ip -n swv1-rr2 link set lo up
ip netns add swv1-c3; ip -n swv1-c3 link set lo up
ns_link swv1-rr1 swv1-rr2 5
ns_link swv1-rr2 swv1-c3 6
# kernel routes so FRR's next-hop tracking resolves the reflected next hops
ip -n swv1-rr2 route add 10.99.4.0/24 via 10.99.5.1
ip -n swv1-c1 route add 10.99.0.0/16 via 10.99.4.2

cap_start swv1-rr1 "$OUT/rr.pcap" any
ip netns exec swv1-rr2 tcpdump -i v6 -U -s 0 -w "$OUT/rr-c3.pcap" tcp port 179 2>/dev/null &
CAP2=$!
sleep 1
frr_start swv1-c1 swv1-c1 "$HERE/conf/rr/frr-c1.conf"
frr_start swv1-rr2 swv1-rr2 "$HERE/conf/rr/frr-rr2.conf"
bird_start swv1-rr1 bird-rr1 "$HERE/conf/rr/bird-rr1.conf"
bird_start swv1-c3 bird-c3 "$HERE/conf/rr/bird-c3.conf"
wait_for 40 sh -c "birdc -s $RUN/bird-c3.ctl show proto rr2 | grep -q Established"
sleep 8
birdc_ bird-c3 show route all >"$RUN/bird-c3-routes.txt"
birdc_ bird-rr1 show route all >"$RUN/bird-rr1-routes.txt"
