# SPDX-License-Identifier: Apache-2.0
# The convergence poller of bench/cluster/run: asks the DUT (swiftletctl or birdc) for its sessions until every
# emulated node is Established and the DUT's table and exports are complete, and reads the DUT's CPU time and peak
# RSS from /proc at that moment. A bounded poll: it gives up at the deadline. Prints one JSON object.
#
# usage: poll.py swiftletd|bird CTL SOCKET NODES mesh|rr PID T0 TIMEOUT INTERVAL_MS LAST_OUTPUT_FILE
import json
import os
import re
import subprocess
import sys
import time

dut, ctl, socket, nodes, mode, pid, t0, timeout, interval_ms, last_output_file = sys.argv[1:]
nodes, pid, t0, timeout, interval = int(nodes), int(pid), float(t0), float(timeout), int(interval_ms) / 1000
# What each emulated node must get from the DUT: in the mesh, the DUT's own block; from a route reflector, every
# other node's block plus the reflector's own (nodes - 1 + 1).
expected_exports = 1 if mode == "mesh" else nodes
HZ = os.sysconf("SC_CLK_TCK")


def proc_sample():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / HZ  # utime, stime (fields 14, 15 of proc(5))
    hwm = rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return cpu, hwm, rss


def swiftletd_sessions():
    """(established, imported, exports per session) from `swiftletctl show protocols --json`."""
    out = subprocess.run(
        [ctl, "show", "protocols", "--socket", socket, "--json"], capture_output=True, text=True, timeout=10
    )
    raw_output[0] = out.stdout + out.stderr
    if out.returncode != 0 or not out.stdout.strip():
        return None
    data = json.loads(out.stdout)
    rows = data.get("protocols", data) if isinstance(data, dict) else data
    sessions = [r for r in rows if r.get("kind", "BGP") == "BGP"]
    established = sum(1 for r in sessions if r.get("state") == "Established")
    # BIRD's counters (routesImported / routesExported) where swiftletd reports them, so both DUTs are held to the
    # same definition; the older routesAccepted / routesAdvertised otherwise.
    imported = sum(int(r["routesImported"] if r.get("routesImported") is not None else r.get("routesAccepted", 0))
                   for r in sessions)
    exports = [int(r["routesExported"] if r.get("routesExported") is not None else r.get("routesAdvertised", 0))
               for r in sessions]
    return established, imported, exports


# The last answer, kept for a run that does not converge.
raw_output = [""]
ROUTES = re.compile(r"Routes:\s+(\d+) imported, (?:(\d+) filtered, )?(\d+) exported")


def bird_sessions():
    """The same from `birdc show protocols all`: the BGP protocols' state and their Routes: lines."""
    out = subprocess.run(["birdc", "-s", socket, "show", "protocols", "all"], capture_output=True, text=True,
                         timeout=10)
    raw_output[0] = out.stdout + out.stderr
    if out.returncode != 0:
        return None
    established = imported = 0
    exports = []
    current_bgp = False
    for line in out.stdout.splitlines():
        if line and not line[0].isspace() and not line.startswith(("BIRD", "Name")):
            words = line.split()
            current_bgp = len(words) >= 2 and words[1] == "BGP"
            if current_bgp and words[-1] == "Established":
                established += 1
        elif current_bgp:
            m = ROUTES.search(line)
            if m:
                imported += int(m.group(1))
                exports.append(int(m.group(3)))
    return established, imported, exports


query = swiftletd_sessions if dut == "swiftletd" else bird_sessions
deadline = time.time() + timeout
result = {"dut": dut, "mode": mode, "nodes": nodes, "converged": False, "polls": 0}
last = None
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        result["error"] = "DUT exited"
        break
    try:
        state = query()
    except (subprocess.TimeoutExpired, json.JSONDecodeError, ValueError) as error:
        state, result["last_error"] = None, str(error)
    now = time.time()
    result["polls"] += 1
    if state is not None:
        established, imported, exports = state
        last = {"established": established, "imported": imported,
                "exports_complete": sum(1 for e in exports if e >= expected_exports)}
        if established >= nodes and "established_seconds" not in result:
            result["established_seconds"] = round(now - t0, 3)
        if established >= nodes and imported >= nodes and last["exports_complete"] >= nodes:
            cpu, hwm, rss = proc_sample()
            result.update(converged=True, converged_seconds=round(now - t0, 3), cpu_seconds=round(cpu, 2),
                          peak_rss_kib=hwm, rss_kib=rss)
            break
    time.sleep(max(0.0, min(interval, deadline - time.time())))
result["last"] = last
with open(last_output_file, "w") as f:
    f.write(raw_output[0])
print(json.dumps(result, sort_keys=True))
