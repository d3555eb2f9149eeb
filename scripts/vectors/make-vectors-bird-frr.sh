#!/bin/bash
# Turn the pcaps written by capture-bird-frr.sh, capture-as4.sh, capture-rr.sh
# and capture-confed.sh (in $OUT, default /tmp/swv1) into
# Tests/BGPWireTests/Vectors/{bird2,frr}-*.hex.  Selections are by prefix /
# attribute / summary, not by message index, so re-captures land on the same
# kind of message.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/swv1}
DST=${DST:-$HERE/../../Tests/BGPWireTests/Vectors}
mkdir -p "$DST"
BIRD_V="BIRD $(bird --version 2>&1 | awk '{print $3}')"
FRR_V="FRR $(dpkg-query -W -f '${Version}' frr | sed 's/-.*//')"
X() { python3 "$HERE/extract.py" dump "$@"; }

# ---------------------------------------------------------------- bird-frr.pcap
P=$OUT/bird-frr.pcap
B2F="$BIRD_V -> $FRR_V"; F2B="$FRR_V -> $BIRD_V"
S4="eBGP 64512->64513, IPv4 transport, ipv4+ipv6 unicast, add-path, GR+LLGR, extended messages, enhanced route refresh"
S4F="eBGP 64513->64512, IPv4 transport, ipv4+ipv6 unicast, GR+LLGR, extended messages, enhanced route refresh"
S6="eBGP 64512->64513, IPv6 transport on a shared link, ipv6 unicast + ipv4 unicast with extended next hop (RFC 8950)"
S6F="eBGP 64513->64512, IPv6 transport on a shared link, ipv6 unicast + ipv4 unicast with extended next hop (RFC 8950)"

X $P --from 10.99.1.1 --type OPEN --source "$B2F" --session "$S4" -o $DST/bird2-open-rich.hex
X $P --from fd99:1::1 --type OPEN --source "$B2F" --session "$S6" -o $DST/bird2-open-extended-nexthop.hex
X $P --from 10.99.1.1 --type KEEPALIVE --first 1 --source "$B2F" --session "$S4" -o $DST/bird2-keepalive.hex
X $P --from 10.99.1.1 --prefix 10.244.1.0/26 --first 1 --source "$B2F" --session "$S4; MED 50, COMMUNITIES incl. NO_EXPORT/NO_ADVERTISE" -o $DST/bird2-update-communities-med.hex
X $P --from 10.99.1.1 --prefix 10.244.2.0/26 --first 1 --source "$B2F" --session "$S4; ORIGIN EGP, AS_PATH 64512 4200000001, EXT + LARGE communities" -o $DST/bird2-update-ext-large-community.hex
X $P --from 10.99.1.1 --prefix 10.244.3.0/26 --first 1 --source "$B2F" --session "$S4; ORIGIN INCOMPLETE" -o $DST/bird2-update-origin-incomplete.hex
X $P --from 10.99.1.1 --prefix 10.244.9.0/26 --first 2 --source "$B2F" --session "$S4; two paths (path ids) for 10.244.9.0/26" -o $DST/bird2-update-addpath-ipv4.hex
X $P --from 10.99.1.1 --prefix fd00:10:244::/122 --first 2 --source "$B2F" --session "$S4; two paths for fd00:10:244::/122 in MP_REACH, 32-byte next hop" -o $DST/bird2-update-addpath-ipv6.hex
X $P --from 10.99.1.1 --prefix 10.245.0.0/26 --first 1 --source "$B2F" --session "$S4; ~250 /26 prefixes with path ids sharing attributes" -o $DST/bird2-update-many-prefixes.hex
X $P --from 10.99.1.1 --prefix fd00:10:245::/122 --first 1 --source "$B2F" --session "$S4; UPDATE longer than 4096 bytes (extended message)" -o $DST/bird2-update-extended-message.hex
X $P --from 10.99.1.1 --regex '^UPDATE\(EoR' --source "$B2F" --session "$S4" -o $DST/bird2-eor.hex
X $P --from 10.99.1.1 --regex '^ROUTE-REFRESH\((ipv4|ipv6)\)$' --source "$B2F" --session "$S4; 'birdc reload in'" -o $DST/bird2-route-refresh.hex
X $P --from 10.99.1.1 --regex 'BoRR|EoRR' --source "$B2F" --session "$S4; answer to FRR's refresh request" -o $DST/bird2-enhanced-route-refresh.hex
X $P --from 10.99.1.1 --grep withdraw --source "$B2F" --session "$S4; IPv4 withdrawn-routes field and MP_UNREACH, with path ids" -o $DST/bird2-withdraw-addpath.hex
X $P --from 10.99.1.1 --type NOTIFICATION --source "$B2F" --session "$S4; birdc disable frr4 \"maintenance window\"" -o $DST/bird2-notification-shutdown.hex
X $P --from 10.99.1.1 --source "$B2F" --session "$S4; whole BIRD->FRR stream: OPEN..refreshes..withdrawals..shutdown NOTIFICATION" -o $DST/bird2-session-ipv4.hex
X $P --from fd99:1::1 --prefix fd00:10:244::40/122 --first 1 --source "$B2F" --session "$S6; MP_REACH global+link-local next hop" -o $DST/bird2-update-ipv6-linklocal.hex
X $P --from fd99:1::1 --prefix 10.244.1.0/26 --first 1 --source "$B2F" --session "$S6; IPv4 NLRI in MP_REACH with IPv6 next hop" -o $DST/bird2-update-ipv4-extended-nexthop.hex
X $P --from fd99:1::1 --prefix fd00:10:245::/122 --first 1 --source "$B2F" --session "$S6; largest UPDATE without extended messages (<= 4096)" -o $DST/bird2-update-ipv6-4096.hex
X $P --from fd99:1::1 --grep withdraw --source "$B2F" --session "$S6; IPv4 and IPv6 withdrawals both in MP_UNREACH" -o $DST/bird2-withdraw-mp.hex

X $P --from 10.99.1.2 --type OPEN --source "$F2B" --session "$S4F" -o $DST/frr-open-rich.hex
X $P --from fd99:1::2 --type OPEN --source "$F2B" --session "$S6F" -o $DST/frr-open-extended-nexthop.hex
X $P --from 10.99.1.2 --type KEEPALIVE --first 1 --source "$F2B" --session "$S4F" -o $DST/frr-keepalive.hex
X $P --from 10.99.1.2 --prefix 10.210.0.0/24 --first 1 --source "$F2B" --session "$S4F; 500 /24 + 2 /26 sharing attributes" -o $DST/frr-update-many-prefixes.hex
X $P --from 10.99.1.2 --prefix 10.244.128.0/26 --first 1 --source "$F2B" --session "$S4F; ORIGIN EGP, prepend 4200000001 64520, MED, communities incl. NO_EXPORT/BLACKHOLE, large, ext RT (2- and 4-octet AS)" -o $DST/frr-update-rich-attrs.hex
X $P --from 10.99.1.2 --regex '^UPDATE\(EoR' --source "$F2B" --session "$S4F" -o $DST/frr-eor.hex
X $P --from 10.99.1.2 --regex '^ROUTE-REFRESH\((ipv4|ipv6)\)$' --source "$F2B" --session "$S4F; 'clear bgp ... soft in'" -o $DST/frr-route-refresh.hex
X $P --from 10.99.1.2 --regex 'BoRR|EoRR' --source "$F2B" --session "$S4F; answer to BIRD's refresh request" -o $DST/frr-enhanced-route-refresh.hex
X $P --from 10.99.1.2 --grep withdraw --source "$F2B" --session "$S4F; IPv4 withdrawn-routes field, IPv6 MP_UNREACH" -o $DST/frr-withdraw.hex
X $P --from fd99:1::2 --prefix fd00:10:244:8000::/122 --first 1 --source "$F2B" --session "$S6F; MP_REACH global+link-local next hop, ORIGIN INCOMPLETE, NO_ADVERTISE" -o $DST/frr-update-ipv6-linklocal.hex
X $P --from fd99:1::2 --prefix 10.244.128.0/26 --first 1 --source "$F2B" --session "$S6F; IPv4 NLRI in MP_REACH with IPv6 next hop" -o $DST/frr-update-ipv4-extended-nexthop.hex
X $P --from fd99:1::2 --grep withdraw --source "$F2B" --session "$S6F; IPv4 and IPv6 withdrawals in MP_UNREACH" -o $DST/frr-withdraw-mp.hex
X $P --from fd99:1::2 --type NOTIFICATION --source "$F2B" --session "$S6F; neighbor shutdown message" -o $DST/frr-notification-shutdown.hex

# ---------------------------------------------------------------- as4.pcap
P=$OUT/as4.pcap
SO="eBGP, IPv4 transport, BIRD AS 64514 with 'enable as4 off' (2-octet speaker) <-> FRR AS 4200000001 seen as AS_TRANS 23456; FRR uses dont-capability-negotiate"
X $P --from 10.99.2.1 --type OPEN --source "$BIRD_V (enable as4 off) -> $FRR_V" --session "$SO" -o $DST/bird2-open-as4-off.hex
X $P --from 10.99.2.1 --attr 17 --source "$BIRD_V (enable as4 off) -> $FRR_V" --session "$SO; path 64514 4200000009 -> AS_PATH 64514 23456 + AS4_PATH" -o $DST/bird2-update-as4-path.hex
X $P --from 10.99.2.2 --type OPEN --source "$FRR_V -> $BIRD_V (enable as4 off)" --session "$SO; OPEN without optional parameters, My AS 23456" -o $DST/frr-open-no-capabilities.hex
X $P --from 10.99.2.2 --type UPDATE --source "$FRR_V -> $BIRD_V (enable as4 off)" --session "$SO; all UPDATEs: AS_TRANS + AS4_PATH, aggregates with AS_SET / ATOMIC_AGGREGATE, AGGREGATOR 23456 + AS4_AGGREGATOR" -o $DST/frr-update-as4-transition.hex
SA="eBGP, IPv4 transport, FRR AS 4200000001 -> BIRD AS 64515 (both 4-octet)"
X $P --from 10.99.3.1 --prefix 10.244.32.0/24 --first 1 --source "$FRR_V -> $BIRD_V" --session "$SA; aggregate-address as-set: AS_PATH SEQ(4200000001) SET(64515), AGGREGATOR" -o $DST/frr-update-aggregate-as-set.hex
X $P --from 10.99.3.1 --prefix 10.244.33.0/24 --first 1 --source "$FRR_V -> $BIRD_V" --session "$SA; aggregate-address summary-only: ATOMIC_AGGREGATE + AGGREGATOR" -o $DST/frr-update-atomic-aggregate.hex
P=$OUT/badpeeras-bird.pcap
X $P --from 10.99.2.1 --type NOTIFICATION --source "$BIRD_V (enable as4 off) -> $FRR_V" --session "eBGP; BIRD expects AS 23456, FRR's OPEN carries AS4 capability 4200000001 -> OPEN error Bad Peer AS (2/2)" -o $DST/bird2-notification-bad-peer-as.hex

# ---------------------------------------------------------------- rr.pcap / rr-c3.pcap
P=$OUT/rr.pcap
X $P --from 10.99.5.1 --attr 9 --source "$BIRD_V -> $FRR_V" --session "iBGP AS 64516, BIRD RR (cluster 10.99.4.2) reflecting client c1's routes to non-client FRR: ORIGINATOR_ID, CLUSTER_LIST, LOCAL_PREF" -o $DST/bird2-update-rr-reflected.hex
X $P --from 10.99.4.2 --attr 9 --source "$BIRD_V -> $FRR_V" --session "iBGP AS 64516, BIRD RR -> client FRR c1: route of c3 via FRR RR, CLUSTER_LIST of 2" -o $DST/bird2-update-rr-cluster-list-2.hex
X $P --from 10.99.4.1 --type UPDATE --regex prefix --source "$FRR_V -> $BIRD_V" --session "iBGP AS 64516, FRR client -> BIRD RR: LOCAL_PREF 200, MED, COMMUNITIES, EXT RT" -o $DST/frr-update-ibgp.hex
X $P --from 10.99.5.2 --attr 9 --source "$FRR_V -> $BIRD_V" --session "iBGP AS 64516, FRR RR (cluster 10.99.5.2) reflecting client c3's route to non-client BIRD RR" -o $DST/frr-update-rr-reflected.hex
P=$OUT/rr-c3.pcap
X $P --from 10.99.6.1 --attr 9 --source "$FRR_V -> $BIRD_V" --session "iBGP AS 64516, FRR RR -> BIRD client c3: c3's own route reflected back, then c1's route with CLUSTER_LIST [10.99.5.2 10.99.4.2]" -o $DST/frr-update-rr-cluster-list-2.hex
X $P --from 10.99.6.2 --type UPDATE --regex prefix --source "$BIRD_V -> $FRR_V" --session "iBGP AS 64516, BIRD client -> FRR RR: LOCAL_PREF 150, COMMUNITIES, LARGE_COMMUNITY" -o $DST/bird2-update-ibgp.hex

# ---------------------------------------------------------------- confed.pcap
P=$OUT/confed.pcap
SC="confederation 64600, IPv4 transport"
X $P --from 10.99.7.2 --type UPDATE --regex prefix --first 1 --source "$BIRD_V -> $FRR_V" --session "$SC, BIRD sub-AS 64518 -> FRR sub-AS 64517: AS_CONFED_SEQUENCE, MED, LOCAL_PREF" -o $DST/bird2-update-confed.hex
X $P --from 10.99.7.1 --type UPDATE --regex prefix --first 3 --source "$FRR_V -> $BIRD_V" --session "$SC, FRR sub-AS 64517 -> BIRD sub-AS 64518: AS_CONFED_SEQUENCE (+ AS_SEQUENCE 4200000001), LOCAL_PREF" -o $DST/frr-update-confed.hex
X $P --from 10.99.7.1 --type NOTIFICATION --source "$FRR_V -> $BIRD_V" --session "$SC, BIRD frozen with SIGSTOP, hold time 3 -> Hold Timer Expired (4/0)" -o $DST/frr-notification-hold-timer.hex
