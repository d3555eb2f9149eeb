#!/bin/bash
# Capture 2: AS4 transition and aggregation.
#   swv1-old  BIRD AS 64514, "enable as4 off"   10.99.2.1
#   swv1-agg  FRR  AS 4200000001                10.99.2.2 / 10.99.3.1
#   swv1-src  BIRD AS 64515                     10.99.3.2
# FRR aggregates 10.244.32.0/24 (as-set -> AS_SET) and 10.244.33.0/24
# (summary-only -> ATOMIC_AGGREGATE); towards the 2-octet BIRD it must send
# AS_TRANS (23456) + AS4_PATH and AGGREGATOR 23456 + AS4_AGGREGATOR.
# Output: $OUT/as4.pcap (captured in swv1-agg on both links)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/swv1}
RUN=$OUT/run-as4
mkdir -p "$OUT" "$RUN"
. "$HERE/lib.sh"
. "$HERE/daemons.sh"

cleanup() { cap_stop; daemons_stop; ns_del swv1-old swv1-agg swv1-src; }
trap cleanup EXIT
ns_del swv1-old swv1-agg swv1-src
ns_pair swv1-old swv1-agg 2
ip netns add swv1-src
ip -n swv1-src link set lo up
ns_link swv1-agg swv1-src 3

cap_start swv1-agg "$OUT/as4.pcap" any
frr_start swv1-agg swv1-agg "$HERE/conf/as4/frr-agg.conf"
sleep 2
bird_start swv1-src bird-src "$HERE/conf/as4/bird-src.conf"
sleep 3
bird_start swv1-old bird-old "$HERE/conf/as4/bird-old.conf"
wait_for 40 sh -c "birdc -s $RUN/bird-old.ctl show proto agg | grep -q Established"
sleep 8
birdc_ bird-old show route all >"$RUN/bird-old-routes.txt"
vtysh_ swv1-agg -c 'show bgp ipv4 unicast' >"$RUN/frr-routes.txt"
birdc_ bird-old disable agg
sleep 2
