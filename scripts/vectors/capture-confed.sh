#!/bin/bash
# Capture 4: BGP confederation 64600 between FRR (sub-AS 64517, ns swv1-cfa)
# and BIRD (sub-AS 64518, ns swv1-cfb) -> AS_CONFED_SEQUENCE both ways.
# Then hold timer expiry both ways (hold time 3): FRR's bgpd is frozen with
# SIGSTOP -> BIRD sends NOTIFICATION 4/0; after reconnect BIRD is frozen ->
# FRR sends NOTIFICATION 4/0.
# Output: $OUT/confed.pcap
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/swv1}
RUN=$OUT/run-confed
mkdir -p "$OUT" "$RUN"
. "$HERE/lib.sh"
. "$HERE/daemons.sh"
A=swv1-cfa B=swv1-cfb
cleanup() {
    for f in /var/run/frr/$A/bgpd.pid "$RUN/bird.pid"; do [ -s "$f" ] && kill -CONT "$(cat "$f")" 2>/dev/null; done
    cap_stop; daemons_stop; ns_del $A $B
}
trap cleanup EXIT
ns_del $A $B
ns_pair $A $B 7
cap_start $A "$OUT/confed.pcap" veth0
frr_start $A $A "$HERE/conf/confed/frr.conf"
sleep 2
bird_start $B bird "$HERE/conf/confed/bird.conf"
est() { birdc -s "$RUN/bird.ctl" show proto frr | grep -q Established; }
wait_for 40 est
sleep 5
birdc_ bird show route all >"$RUN/bird-routes.txt"
echo "== freeze FRR: BIRD's hold timer expires"
FRRPID=$(cat /var/run/frr/$A/bgpd.pid)
kill -STOP "$FRRPID"; sleep 6; kill -CONT "$FRRPID"
wait_for 60 est
sleep 3
echo "== freeze BIRD: FRR's hold timer expires"
BPID=$(cat "$RUN/bird.pid")
kill -STOP "$BPID"; sleep 6; kill -CONT "$BPID"
sleep 2
