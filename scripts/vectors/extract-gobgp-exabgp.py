#!/usr/bin/env python3
"""Cut the GoBGP/ExaBGP golden vectors out of the pcap written by
capture-gobgp-exabgp.sh, using the shared extractor (extract.py) for stream
reassembly, context derivation and the .hex rendering.

Usage: extract-gobgp-exabgp.py PCAP OUTDIR [--check]

Messages are chosen by content (sender, session, prefixes, attribute codes),
not by position, because timing shifts positions from run to run.  --check
only reports which vectors could be selected.
"""
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import extract  # noqa: E402  (shared helper: scripts/vectors/extract.py)

GOBGP = "GoBGP 3.10.0 (Debian gobgpd 3.10.0-1+b4)"
EXABGP = "ExaBGP 4.2.21 (Debian exabgp 4.2.21-1.1)"

G4, G6 = "10.98.1.1", "fd98:1::1"
N1, N2, N3, N4, N5, N6, N7 = ("10.98.1.11", "fd98:1::12", "10.98.1.13", "10.98.1.14",
                              "10.98.1.15", "10.98.1.16", "fd98:1::17")


# ------------------------------------------------------------ UPDATE parsing

def _prefixes(buf, afi, addpath):
    out, i = [], 0
    size = 4 if afi == 1 else 16
    while i < len(buf):
        pid = None
        if addpath:
            pid = int.from_bytes(buf[i:i + 4], "big")
            i += 4
        bits = buf[i]
        n = (bits + 7) // 8
        raw = buf[i + 1:i + 1 + n] + bytes(size - n)
        i += 1 + n
        addr = ipaddress.ip_address(raw)
        out.append(("%s/%d" % (addr, bits), pid))
    return out


def parse_update(msg, addpath_fams=()):
    """Return dict(attrs=[codes], announce=[(prefix, pathid)], withdraw=[...])."""
    b = msg[19:]
    wlen = int.from_bytes(b[0:2], "big")
    alen = int.from_bytes(b[2 + wlen:4 + wlen], "big")
    attrs = b[4 + wlen:4 + wlen + alen]
    res = {"attrs": [], "flags": {}, "announce": [], "withdraw": [], "mp_nh_len": None}
    res["withdraw"] += _prefixes(b[2:2 + wlen], 1, "ipv4" in addpath_fams)
    res["announce"] += _prefixes(b[4 + wlen + alen:], 1, "ipv4" in addpath_fams)
    for flags, code, v in extract.iter_attributes(attrs):
        res["attrs"].append(code)
        res["flags"][code] = flags
        if code in (14, 15):
            afi, safi = int.from_bytes(v[0:2], "big"), v[2]
            fam = extract.af_name(afi, safi)
            if code == 14:
                nhl = v[3]
                res["mp_nh_len"] = nhl
                res["announce"] += _prefixes(v[5 + nhl:], afi, fam in addpath_fams)
            else:
                res["withdraw"] += _prefixes(v[3:], afi, fam in addpath_fams)
    return res


def is_eor(msg):
    """Empty UPDATE (ipv4) or one holding only an MP_UNREACH_NLRI of 3 bytes."""
    if msg[18] != 2:
        return False
    body = msg[19:]
    if body == b"\0\0\0\0":
        return True
    if body[:2] != b"\0\0" or len(body) != 4 + int.from_bytes(body[2:4], "big"):
        return False
    a = body[4:]
    if a[1] != 15:
        return False
    vlen = int.from_bytes(a[2:4], "big") if a[0] & 0x10 else a[2]
    hdr = 4 if a[0] & 0x10 else 3
    return vlen == 3 and len(a) == hdr + 3


# ------------------------------------------------------------ selection

def sessions(dirs, src, dst):
    """Directions src->dst (by IP) that contain an OPEN and whose peer direction
    also sent one, in capture order."""
    opened = {(d["stream"], d["src"][0]) for d in dirs if any(m[18] == 1 for m in d["msgs"])}
    return [d for d in dirs if d["src"][0] == src and d["dst"][0] == dst
            and (d["stream"], src) in opened and (d["stream"], dst) in opened]


def has(msg, ctx, prefix=None, attr=None, withdraw=None, min_prefixes=None, nh_len=None):
    if msg[18] != 2:
        return False
    u = parse_update(msg, extract.context_addpath(ctx))
    if prefix is not None and prefix not in [p for p, _ in u["announce"]]:
        return False
    if withdraw is not None and withdraw not in [p for p, _ in u["withdraw"]]:
        return False
    if attr is not None and attr not in u["attrs"]:
        return False
    if min_prefixes is not None and len(u["announce"]) < min_prefixes:
        return False
    if nh_len is not None and u["mp_nh_len"] != nh_len:
        return False
    return True


def upd(**kw):
    return lambda m, ctx: has(m, ctx, **kw)


def typ(t):
    return lambda m, ctx: m[18] == t


def notif(code, sub):
    return lambda m, ctx: m[18] == 3 and m[19] == code and m[20] == sub


def eor(m, ctx):
    return is_eor(m)


# Each vector: file, sender IP, receiver IP, which session ("first", "last" or
# "any" = first session where all predicates match), predicates (each picks the
# FIRST matching message; a preceding "all:" picks every match; output keeps
# capture order), source line, session line.  Context comes from the OPENs.
GE = GOBGP + " -> " + EXABGP
EG = EXABGP + " -> " + GOBGP

VECTORS = [
    # ---------------------------------------------------------------- ExaBGP
    ("exabgp-open.hex", N1, G4, "first", [typ(1)], EG,
     "eBGP, IPv4 transport, AS 64512 -> 64513, hold 180; one optional parameter per capability: MP ipv4+ipv6 "
     "unicast, 4-octet AS, route-refresh (2), enhanced route-refresh (70), extended message (6)"),
    ("exabgp-open-gr-addpath.hex", N4, G4, "first", [typ(1)], EG,
     "eBGP, IPv4 transport, AS 64515 -> 64513; graceful restart 120 s with Restart State bit and per-AFI "
     "Forwarding bits set (ExaBGP 4.2 sets R from process start, FORCE_GRACEFUL, and F for every family), "
     "ADD-PATH receive ipv4+ipv6, route-refresh, extended message"),
    ("exabgp-open-2octet.hex", N5, G4, "first", [typ(1)], EG,
     "eBGP, IPv4 transport, AS 64514 -> 64513; 2-octet-AS speaker (asn4 disabled): no capability 65; MP ipv4 "
     "unicast and extended message only"),
    ("exabgp-open-as-trans.hex", N6, G4, "first", [typ(1)], EG,
     "eBGP, IPv4 transport, AS 4200000001 -> 64513; My AS field is AS_TRANS 23456, real ASN in capability 65, "
     "MP ipv4 unicast, extended message"),
    ("exabgp-attributes.hex", N1, G4, "first",
     [upd(prefix="10.244.1.0/26"), upd(prefix="10.244.2.0/26")], EG,
     "eBGP, IPv4 transport; ORIGIN igp/egp, AS_SEQUENCE + AS_SET, MED, COMMUNITIES, EXTENDED COMMUNITIES "
     "(route-target, route-origin), LARGE_COMMUNITY, ATOMIC_AGGREGATE, AGGREGATOR (4-octet AS form)"),
    ("exabgp-unknown-attribute.hex", N1, G4, "first",
     [upd(prefix="10.244.3.0/26"), upd(prefix="10.244.4.0/26")], EG,
     "eBGP, IPv4 transport; ORIGIN incomplete; unknown optional transitive attribute 0x70 (5-byte value) and "
     "0x64 (300-byte value, extended-length flag)"),
    ("exabgp-ipv6.hex", N1, G4, "first",
     [upd(prefix="fd00:10:244::/122"), upd(prefix="fd00:10:244::40/122")], EG,
     "eBGP, IPv4 transport; IPv6 unicast in MP_REACH_NLRI (16-byte global next hop only), MED, COMMUNITIES, "
     "LARGE_COMMUNITY"),
    ("exabgp-withdraw.hex", N1, G4, "first",
     [upd(withdraw="10.244.3.0/26"), upd(withdraw="fd00:10:244::40/122")], EG,
     "eBGP, IPv4 transport; IPv4 withdrawn-routes field and IPv6 MP_UNREACH_NLRI"),
    ("exabgp-eor.hex", N1, G4, "first", ["all:", eor], EG,
     "eBGP, IPv4 transport; End-of-RIB ipv4 (empty UPDATE) and ipv6 (MP_UNREACH_NLRI sent with the "
     "extended-length flag)"),
    ("exabgp-packed.hex", N1, G4, "first", ["all:", upd(min_prefixes=20)], EG,
     "eBGP, IPv4 transport; 300 IPv4 /26 prefixes with one attribute set (ExaBGP packs 50 NLRI per UPDATE)"),
    ("exabgp-ibgp.hex", N2, G6, "first",
     [upd(prefix="10.244.10.0/26"), upd(prefix="fd00:10:244::80/122")], EG,
     "iBGP, IPv6 transport, AS 64513; LOCAL_PREF, MED, ORIGINATOR_ID, CLUSTER_LIST (IPv4 route) and "
     "LOCAL_PREF with IPv6 MP_REACH_NLRI"),
    ("exabgp-as4.hex", N6, G4, "first",
     [upd(prefix="10.244.60.0/26"), upd(prefix="10.244.61.0/26")], EG,
     "eBGP, IPv4 transport, AS 4200000001; 4-octet AS_PATH with AS_SET, 8-byte AGGREGATOR 4200000001"),
    ("exabgp-2octet-update.hex", N5, G4, "first", [upd(prefix="10.244.70.0/26")], EG,
     "eBGP, IPv4 transport, AS 64514, no 4-octet AS negotiated; 2-octet AS_PATH and 6-byte AGGREGATOR"),
    ("exabgp-ipv6-transport.hex", N7, G6, "first",
     [upd(prefix="fd00:10:244::100/122"), upd(prefix="10.244.71.0/26")], EG,
     "eBGP, IPv6 transport, AS 64516; IPv6 MP_REACH and plain IPv4 UPDATE over an IPv6 session"),
    ("exabgp-route-refresh.hex", N1, G4, "first", ["all:", typ(5)], EG,
     "eBGP, IPv4 transport; ROUTE-REFRESH ipv4 unicast and ipv6 unicast (RFC 2918)"),
    ("exabgp-notification-update-error.hex", N7, G6, "first", [notif(3, 0)], EG,
     "eBGP, IPv6 transport; NOTIFICATION 3/0 with ASCII data, sent because GoBGP put a 16-byte next hop "
     "into an IPv4 MP_REACH without extended-next-hop negotiation"),
    ("exabgp-notification-header-error.hex", N4, G4, "first", [notif(1, 0)], EG,
     "eBGP, IPv4 transport; NOTIFICATION 1/0 with ASCII data, ExaBGP 4.2.21's reply to GoBGP's "
     "Cease/Administrative-Shutdown carrying a shutdown communication"),
    # ---------------------------------------------------------------- GoBGP
    ("gobgp-open.hex", G4, N1, "first", [typ(1)], GE,
     "eBGP, IPv4 transport, AS 64513 -> 64512, hold 90; all capabilities in ONE optional parameter: "
     "route-refresh, FQDN (73, hostname of the capture host), MP ipv4+ipv6 unicast, 4-octet AS, extended next hop "
     "(5: ipv4-unicast over IPv6)"),
    ("gobgp-open-gr-addpath.hex", G4, N4, "first", [typ(1)], GE,
     "eBGP, IPv4 transport; graceful restart (N bit, restart time 120, per-AFI flags clear), long-lived GR "
     "(71, 3600 s), ADD-PATH send/receive ipv4+ipv6, extended next hop, FQDN, 4-octet AS, route-refresh"),
    ("gobgp-open-gr-restarting.hex", G4, N4, "last", [typ(1)], GE,
     "eBGP, IPv4 transport; gobgpd restarted with -r: graceful restart with Restart State bit and per-AFI "
     "Forwarding State bits set, long-lived GR, ADD-PATH"),
    ("gobgp-open-ipv6-transport.hex", G6, N2, "first", [typ(1)], GE,
     "iBGP, IPv6 transport, AS 64513; same capability set as over IPv4 (route-refresh, FQDN, MP ipv4+ipv6, "
     "4-octet AS, extended next hop)"),
    ("gobgp-update-ipv4.hex", G4, N1, "first", [upd(prefix="10.244.100.0/26")], GE,
     "eBGP, IPv4 transport; locally originated route: ORIGIN, AS_PATH 64513, NEXT_HOP, MED, COMMUNITIES, "
     "LARGE_COMMUNITY (LOCAL_PREF stripped towards eBGP)"),
    ("gobgp-update-ipv6.hex", G4, N1, "first", [upd(prefix="fd00:10:244::1:0/122")], GE,
     "eBGP, IPv4 transport; locally originated IPv6 route in MP_REACH_NLRI with MED, COMMUNITIES, "
     "LARGE_COMMUNITY"),
    ("gobgp-update-forwarded.hex", G4, N1, "first",
     [upd(prefix="10.244.40.0/26"), upd(prefix="10.244.60.0/26"), upd(prefix="10.244.61.0/26")], GE,
     "eBGP, IPv4 transport; routes learned from other peers re-advertised (next-hop-self, own AS prepended, "
     "4-octet ASNs, AS_SET, AGGREGATOR)"),
    ("gobgp-unknown-attribute-forwarded.hex", G4, N6, "first",
     [upd(prefix="10.244.3.0/26"), upd(prefix="10.244.4.0/26")], GE,
     "eBGP, IPv4 transport; unknown optional transitive attributes 0x70 (5 bytes) and 0x64 (300 bytes, "
     "extended length) received from ExaBGP and passed on by GoBGP"),
    ("gobgp-update-ibgp.hex", G6, N2, "first",
     [upd(prefix="10.244.100.0/26"), upd(prefix="fd00:10:244::1:0/122"), upd(prefix="10.244.1.0/26")], GE,
     "iBGP, IPv6 transport, AS 64513; LOCAL_PREF present, empty AS_PATH for local routes, eBGP-learned "
     "route passed on with its next hop"),
    ("gobgp-route-reflector.hex", G4, N3, "first",
     [upd(prefix="10.244.10.0/26"), upd(prefix="fd00:10:244::80/122")], GE,
     "iBGP, IPv4 transport, towards route-reflector client 10.98.1.13 (cluster id 10.98.0.1): routes from "
     "non-client fd98:1::12; existing ORIGINATOR_ID kept and cluster id prepended to the CLUSTER_LIST; "
     "ORIGINATOR_ID + CLUSTER_LIST created for the IPv6 route"),
    ("gobgp-reflect-to-nonclient.hex", G6, N2, "first",
     [upd(prefix="10.244.40.0/26"), upd(prefix="fd00:10:244::c0/122")], GE,
     "iBGP, IPv6 transport, towards NON-client fd98:1::12: routes learned from client 10.98.1.13 are "
     "reflected WITHOUT ORIGINATOR_ID/CLUSTER_LIST (GoBGP 3.10 adds them only towards clients)"),
    ("gobgp-addpath.hex", G4, N4, "first",
     ["all:", upd(prefix="10.244.101.0/26"), "all:", upd(prefix="10.244.1.0/26"),
      "all:", upd(prefix="fd00:10:244::/122"), upd(withdraw="10.244.101.0/26")], GE,
     "eBGP, IPv4 transport; ADD-PATH: several paths per prefix with distinct path identifiers (ipv4 NLRI "
     "and ipv6 MP_REACH), and a withdrawal of one path id"),
    ("gobgp-addpath-packed.hex", G4, N4, "last", [upd(min_prefixes=300)], GE,
     "eBGP, IPv4 transport; ADD-PATH initial table dump: 300 IPv4 /26 prefixes with path ids in one UPDATE"),
    ("gobgp-packed.hex", G4, N3, "any", [upd(min_prefixes=300)], GE,
     "iBGP, IPv4 transport, route-reflector client; initial table dump after a session reset: 300 IPv4 /26 "
     "prefixes sharing one attribute set packed into one UPDATE (incremental updates are never packed; NLRI in "
     "hash order); eBGP-learned routes get ORIGINATOR_ID = eBGP peer's BGP id 10.98.1.11 + CLUSTER_LIST towards clients"),
    ("gobgp-as4-to-2octet.hex", G4, N5, "first",
     [typ(1), upd(prefix="10.244.60.0/26"), upd(prefix="10.244.61.0/26"), upd(prefix="10.244.1.0/26")], GE,
     "eBGP, IPv4 transport, peer is a 2-octet-AS speaker (AS 64514): AS_PATH with AS_TRANS 23456 + AS4_PATH, "
     "AGGREGATOR (2-octet, AS_TRANS) + AS4_AGGREGATOR; plain 2-octet AS_PATH otherwise"),
    ("gobgp-ipv4-ipv6-nexthop.hex", G6, N7, "first", [upd(nh_len=16, prefix="10.244.1.0/26")], GE,
     "eBGP, IPv6 transport, NO extended-next-hop capability negotiated: GoBGP still sends IPv4 unicast NLRI "
     "inside MP_REACH_NLRI (AFI 1) with a 16-byte IPv6 next hop (next-hop-self)"),
    ("gobgp-withdraw.hex", G4, N1, "first",
     [upd(withdraw="10.244.100.0/26"), upd(withdraw="fd00:10:244::1:0/122")], GE,
     "eBGP, IPv4 transport; IPv4 withdrawn-routes field and IPv6 MP_UNREACH_NLRI"),
    ("gobgp-eor.hex", G4, N4, "first", ["all:", eor], GE,
     "eBGP, IPv4 transport, GR negotiated; End-of-RIB ipv4 and ipv6 (GoBGP sends EoR only to GR peers)"),
    ("gobgp-notification-shutdown.hex", G4, N4, "first", [notif(6, 2)], GE,
     "eBGP, IPv4 transport; Cease / Administrative Shutdown with shutdown communication \"maintenance\" "
     "(RFC 8203/9003)"),
    ("gobgp-notification-reset.hex", G4, N3, "first", [notif(6, 4)], GE,
     "iBGP, IPv4 transport; Cease / Administrative Reset, no data"),
    ("gobgp-notification-deconfigured.hex", G4, N1, "first", [notif(6, 3)], GE,
     "eBGP, IPv4 transport; Cease / Peer De-configured, sent by gobgpd on SIGTERM"),
]


def pick(direction, preds):
    msgs = direction["msgs"]
    ctx = direction["context"] or ""
    chosen = []
    mode = None
    for p in preds:
        if isinstance(p, str):
            mode = p
            continue
        hits = [i for i, m in enumerate(msgs) if p(m, ctx)]
        if mode != "all:":
            hits = hits[:1]
        if not hits:
            return None
        chosen.extend(h for h in hits if h not in chosen)
        mode = None
    return [msgs[i] for i in sorted(chosen)]


def main():
    pcap, outdir = sys.argv[1], sys.argv[2]
    check = "--check" in sys.argv
    dirs = extract.load(pcap)
    ok = True
    for fname, src, dst, which, preds, source, session in VECTORS:
        cands = sessions(dirs, src, dst)
        if which == "first":
            cands = cands[:1]
        elif which == "last":
            cands = cands[-1:]
        got = None
        for d in cands:
            got = pick(d, preds)
            if got:
                break
        if not got:
            print("MISSING %s" % fname)
            ok = False
            continue
        text = extract.render(got, source, session, d["context"])
        print("%-42s stream %-3d %d msg  context %r" % (fname, d["stream"], len(got), d["context"]))
        if not check:
            with open(os.path.join(outdir, fname), "w") as f:
                f.write(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
