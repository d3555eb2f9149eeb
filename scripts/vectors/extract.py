#!/usr/bin/env python3
"""Extract BGP messages from a pcap into golden-vector .hex files.

Each TCP connection involving port 179 is reassembled per direction (by TCP
sequence number, so retransmissions/overlaps are harmless) and split into
whole BGP messages (16 x 0xff marker, 2-byte length, 1-byte type).

Usage:
  extract.py list [-v] PCAP                  # show streams/directions/messages
  extract.py dump PCAP --stream 0 --from 10.99.1.1 [selection] [header] [-o FILE]
      (without --stream, if several connections match --from, the one where
      the selection finds the most messages is used)
  extract.py dumpall PCAP OUTDIR             # every stream+direction to OUTDIR

Selection (dump only; combined with AND, result keeps capture order):
  --pick 1,3-5      1-based message indexes within the direction
  --type UPDATE     OPEN|UPDATE|NOTIFICATION|KEEPALIVE|ROUTE-REFRESH (repeatable,
                    or comma separated); numbers also accepted
  --grep TEXT       keep messages whose summary contains TEXT (e.g. 'EoR')
  --regex RX        keep messages whose summary matches RX (re.search)
  --attr CODE       keep UPDATEs carrying path attribute CODE (repeatable)
  --prefix P        keep UPDATEs announcing or withdrawing unicast prefix P
                    (written as Python's ipaddress prints it: 10.244.9.0/26, fd00:10:244::/122)
  --first N         keep only the first N selected messages

Header:
  --source "BIRD 2.0.12 -> FRR 8.4.4"   --session "eBGP, IPv4 transport, ..."
  --context "as4 addpath=ipv4"  (default: derived from the two OPENs seen in
  the same TCP connection; pass --context '' to force an empty context)

Output format (read by the Swift test loader):
  # source: ...
  # session: ...
  # context: as4 addpath=ipv4,ipv6 extended-message
  # messages: OPEN, KEEPALIVE, UPDATE(ipv4 12 prefixes), ...
  <hex, lowercase, 32 bytes per line>
  <blank line between messages>

Only the Python standard library and the `tshark` binary are required.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import OrderedDict

MARKER = b"\xff" * 16
TYPE_NAMES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
AFS = {(1, 1): "ipv4", (2, 1): "ipv6", (1, 2): "ipv4-multicast", (2, 2): "ipv6-multicast",
       (1, 4): "ipv4-labeled", (2, 4): "ipv6-labeled", (1, 128): "vpnv4", (2, 128): "vpnv6",
       (25, 70): "evpn", (1, 133): "ipv4-flowspec", (2, 133): "ipv6-flowspec"}


def af_name(afi, safi):
    return AFS.get((afi, safi), "afi%d/safi%d" % (afi, safi))


# ----------------------------------------------------------------- pcap reading

def read_segments(pcap):
    """Return OrderedDict stream -> {'ends': {(ip,port): [(seq, bytes)]}}."""
    cmd = ["tshark", "-r", pcap, "-n", "-Y", "tcp.port == 179 && tcp.len > 0",
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-E", "separator=\t",
           "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
           "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
           "-e", "tcp.seq_raw", "-e", "tcp.payload"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    streams = OrderedDict()
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 9 or not f[8]:
            continue
        stream = int(f[0])
        src = (f[1] or f[2], int(f[3]))
        dst = (f[4] or f[5], int(f[6]))
        seq = int(f[7])
        payload = bytes.fromhex(f[8].replace(":", ""))
        s = streams.setdefault(stream, {"dirs": OrderedDict()})
        s["dirs"].setdefault((src, dst), []).append((seq, payload))
    return streams


def reassemble(segs):
    """Reassemble (raw seq, payload) list into one byte string (handles dups,
    overlaps, 32-bit wrap). Stops at the first gap (reports it on stderr)."""
    base = segs[0][0]
    rel = sorted((((seq - base) & 0xffffffff), p) for seq, p in segs)
    data = bytearray()
    for off, p in rel:
        if off > len(data):
            sys.stderr.write("warning: gap of %d bytes in TCP stream, truncating\n"
                             % (off - len(data)))
            break
        end = off + len(p)
        if end > len(data):
            data += p[len(data) - off:]
    return bytes(data)


def split_messages(data):
    msgs = []
    i = 0
    while i + 19 <= len(data):
        if data[i:i + 16] != MARKER:
            raise ValueError("bad BGP marker at offset %d" % i)
        ln = int.from_bytes(data[i + 16:i + 18], "big")
        if ln < 19 or i + ln > len(data):
            sys.stderr.write("warning: truncated message at offset %d (len %d)\n" % (i, ln))
            break
        msgs.append(data[i:i + ln])
        i += ln
    if i != len(data):
        sys.stderr.write("warning: %d trailing bytes ignored\n" % (len(data) - i))
    return msgs


# ----------------------------------------------------------------- BGP parsing

def parse_open_caps(msg):
    """Return dict: code -> list of raw values (capabilities in the OPEN)."""
    caps = {}
    body = msg[19:]
    optlen = body[9]
    opt = body[10:10 + optlen]
    # RFC 9072 extended optional parameters
    if optlen == 255 and opt[:1] == b"\xff":
        ext_len = int.from_bytes(body[11:13], "big")
        opt = body[13:13 + ext_len]
        hdr = 3
    else:
        hdr = 2
    i = 0
    while i < len(opt):
        ptype = opt[i]
        plen = int.from_bytes(opt[i + 1:i + hdr], "big")
        pval = opt[i + hdr:i + hdr + plen]
        i += hdr + plen
        if ptype != 2:
            continue
        j = 0
        while j + 2 <= len(pval):
            code, clen = pval[j], pval[j + 1]
            caps.setdefault(code, []).append(pval[j + 2:j + 2 + clen])
            j += 2 + clen
    return caps


def addpath_modes(caps):
    """(afi,safi) -> send/receive bits (1=receive, 2=send) from cap 69."""
    res = {}
    for v in caps.get(69, []):
        for k in range(0, len(v) - 3, 4):
            afi = int.from_bytes(v[k:k + 2], "big")
            res[(afi, v[k + 2])] = v[k + 3]
    return res


def derive_context(sender_open, receiver_open):
    if sender_open is None or receiver_open is None:
        return None
    sc, rc = parse_open_caps(sender_open), parse_open_caps(receiver_open)
    flags = []
    if 65 in sc and 65 in rc:
        flags.append("as4")
    sm, rm = addpath_modes(sc), addpath_modes(rc)
    fams = [af_name(*af) for af in sm if (sm[af] & 2) and (rm.get(af, 0) & 1)]
    if fams:
        flags.append("addpath=" + ",".join(fams))
    if 6 in sc and 6 in rc:
        flags.append("extended-message")
    return " ".join(flags)


def context_addpath(context):
    fams = set()
    for tok in (context or "").split():
        if tok.startswith("addpath="):
            fams.update(tok[len("addpath="):].split(","))
    return fams


def count_prefixes(buf, addpath, mp_nlri=False, afi=1, safi=1):
    n = 0
    i = 0
    while i < len(buf):
        if addpath:
            i += 4
        if i >= len(buf):
            break
        bits = buf[i]
        i += 1 + (bits + 7) // 8
        n += 1
    return n


def iter_attributes(attrs):
    """Yield (flags, code, value) for each path attribute in an UPDATE's attribute field (RFC 4271 4.3)."""
    i = 0
    while i < len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        if flags & 0x10:
            ln, h = int.from_bytes(attrs[i + 2:i + 4], "big"), 4
        else:
            ln, h = attrs[i + 2], 3
        yield flags, code, attrs[i + h:i + h + ln]
        i += h + ln


def update_attr_codes(msg):
    """List of path attribute type codes in an UPDATE, in wire order."""
    b = msg[19:]
    wlen = int.from_bytes(b[0:2], "big")
    alen = int.from_bytes(b[2 + wlen:4 + wlen], "big")
    attrs = b[4 + wlen:4 + wlen + alen]
    return [code for _, code, _ in iter_attributes(attrs)]


def decode_prefixes(buf, afi, addpath):
    """Decode an NLRI/withdrawn field into strings like '10.0.0.0/24' (path ids dropped)."""
    import ipaddress
    out = []
    i = 0
    size = 4 if afi == 1 else 16
    while i < len(buf):
        if addpath:
            i += 4
        bits = buf[i]
        n = (bits + 7) // 8
        raw = buf[i + 1:i + 1 + n] + bytes(size - n)
        i += 1 + n
        addr = ipaddress.ip_address(raw[:size])
        out.append("%s/%d" % (addr, bits))
    return out


def update_prefixes(msg, addpath_fams):
    """All prefixes (announced or withdrawn) of a unicast UPDATE."""
    b = msg[19:]
    wlen = int.from_bytes(b[0:2], "big")
    alen = int.from_bytes(b[2 + wlen:4 + wlen], "big")
    attrs = b[4 + wlen:4 + wlen + alen]
    res = decode_prefixes(b[2:2 + wlen], 1, "ipv4" in addpath_fams)
    res += decode_prefixes(b[4 + wlen + alen:], 1, "ipv4" in addpath_fams)
    for _, code, v in iter_attributes(attrs):
        if code in (14, 15):
            afi, safi = int.from_bytes(v[0:2], "big"), v[2]
            if safi != 1 or afi not in (1, 2):
                continue
            p = v[5 + v[3]:] if code == 14 else v[3:]
            res += decode_prefixes(p, afi, af_name(afi, safi) in addpath_fams)
    return res


def summarize(msg, context=""):
    t = msg[18]
    name = TYPE_NAMES.get(t, "TYPE%d" % t)
    try:
        if t == 2:
            return "UPDATE(" + summarize_update(msg, context_addpath(context)) + ")"
        if t == 3:
            return "NOTIFICATION(%d/%d)" % (msg[19], msg[20])
        if t == 5:
            afi = int.from_bytes(msg[19:21], "big")
            sub = {0: "", 1: " BoRR", 2: " EoRR"}.get(msg[21], " subtype%d" % msg[21])
            return "ROUTE-REFRESH(%s%s)" % (af_name(afi, msg[22]), sub)
    except Exception as e:  # never fail on odd messages
        return name + "(?%s)" % e
    return name


def summarize_update(msg, addpath_fams):
    b = msg[19:]
    wlen = int.from_bytes(b[0:2], "big")
    withdrawn = b[2:2 + wlen]
    alen = int.from_bytes(b[2 + wlen:4 + wlen], "big")
    attrs = b[4 + wlen:4 + wlen + alen]
    nlri = b[4 + wlen + alen:]
    parts = []
    if not withdrawn and not attrs and not nlri:
        return "EoR ipv4"
    if withdrawn:
        parts.append("withdraw ipv4 %d" % count_prefixes(withdrawn, "ipv4" in addpath_fams))
    extra = []
    attributes = list(iter_attributes(attrs))
    for _, code, v in attributes:
        if code == 14:
            afi, safi = int.from_bytes(v[0:2], "big"), v[2]
            nhl = v[3]
            p = v[5 + nhl:]
            fam = af_name(afi, safi)
            c = count_prefixes(p, fam in addpath_fams)
            parts.append("%s %d prefix%s nh%d" % (fam, c, "" if c == 1 else "es", nhl))
        elif code == 15:
            afi, safi = int.from_bytes(v[0:2], "big"), v[2]
            fam = af_name(afi, safi)
            # RFC 4724 2: End-of-RIB is an UPDATE holding only an empty MP_UNREACH_NLRI, whichever length form
            # its attribute header uses (ExaBGP sends the extended one).
            if len(v) == 3 and len(attributes) == 1 and not nlri and not withdrawn:
                return "EoR " + fam
            parts.append("withdraw %s %d" % (fam, count_prefixes(v[3:], fam in addpath_fams)))
        elif code in (17, 18):
            extra.append("AS4_PATH" if code == 17 else "AS4_AGGREGATOR")
    if nlri:
        c = count_prefixes(nlri, "ipv4" in addpath_fams)
        parts.append("ipv4 %d prefix%s" % (c, "" if c == 1 else "es"))
    return ", ".join(parts + extra) or "attrs only"


# ----------------------------------------------------------------- output

def load(pcap):
    """Return list of dicts: stream, src, dst, msgs, context (derived)."""
    streams = read_segments(pcap)
    result = []
    for sid, s in streams.items():
        dirs = []
        for (src, dst), segs in s["dirs"].items():
            msgs = split_messages(reassemble(segs))
            dirs.append({"stream": sid, "src": src, "dst": dst, "msgs": msgs})
        opens = {}
        for d in dirs:
            o = next((m for m in d["msgs"] if m[18] == 1), None)
            opens[d["src"]] = o
        for d in dirs:
            d["context"] = derive_context(opens.get(d["src"]), opens.get(d["dst"]))
        result.extend(dirs)
    return result


def fmt_hex(msg):
    h = msg.hex()
    return "\n".join(h[i:i + 64] for i in range(0, len(h), 64))


def render(msgs, source, session, context):
    lines = []
    if source:
        lines.append("# source: " + source)
    if session:
        lines.append("# session: " + session)
    lines.append("# context: " + (context or ""))
    lines.append("# messages: " + ", ".join(summarize(m, context) for m in msgs))
    out = "\n".join(lines) + "\n"
    out += "\n\n".join(fmt_hex(m) for m in msgs) + "\n"
    return out


def parse_pick(spec):
    sel = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            sel.update(range(int(a), int(b) + 1))
        elif part:
            sel.add(int(part))
    return sel


def parse_types(specs):
    rev = {v: k for k, v in TYPE_NAMES.items()}
    rev["REFRESH"] = 5
    res = set()
    for s in specs:
        for t in s.split(","):
            t = t.strip().upper()
            res.add(int(t) if t.isdigit() else rev[t])
    return res


def endpoint_str(ep):
    return "%s:%d" % ep


def cmd_list(args):
    for d in load(args.pcap):
        print("stream %d  %s -> %s  (%d messages)  derived context: %r"
              % (d["stream"], endpoint_str(d["src"]), endpoint_str(d["dst"]),
                 len(d["msgs"]), d["context"]))
        for i, m in enumerate(d["msgs"], 1):
            extra = ""
            if args.verbose and m[18] == 2:
                extra = "  attrs=" + ",".join(str(c) for c in update_attr_codes(m))
            print("  %3d  len %5d  %s%s" % (i, len(m), summarize(m, d["context"] or ""), extra))


def select_messages(d, args):
    context = d["context"] if args.context is None else args.context
    msgs = list(enumerate(d["msgs"], 1))
    if args.pick:
        sel = parse_pick(args.pick)
        msgs = [(i, m) for i, m in msgs if i in sel]
    if args.type:
        types = parse_types(args.type)
        msgs = [(i, m) for i, m in msgs if m[18] in types]
    for code in args.attr or []:
        msgs = [(i, m) for i, m in msgs if m[18] == 2 and code in update_attr_codes(m)]
    if args.prefix:
        fams = context_addpath(context)
        msgs = [(i, m) for i, m in msgs if m[18] == 2 and args.prefix in update_prefixes(m, fams)]
    if args.grep:
        msgs = [(i, m) for i, m in msgs if args.grep in summarize(m, context or "")]
    if args.regex:
        rx = re.compile(args.regex)
        msgs = [(i, m) for i, m in msgs if rx.search(summarize(m, context or ""))]
    if args.first:
        msgs = msgs[:args.first]
    return context, msgs


def cmd_dump(args):
    cands = [d for d in load(args.pcap)
             if (args.stream is None or d["stream"] == args.stream)
             and (args.src is None or d["src"][0] == args.src
                  or endpoint_str(d["src"]) == args.src)]
    if not cands:
        sys.exit("no matching stream/direction (use --stream/--from; see 'list')")
    # Several connections from the same sender (reconnects): use the one where
    # the selection finds the most messages (first one on ties).
    best = None
    for d in cands:
        context, msgs = select_messages(d, args)
        if best is None or len(msgs) > len(best[2]):
            best = (d, context, msgs)
    d, context, msgs = best
    if len(cands) > 1:
        sys.stderr.write("note: %d connections match, using stream %d\n" % (len(cands), d["stream"]))
    if not msgs:
        sys.exit("selection is empty")
    text = render([m for _, m in msgs], args.source, args.session, context)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        sys.stderr.write("wrote %s (%d messages)\n" % (args.out, len(msgs)))
    else:
        sys.stdout.write(text)


def cmd_dumpall(args):
    os.makedirs(args.outdir, exist_ok=True)
    for d in load(args.pcap):
        name = "stream%d-%s-%d.hex" % (d["stream"], d["src"][0].replace(":", "_"), d["src"][1])
        path = os.path.join(args.outdir, name)
        src = "%s -> %s" % (endpoint_str(d["src"]), endpoint_str(d["dst"]))
        with open(path, "w") as f:
            f.write(render(d["msgs"], src, None, d["context"]))
        print(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list")
    p.add_argument("pcap")
    p.add_argument("-v", "--verbose", action="store_true", help="show UPDATE attribute codes")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("dump")
    p.add_argument("pcap")
    p.add_argument("--stream", type=int)
    p.add_argument("--from", dest="src", help="sender IP or IP:port")
    p.add_argument("--pick")
    p.add_argument("--type", action="append")
    p.add_argument("--grep")
    p.add_argument("--regex", help="keep messages whose summary matches this regex")
    p.add_argument("--attr", type=int, action="append",
                   help="keep UPDATEs carrying path attribute CODE (repeatable: all required)")
    p.add_argument("--prefix", help="keep UPDATEs announcing/withdrawing this unicast prefix")
    p.add_argument("--first", type=int, help="keep only the first N selected messages")
    p.add_argument("--source")
    p.add_argument("--session")
    p.add_argument("--context")
    p.add_argument("-o", "--out")
    p.set_defaults(fn=cmd_dump)
    p = sub.add_parser("dumpall")
    p.add_argument("pcap")
    p.add_argument("outdir")
    p.set_defaults(fn=cmd_dumpall)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
