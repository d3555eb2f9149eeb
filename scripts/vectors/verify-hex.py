#!/usr/bin/env python3
"""Sanity-check golden-vector .hex files: every message has the BGP marker and
a length field equal to its byte count, and tshark decodes it without a
malformed-packet / error expert item.

Usage: verify-hex.py [-v] FILE.hex...     (-v: print tshark's BGP decode)

Each message is wrapped in its own TCP segment to port 179 (text2pcap) so
tshark dissects it as BGP; ADD-PATH files (context addpath=...) are decoded
with tshark's BGP "add path" heuristics left on its default.  With
"extended-message" in the context, tshark's "Length is invalid" error for
messages of 4097..65535 bytes is ignored (tshark 4.0 predates RFC 8654).
"""
import os
import re
import subprocess
import sys
import tempfile


def read_hex(path):
    header, msgs, cur = {}, [], ""
    for line in open(path):
        line = line.strip()
        if line.startswith("#"):
            k, _, v = line[1:].partition(":")
            header[k.strip()] = v.strip()
        elif not line:
            if cur:
                msgs.append(bytes.fromhex(cur))
            cur = ""
        else:
            cur += line
    if cur:
        msgs.append(bytes.fromhex(cur))
    return header, msgs


def tshark_decode(msgs):
    with tempfile.TemporaryDirectory() as d:
        txt, pcap = os.path.join(d, "m.txt"), os.path.join(d, "m.pcap")
        with open(txt, "w") as f:
            for m in msgs:
                for off in range(0, len(m), 16):
                    f.write("%06x %s\n" % (off, " ".join("%02x" % b for b in m[off:off + 16])))
                f.write("\n")
        subprocess.run(["text2pcap", "-q", "-T", "40179,179", txt, pcap], check=True,
                       capture_output=True)
        return subprocess.run(["tshark", "-r", pcap, "-V", "-Y", "bgp"], check=True,
                              capture_output=True, text=True).stdout


def main():
    verbose = "-v" in sys.argv
    files = [a for a in sys.argv[1:] if a != "-v"]
    bad = 0
    for path in files:
        header, msgs = read_hex(path)
        problems = []
        for i, m in enumerate(msgs, 1):
            if m[:16] != b"\xff" * 16:
                problems.append("msg %d: bad marker" % i)
            if int.from_bytes(m[16:18], "big") != len(m):
                problems.append("msg %d: length field %d != %d bytes"
                                % (i, int.from_bytes(m[16:18], "big"), len(m)))
        out = tshark_decode(msgs)
        errs = [l.strip() for l in out.splitlines() if "[Expert Info (Error" in l]
        # tshark 4.0 knows no RFC 8654 Extended Message: with extended-message in
        # the context, "Length is invalid N" for 4096 < N <= 65535 is expected.
        if "extended-message" in header.get("context", ""):
            errs = [l for l in errs
                    if not (re.search(r"Length is invalid (\d+)", l)
                            and 4096 < int(re.search(r"Length is invalid (\d+)", l).group(1)) <= 65535)]
        problems += ["tshark: " + l for l in errs]
        if any("[Malformed Packet" in l for l in out.splitlines()):
            problems.append("tshark: malformed packet")
        print("%-50s %2d msgs  %s" % (os.path.basename(path), len(msgs),
                                      "OK" if not problems else "PROBLEMS"))
        for p in problems:
            print("    " + p)
        bad += bool(problems)
        if verbose:
            print(out)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
