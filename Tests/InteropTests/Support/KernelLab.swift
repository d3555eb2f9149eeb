// SPDX-License-Identifier: Apache-2.0
// Support for the kernel scenarios (issue #5, KernelScenarioTests): Calico nodes as namespaces, each with one pod
// namespace behind a veth like a Calico workload, either on one subnet (a veth between the two nodes) or on two
// subnets joined by a router namespace (CrossSubnet); Calico v3 resources for swiftletd with VXLAN tunnel addresses
// and MACs; and the nodes' kernel state read back as canonical text (routes of a protocol, VXLAN device, ARP and FDB
// entries) so a check compares sets of lines and a failure shows both.
//
// Addressing: node i is 10.0.1.(i+1)/24 on one subnet, or 10.0.i.2/24 behind router 10.0.i.1; its block is the i-th
// /26 of 10.244.0.0/16 (10.244.0.0/26, 10.244.0.64/26, …), its VXLAN tunnel address the block's first address + 1
// and its pod the block's first address + 2 (10.244.0.1 and 10.244.0.2 for node 1). The uplink is "eth0" in every
// node; the pod's veth is "caliN" on the node (address 169.254.1.1/32, the pod's gateway) and "eth0" in the pod
// (the pod's address /32, default route via 169.254.1.1 onlink), with `POD dev caliN scope link` on the node.
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One Calico node of a kernel scenario.
struct KernelNode: Sendable {
    /// The Calico Node name ("node-1").
    var name: String
    /// Short tag for namespace and file names ("n1").
    var tag: String
    /// Uplink address (on "eth0") and its subnet length: `spec.bgp.ipv4Address` is "address/length".
    var address: String
    var subnetLength: Int = 24
    /// The default gateway (the router namespace's address on this node's subnet), or nil on a shared subnet.
    var gateway: String?
    /// The node's IPAM block (a confirmed BlockAffinity).
    var block: String
    /// The node's pod.
    var pod: String
    /// `spec.ipv4VXLANTunnelAddr` and `spec.vxlanTunnelMACAddr`.
    var tunnelAddress: String
    var tunnelMAC: String

    var cidr: String { "\(address)/\(subnetLength)" }

    /// Node `index` (1-based) of a lab: on one subnet 10.0.1.0/24, or on its own subnet 10.0.<index>.0/24.
    static func standard(_ index: Int, sharedSubnet: Bool) -> KernelNode {
        let base = (index - 1) * 64
        return KernelNode(
            name: "node-\(index)", tag: "n\(index)",
            address: sharedSubnet ? "10.0.1.\(index + 1)" : "10.0.\(index).2",
            gateway: sharedSubnet ? nil : "10.0.\(index).1",
            block: "10.244.0.\(base)/26", pod: "10.244.0.\(base + 2)", tunnelAddress: "10.244.0.\(base + 1)",
            tunnelMAC: String(format: "66:aa:00:00:00:%02x", index))
    }
}

/// A node's namespaces.
struct KernelHost: Sendable {
    var node: KernelNode
    var ns: Namespace
    var pod: Namespace
    /// The node's end of the pod veth ("cali1").
    var podDevice: String
}

/// The namespaces of a kernel scenario: the nodes with their pods, and the router if the nodes are on two subnets.
struct KernelCluster: Sendable {
    static let asNumber: UInt32 = 64512
    static let pool = "10.244.0.0/16"
    static let vxlanDevice = "vxlan.calico"
    static let vxlanVNI = 4096
    static let vxlanPort = 4789

    var hosts: [KernelHost]
    var router: Namespace?

    var nodes: [KernelNode] { hosts.map(\.node) }

    // MARK: swiftletd configuration

    /// The IPPool every node has.
    static func ipPool(vxlanMode: String, ipipMode: String = "Never") -> String {
        """
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {name: pods}
        spec: {cidr: \(pool), blockSize: 26, ipipMode: \(ipipMode), vxlanMode: \(vxlanMode), natOutgoing: false}
        """
    }

    /// A Node resource with the VXLAN tunnel address and MAC.
    static func nodeResource(_ node: KernelNode) -> String {
        """
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: \(node.name)}
        spec: {bgp: {ipv4Address: \(node.cidr)}, \(tunnelFields(node).joined(separator: ", "))}
        """
    }

    static func tunnelFields(_ node: KernelNode) -> [String] {
        ["ipv4VXLANTunnelAddr: \(node.tunnelAddress)", "vxlanTunnelMACAddr: \"\(node.tunnelMAC)\""]
    }

    /// swiftletd's config for `node`: the whole cluster (every Node with its tunnel fields, the pool, one
    /// BlockAffinity per entry of `blocks`, by default every node's own block), the node-to-node mesh, hold time 9 s,
    /// connect retry 1 s; `kernel` entries go into `BGPConfiguration.spec.kernel` (none: the defaults).
    func config(
        for node: KernelNode, vxlanMode: String, ipipMode: String = "Never",
        blocks: [(node: String, cidr: String)]? = nil, kernel: [String] = []
    ) -> SwiftletConfig {
        var config = SwiftletConfig(
            node: node.name, asNumber: Self.asNumber, ipv4Address: node.cidr, holdTime: 9)
        config.meshEnabled = true
        config.connectRetryTime = 1
        config.nodeSpec = Self.tunnelFields(node)
        if !kernel.isEmpty { config.configurationSpec = ["kernel: {\(kernel.joined(separator: ", "))}"] }
        let affinities = blocks ?? nodes.map { (node: $0.name, cidr: $0.block) }
        config.resources =
            [Self.ipPool(vxlanMode: vxlanMode, ipipMode: ipipMode)]
            + nodes.filter { $0.name != node.name }.map(Self.nodeResource)
            + affinities.map { Calico.blockAffinity(node: $0.node, cidr: $0.cidr) }
        return config
    }

    /// A swiftletd for `host` (files "swiftletd-n1.yaml", ".log", ".sock"; not started).
    func swiftlet(_ host: KernelHost, config: SwiftletConfig) throws -> SwiftletDaemon {
        try SwiftletDaemon(host.ns, config: config, name: "swiftletd-\(host.node.tag)")
    }
}

extension Lab {
    /// Builds the nodes (on one subnet: a veth "eth0" between the two of them; otherwise each on its own subnet
    /// behind the router namespace "rtr", default route via it), each node's pod, and the sysctls a Calico node has
    /// (ip_forward=1, rp_filter=0 on all, default and every device).
    func kernelCluster(_ nodes: [KernelNode]) throws -> KernelCluster {
        let shared = nodes.allSatisfy { $0.gateway == nil }
        var namespaces: [Namespace] = []
        for node in nodes {
            let ns = try namespace(node.tag)
            try Kernel.sysctl(
                ns, ["net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"])
            namespaces.append(ns)
        }
        var router: Namespace?
        if shared {
            guard nodes.count == 2 else { throw HarnessError("a shared subnet is one veth: exactly 2 nodes") }
            try link(namespaces[0], [nodes[0].cidr], namespaces[1], [nodes[1].cidr], device: "eth0")
        } else {
            let rtr = try namespace("rtr")
            try Kernel.sysctl(
                rtr, ["net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"])
            for (index, node) in nodes.enumerated() {
                guard let gateway = node.gateway else { throw HarnessError("\(node.name) has no gateway") }
                try Shell.helper(
                    "ns_veth",
                    [
                        namespaces[index].name, "eth0", node.cidr, rtr.name, "eth\(index + 1)",
                        "\(gateway)/\(node.subnetLength)",
                    ])
                try Shell.check(["ip", "-n", namespaces[index].name, "route", "add", "default", "via", gateway])
            }
            router = rtr
        }
        var hosts: [KernelHost] = []
        for (index, node) in nodes.enumerated() {
            let ns = namespaces[index]
            let pod = try namespace("p\(index + 1)")
            let device = "cali\(index + 1)"
            try Shell.helper("ns_veth", [ns.name, device, "169.254.1.1/32", pod.name, "eth0", "\(node.pod)/32"])
            try Shell.check(["ip", "-n", ns.name, "route", "add", "\(node.pod)/32", "dev", device, "scope", "link"])
            try Shell.check([
                "ip", "-n", pod.name, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink",
            ])
            try Kernel.sysctl(ns, ["net.ipv4.conf.eth0.rp_filter=0", "net.ipv4.conf.\(device).rp_filter=0"])
            hosts.append(KernelHost(node: node, ns: ns, pod: pod, podDevice: device))
        }
        return KernelCluster(hosts: hosts, router: router)
    }
}

// MARK: - kernel state

/// A namespace's kernel state as canonical text lines.
enum Kernel {
    static func sysctl(_ ns: Namespace, _ settings: [String]) throws {
        try Shell.check(["ip", "netns", "exec", ns.name, "sysctl", "-qw"] + settings)
    }

    /// `ip -j … ARGS`, decoded as an array of objects.
    static func json(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Shell.check(arguments)
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return [] }
        guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
            throw HarnessError("not a JSON array from `\(arguments.joined(separator: " "))`: \(text)")
        }
        return array.compactMap { $0 as? [String: Any] }
    }

    /// One route of `ip -j route show` in iproute2's text order: "[TYPE ]DST[ via GW][ dev DEV][ table T]
    /// proto P[ scope S][ metric M][ FLAGS…]" (type only when not unicast, table only when not main, scope only
    /// when not global).
    static func canonicalRoute(_ route: [String: Any]) -> String {
        var parts: [String] = []
        if let type = route["type"] as? String, type != "unicast" { parts.append(type) }
        parts.append(route["dst"] as? String ?? "?")
        if let gateway = route["gateway"] as? String { parts.append("via \(gateway)") }
        if let dev = route["dev"] as? String { parts.append("dev \(dev)") }
        if let table = route["table"] as? String ?? (route["table"] as? Int).map(String.init), table != "main" {
            parts.append("table \(table)")
        }
        if let proto = route["protocol"] as? String ?? (route["protocol"] as? Int).map(String.init) {
            parts.append("proto \(proto)")
        }
        if let scope = route["scope"] as? String, scope != "global" { parts.append("scope \(scope)") }
        if let metric = route["metric"] as? Int { parts.append("metric \(metric)") }
        parts += (route["flags"] as? [String] ?? []).sorted()
        return parts.joined(separator: " ")
    }

    /// Every IPv4 route of protocol `proto` (its name in /etc/iproute2/rt_protos, or its number) in every table,
    /// canonical, sorted. (Not `ip route show proto P`: iproute2 leaves the protocol out of what it prints then.)
    static func routes(_ ns: Namespace, proto: String = "bird") throws -> [String] {
        try json(["ip", "-j", "-4", "-n", ns.name, "route", "show", "table", "all"]).filter { route in
            (route["protocol"] as? String ?? (route["protocol"] as? Int).map(String.init)) == proto
        }.map(canonicalRoute).sorted()
    }

    /// The routes (any protocol, any table) for exactly `prefix`, canonical.
    static func routes(_ ns: Namespace, exactly prefix: String) throws -> [String] {
        try json(["ip", "-j", "-4", "-n", ns.name, "route", "show", "table", "all", "exact", prefix])
            .map(canonicalRoute).sorted()
    }

    /// The text form, for failure messages.
    static func describe(_ ns: Namespace) -> String {
        let commands: [[String]] = [
            ["ip", "-4", "-n", ns.name, "route", "show", "table", "all"],
            ["ip", "-d", "-n", ns.name, "link", "show", "dev", KernelCluster.vxlanDevice],
            ["ip", "-n", ns.name, "addr", "show", "dev", KernelCluster.vxlanDevice],
            ["ip", "-n", ns.name, "neigh", "show", "dev", KernelCluster.vxlanDevice],
            ["ip", "netns", "exec", ns.name, "bridge", "fdb", "show", "dev", KernelCluster.vxlanDevice],
        ]
        return commands.map { command in
            let result = try? Shell.run(command)
            return "$ \(command.joined(separator: " "))\n\(result?.output ?? "(failed)")"
        }.joined(separator: "\n")
    }

    /// The VXLAN device as one line: "vxlan id N local A port P learning|nolearning mtu M mac X addr A/L…", or nil
    /// if there is none.
    static func vxlanDevice(_ ns: Namespace, name: String = KernelCluster.vxlanDevice) throws -> String? {
        let result = try Shell.run(["ip", "-j", "-d", "-n", ns.name, "link", "show", "dev", name])
        guard result.ok else { return nil }
        guard let link = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])?.first
        else { return nil }
        let info = link["linkinfo"] as? [String: Any] ?? [:]
        let data = info["info_data"] as? [String: Any] ?? [:]
        var parts = [info["info_kind"] as? String ?? "?"]
        parts.append("id \(data["id"] as? Int ?? -1)")
        parts.append("local \(data["local"] as? String ?? "none")")
        parts.append("port \(data["port"] as? Int ?? -1)")
        parts.append((data["learning"] as? Bool ?? true) ? "learning" : "nolearning")
        parts.append("mtu \(link["mtu"] as? Int ?? -1)")
        parts.append("mac \(link["address"] as? String ?? "?")")
        let flags = link["flags"] as? [String] ?? []
        parts.append(flags.contains("UP") ? "up" : "down")
        let addresses = try json(["ip", "-j", "-4", "-n", ns.name, "addr", "show", "dev", name])
            .flatMap { $0["addr_info"] as? [[String: Any]] ?? [] }
            .map { "addr \($0["local"] as? String ?? "?")/\($0["prefixlen"] as? Int ?? -1)" }.sorted()
        return (parts + addresses).joined(separator: " ")
    }

    /// The device's MTU.
    static func mtu(_ ns: Namespace, device: String) throws -> Int {
        let links = try json(["ip", "-j", "-n", ns.name, "link", "show", "dev", device])
        guard let mtu = links.first?["mtu"] as? Int else { throw HarnessError("no MTU for \(device) in \(ns.name)") }
        return mtu
    }

    /// IPv4 neighbour entries of `device`: "ADDR lladdr MAC STATE…", sorted.
    static func neighbours(_ ns: Namespace, device: String = KernelCluster.vxlanDevice) throws -> [String] {
        try json(["ip", "-j", "-4", "-n", ns.name, "neigh", "show", "dev", device]).map { entry in
            let state = (entry["state"] as? [String] ?? []).joined(separator: ",")
            return "\(entry["dst"] as? String ?? "?") lladdr \(entry["lladdr"] as? String ?? "none") \(state)"
        }.sorted()
    }

    /// FDB entries of `device` with a remote: "MAC dst ADDR STATE", sorted (the device's own entries without
    /// a `dst` are left out).
    static func fdb(_ ns: Namespace, device: String = KernelCluster.vxlanDevice) throws -> [String] {
        try json(["ip", "netns", "exec", ns.name, "bridge", "-j", "fdb", "show", "dev", device]).compactMap {
            entry in
            guard let dst = entry["dst"] as? String else { return nil }
            let state = entry["state"] as? String ?? ""
            return "\(entry["mac"] as? String ?? "?") dst \(dst) \(state.isEmpty ? "-" : state)"
        }.sorted()
    }

    // MARK: pod traffic

    /// Whether `pod` reaches `address` right now: `ping -c 3 -W 1` (at 0.2 s intervals) when ping is installed,
    /// otherwise a TCP SYN to port 9 answered by a RST ("Connection refused": the round trip worked).
    static func reaches(_ pod: Namespace, _ address: String) -> (ok: Bool, output: String) {
        if pingAvailable {
            let result = try? pod.run(["ping", "-n", "-c", "3", "-W", "1", "-i", "0.2", address])
            return (result?.ok ?? false, result?.output ?? "ping did not run")
        }
        let result = try? pod.run([
            "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/\(address)/9", "probe",
        ])
        let output = result?.output ?? "probe did not run"
        return (output.contains("Connection refused"), "TCP probe to \(address):9: \(output)")
    }

    static let pingAvailable: Bool = (try? Shell.run(["sh", "-c", "command -v ping"]))?.ok ?? false

    /// Polls until `pod` reaches `address` (at most `timeout`); the last attempt's output otherwise.
    static func waitReaches(_ pod: Namespace, _ address: String, timeout: Duration = .seconds(30)) async
        -> (ok: Bool, output: String)
    {
        var last = (ok: false, output: "")
        _ = await Poll.until(timeout: timeout, every: .milliseconds(300)) {
            last = reaches(pod, address)
            return last.ok
        }
        return last
    }
}

// MARK: - expectations

extension KernelCluster {
    /// The routes swiftletd on `node` must install: its own blocks as blackholes, every other node's block via that
    /// node (on the uplink) or, over VXLAN, via its tunnel address on the VXLAN device, onlink.
    static func expectedRoutes(
        on node: KernelNode, others: [KernelNode], vxlan: (KernelNode) -> Bool, ownBlocks: [String]? = nil,
        metric: Int = 1024
    ) -> [String] {
        var lines = (ownBlocks ?? [node.block]).map { "blackhole \($0) proto bird metric \(metric)" }
        for other in others where other.name != node.name {
            if vxlan(other) {
                lines.append(
                    "\(other.block) via \(other.tunnelAddress) dev \(vxlanDevice) proto bird metric \(metric) onlink")
            } else {
                lines.append("\(other.block) via \(other.address) dev eth0 proto bird metric \(metric)")
            }
        }
        return lines.sorted()
    }

    /// Differences between two sets of lines, one problem per line ("missing …", "unexpected …").
    static func difference(_ what: String, expected: [String], actual: [String]) -> [String] {
        let want = Set(expected)
        let have = Set(actual)
        return want.subtracting(have).sorted().map { "\(what): missing   \($0)" }
            + have.subtracting(want).sorted().map { "\(what): unexpected \($0)" }
    }

    /// Polls `problems` until it returns nothing (bounded); then requires it to stay empty for `stable`. Throws
    /// with every remaining problem and `describe()` otherwise.
    static func requireConverged(
        _ what: String, timeout: Duration = .seconds(30), stable: Duration = .seconds(1),
        describe: () -> String, _ problems: () throws -> [String]
    ) async throws {
        var last: [String] = []
        let converged = await Poll.until(timeout: timeout, every: .milliseconds(250)) {
            do { last = try problems() } catch { last = ["query failed: \(error)"] }
            return last.isEmpty
        }
        guard converged else {
            throw HarnessError("\(what) never converged:\n\(last.joined(separator: "\n"))\n\n\(describe())")
        }
        let holds = await Poll.holds(for: stable, every: .milliseconds(250)) {
            do { last = try problems() } catch { last = ["query failed: \(error)"] }
            return last.isEmpty
        }
        guard holds else {
            throw HarnessError("\(what) converged, then changed:\n\(last.joined(separator: "\n"))\n\n\(describe())")
        }
    }

    /// Every node's kernel, for failure messages; with swiftletd's view if given.
    func describe(_ daemons: [SwiftletDaemon] = []) -> String {
        var text = hosts.map { "=== \($0.node.name) (\($0.ns.name))\n\(Kernel.describe($0.ns))" }
            .joined(separator: "\n")
        for daemon in daemons {
            let kernel = (try? daemon.ctl(["show", "kernel"]))?.output ?? ""
            let status = (try? daemon.ctl(["show", "status"]))?.output ?? ""
            text += "\n=== \(daemon.label): show kernel\n\(kernel)\n--- show status\n\(status)"
            text += "\n--- protocols\n\((try? daemon.ctl(["show", "protocols"]))?.output ?? "")"
        }
        return text
    }
}

// MARK: - route monitor

/// `ip -n NS monitor route` running in the background into `<lab>/<name>.log`. `mark` adds and deletes a route of
/// protocol "static" that nothing else touches and waits until the monitor has printed it: everything the kernel
/// did before the mark is in the log by then, so the log can be cut at marks.
final class RouteMonitor: Sendable {
    let process: BackgroundProcess
    let ns: Namespace
    private let counter = Mutex(0)

    init(_ ns: Namespace, name: String) throws {
        self.ns = ns
        process = try ns.lab.spawn(name, ["ip", "-n", ns.name, "monitor", "route"])
    }

    /// Adds and deletes `blackhole 192.0.2.N/32 proto static` until the monitor shows either (bounded; a replace of
    /// an identical route is not notified, so each round adds and deletes); returns the marker's address.
    func mark() async throws -> String {
        let n = counter.withLock { value in
            value += 1
            return value
        }
        let prefix = "192.0.2.\(n)"
        let seen = await Poll.until(timeout: .seconds(10), every: .milliseconds(100)) {
            _ = try? Shell.run(["ip", "-n", ns.name, "route", "add", "blackhole", "\(prefix)/32", "proto", "static"])
            _ = try? Shell.run(["ip", "-n", ns.name, "route", "del", "blackhole", "\(prefix)/32", "proto", "static"])
            return process.logText.contains("blackhole \(prefix) ")
        }
        guard seen else {
            throw HarnessError("route monitor in \(ns.name) never showed marker \(prefix):\n\(process.logText)")
        }
        return prefix
    }

    /// The log lines between the first line mentioning marker `from` and the first mentioning `to`.
    func lines(between from: String, and to: String) -> [String] {
        let all = process.logText.split(separator: "\n").map(String.init)
        guard let start = all.firstIndex(where: { $0.contains("blackhole \(from) ") }),
            let end = all.firstIndex(where: { $0.contains("blackhole \(to) ") }), start < end
        else { return all }
        return Array(all[(start + 1)..<end])
    }
}

extension KernelCluster {
    /// The VXLAN device as swiftletd must create it on `host` (VNI 4096, port 4789, nolearning, local = the node's
    /// address, its tunnel MAC, its tunnel address /32, MTU 50 below the uplink's, up), one permanent ARP entry
    /// (tunnel address → MAC) and one FDB entry (MAC → node address) per node in `remotes`, and nothing else on it.
    static func vxlanProblems(_ host: KernelHost, remotes: [KernelNode]) throws -> [String] {
        let node = host.node
        let who = node.name
        let uplinkMTU = try Kernel.mtu(host.ns, device: "eth0")
        let wantDevice =
            "vxlan id \(vxlanVNI) local \(node.address) port \(vxlanPort) nolearning mtu \(uplinkMTU - 50)"
            + " mac \(node.tunnelMAC) up addr \(node.tunnelAddress)/32"
        guard let device = try Kernel.vxlanDevice(host.ns) else { return ["\(who): no \(vxlanDevice) device"] }
        var problems: [String] = []
        if device != wantDevice {
            problems.append("\(who): \(vxlanDevice) is\n    \(device)\n  expected\n    \(wantDevice)")
        }
        problems += difference(
            "\(who) ARP on \(vxlanDevice)",
            expected: remotes.map { "\($0.tunnelAddress) lladdr \($0.tunnelMAC) PERMANENT" },
            actual: try Kernel.neighbours(host.ns))
        problems += difference(
            "\(who) FDB on \(vxlanDevice)", expected: remotes.map { "\($0.tunnelMAC) dst \($0.address) permanent" },
            actual: try Kernel.fdb(host.ns))
        return problems
    }
}

// MARK: - swiftletd's view

/// The totals of `swiftletctl show kernel` (also in `show status`): "Routes: N installed, N pending, N failed,
/// N foreign; changes: N add, N replace, N delete, N refused in N batches; stale routes swept|not swept yet".
struct KernelSummary: Sendable, Equatable, CustomStringConvertible {
    var installed = 0, pending = 0, failed = 0, foreign = 0
    var adds = 0, replaces = 0, deletes = 0, refused = 0, batches = 0
    var swept = false
    var line = ""

    /// From `show kernel`, or from `show status` (its "Kernel: protocol 12, table 254; Routes: …" line).
    init?(_ daemon: SwiftletDaemon, command: [String] = ["show", "kernel"]) {
        guard let result = try? daemon.ctl(command), result.ok else { return nil }
        self.init(text: result.stdout)
    }

    init?(text: String) {
        guard let full = text.split(separator: "\n").first(where: { $0.contains("Routes: ") }),
            let start = full.range(of: "Routes: ")
        else { return nil }
        let line = full[start.lowerBound...]
        self.line = String(line)
        // Every "N word" pair of the line, in order.
        let words = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == ":" })
        var values: [String: Int] = [:]
        for (index, word) in words.enumerated() where index + 1 < words.count {
            if let n = Int(word) { values[String(words[index + 1])] = n }
        }
        guard let installed = values["installed"], let pending = values["pending"], let failed = values["failed"],
            let foreign = values["foreign"]
        else { return nil }
        self.installed = installed
        self.pending = pending
        self.failed = failed
        self.foreign = foreign
        adds = values["add"] ?? -1
        replaces = values["replace"] ?? -1
        deletes = values["delete"] ?? -1
        refused = values["refused"] ?? -1
        batches = values["batches"] ?? -1
        swept = line.hasSuffix("stale routes swept")
    }

    var description: String { line }
}

// MARK: - extra pods (LearnedRouteScenarioTests)

extension Lab {
    /// One more pod on `host`: namespace "<tag>" with `address`/32 on its "eth0" and a default route via
    /// 169.254.1.1 onlink, behind veth `device` on the node (169.254.1.1/32, rp_filter off). No route to the pod is
    /// added on the node: that is Felix's job, and the scenario's subject (`ip route add ADDRESS/32 dev DEVICE`).
    func extraPod(on host: KernelHost, tag: String, address: String, device: String) throws -> Namespace {
        let pod = try namespace(tag)
        try Shell.helper("ns_veth", [host.ns.name, device, "169.254.1.1/32", pod.name, "eth0", "\(address)/32"])
        try Shell.check([
            "ip", "-n", pod.name, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink",
        ])
        try Kernel.sysctl(host.ns, ["net.ipv4.conf.\(device).rp_filter=0"])
        return pod
    }
}
