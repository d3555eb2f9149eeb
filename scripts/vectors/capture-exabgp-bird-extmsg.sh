#!/bin/bash
# ExaBGP -> BIRD session with the Extended Message capability negotiated on
# both sides; ExaBGP sends an UPDATE larger than 4096 bytes.
#
#   swv2-bird  veth0 10.98.2.1/24   bird   (AS 64518, passive)
#   swv2-ex3   veth0 10.98.2.2/24   exabgp (AS 64517)
#
# Usage: scripts/vectors/capture-exabgp-bird-extmsg.sh [WORKDIR]  (root)
# then: python3 scripts/vectors/extract.py dump $WORK/exabgp-bird.pcap --from 10.98.2.2 \
#   --type OPEN,UPDATE --first 2 --source "..." --session "..." \
#   -o Tests/BGPWireTests/Vectors/exabgp-extended-message.hex   (header text: see that file)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CONF=$HERE/conf/exabgp-bird
WORK=${1:-/tmp/swv2-capture-extmsg}
. "$HERE/lib.sh"
NS_B=swv2-bird
NS_E=swv2-ex3
BIRD_PID= EXA_PID=

cleanup() {
    [ -n "$EXA_PID" ] && kill "$EXA_PID" 2>/dev/null
    [ -n "$BIRD_PID" ] && kill "$BIRD_PID" 2>/dev/null
    sleep 1
    cap_stop
    ns_del "$NS_B" "$NS_E"
}
trap cleanup EXIT
ns_del "$NS_B" "$NS_E"
rm -rf "$WORK" && mkdir -p "$WORK"

ip netns add "$NS_B"
ip netns add "$NS_E"
ip -n "$NS_B" link set lo up
ip -n "$NS_E" link set lo up
ip link add swv2tmpb type veth peer name swv2tmpx
ip link set swv2tmpb netns "$NS_B"
ip link set swv2tmpx netns "$NS_E"
ip -n "$NS_B" link set swv2tmpb name veth0
ip -n "$NS_E" link set swv2tmpx name veth0
ip -n "$NS_B" addr add 10.98.2.1/24 dev veth0
ip -n "$NS_E" addr add 10.98.2.2/24 dev veth0
ip -n "$NS_B" link set veth0 up
ip -n "$NS_E" link set veth0 up

cap_start "$NS_B" "$WORK/exabgp-bird.pcap" veth0

ip netns exec "$NS_B" bird -f -c "$CONF/bird.conf" -s "$WORK/bird.ctl" -P "$WORK/bird.pid" \
    >"$WORK/bird.log" 2>&1 &
BIRD_PID=$!

BIG=$(python3 -c 'print("0x" + (bytes(range(256)) * 24)[:6000].hex())')
sed "s#BIGATTR#$BIG#" "$CONF/exabgp.conf.in" >"$WORK/exabgp.conf"
ip netns exec "$NS_E" env \
    exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.daemon.drop=false \
    exabgp.api.cli=false exabgp.log.destination=stdout exabgp.log.level=INFO \
    exabgp "$WORK/exabgp.conf" >"$WORK/exabgp.log" 2>&1 &
EXA_PID=$!

up() { ip netns exec "$NS_B" birdc -s "$WORK/bird.ctl" show protocols exa | grep -q Established; }
wait_for 60 up || echo "session did not come up"
sleep 4
ip netns exec "$NS_B" birdc -s "$WORK/bird.ctl" show route count
echo "pcap: $WORK/exabgp-bird.pcap"
