// SPDX-License-Identifier: Apache-2.0
// One Calico node of the etcd cluster scenarios: its namespace on the cluster's L2 segment, the swiftletd that runs
// in it (etcd mode, or the file datastore to validate the lab), its pods, and what its swiftletd says about its BGP
// sessions (`swiftletctl show protocols --json`: name, state, peer address and the time of the last state change,
// which is how a scenario proves that a session did not restart).
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One address of a pod: a namespace behind a veth, Calico style (the node's end "caliN" 169.254.1.1/32, the pod's
/// end "eth0" with the pod's address /32 and a default route via 169.254.1.1 onlink, `POD dev caliN scope link` on
/// the node; for IPv6 see `EtcdClusterNode.addPod`).
struct EtcdClusterPod: Sendable {
    var ns: Namespace
    var address: String
    var device: String
}

/// One BGP session as `show protocols --json` lists it.
struct EtcdClusterSession: Sendable, Hashable, CustomStringConvertible {
    var name: String
    var state: String
    /// When `state` last changed (Unix seconds); the same value twice means the session did not go down between.
    var since: Double
    var peerAddress: String

    var description: String { "\(name) \(peerAddress) \(state) since \(since)" }
}

/// Unchecked: like `EtcdCluster`, used by the scenario's one task only.
final class EtcdClusterNode: @unchecked Sendable {
    /// 1-based; the node's address is 10.99.0.(10 + index).
    let index: Int
    /// The Calico Node name ("node-3").
    let name: String
    /// "n3": namespace, log and socket names.
    let tag: String
    let address: String
    /// The node's IPv6 address in a dual-stack cluster (fd00:99::(10+index)/64 on eth0), nil otherwise.
    let address6: String?
    let ns: Namespace
    let controlSocket: URL
    /// This node's labels and route reflector cluster ID (a route reflector has both).
    var labels: [String: String] = [:]
    var routeReflectorClusterID: String?
    /// `--etcd-lease-ttl`: how long the Node key outlives a dead swiftletd (30 s: swiftletd's default).
    var leaseTTL = 30
    /// The running swiftletd, nil before `start` and after `kill`. Only the scenario's task touches the node.
    private(set) var process: BackgroundProcess?
    private(set) var pods: [EtcdClusterPod] = []
    private var starts = 0

    static let subnetLength = 24

    init(index: Int, ns: Namespace, dualStack: Bool) {
        self.index = index
        self.ns = ns
        name = "node-\(index)"
        tag = "n\(index)"
        address = "10.99.0.\(10 + index)"
        address6 = dualStack ? "fd00:99::\(10 + index)" : nil
        controlSocket = ns.lab.file("swiftletd-n\(index).sock")
    }

    var cidr: String { "\(address)/\(Self.subnetLength)" }
    var cidr6: String? { address6.map { "\($0)/64" } }
    /// Every address the node peers from.
    var addresses: [String] { [address] + (address6.map { [$0] } ?? []) }
    /// Calico's name of the mesh session to this node: "Mesh_10_99_0_13".
    var meshSessionName: String { "Mesh_" + address.replacingOccurrences(of: ".", with: "_") }
    var isRunning: Bool { process?.isRunning ?? false }
    var logName: String { "swiftletd-\(tag)" }

    /// The Node resource the file datastore gets for this node (in etcd mode swiftletd registers its own, and a
    /// route reflector's is pre-created with this content).
    var resource: EtcdClusterResource {
        .node(name, ipv4: cidr, ipv6: cidr6, clusterID: routeReflectorClusterID, labels: labels)
    }

    // MARK: swiftletd

    /// swiftletd's arguments: etcd mode per the contract of issue #6 (`--datastore etcd`, the node registers itself
    /// with `--node-ip`, a lease of `leaseTTL` seconds), or the file datastore's directory.
    func arguments(datastore: EtcdClusterDatastore, etcdEndpoint: String?, configDirectory: URL) -> [String] {
        var arguments = [SwiftletDaemon.daemonBinary.path]
        switch datastore {
        case .etcd:
            arguments += [
                "--datastore", "etcd", "--etcd-endpoints", etcdEndpoint ?? "", "--node", name, "--node-ip", cidr,
                "--etcd-lease-ttl", "\(leaseTTL)",
            ]
            if let cidr6 { arguments += ["--node-ipv6", cidr6] }
            if !labels.isEmpty {
                let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                arguments += ["--node-labels", text]
            }
        case .file:
            arguments += ["--config", configDirectory.path, "--node", name]
        }
        return arguments + ["--control-socket", controlSocket.path, "--log-level", "debug"]
    }

    /// Starts swiftletd and waits (bounded) until its control socket answers.
    func start(_ arguments: [String]) async throws {
        try? FileManager.default.removeItem(at: controlSocket)
        starts += 1
        let process = try ns.spawn(starts == 1 ? logName : "\(logName)-\(starts)", arguments)
        self.process = process
        let up = await Poll.until(timeout: .seconds(20)) {
            if !process.isRunning { return true }
            return (try? ctl(["show", "protocols", "--json"]))?.ok ?? false
        }
        guard up, process.isRunning else {
            throw HarnessError("swiftletd on \(name) did not start (control socket):\n\(process.logText)")
        }
    }

    /// SIGKILL and wait for the exit: a node that dies without a word (no Cease, no clean-up).
    func kill() async throws {
        guard let process else { return }
        process.signal(SIGKILL)
        guard await process.waitExit() else { throw HarnessError("swiftletd on \(name) survived SIGKILL") }
        self.process = nil
    }

    /// SIGTERM (Cease to its peers) and wait for the exit.
    func stop() {
        process?.stop()
        process = nil
    }

    /// SIGSTOP: the node keeps its TCP connections open but says nothing (its peers' hold timers run).
    func freeze() { process?.freeze() }

    /// `swiftletctl --socket <socket> ARGS…`
    @discardableResult
    func ctl(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(
            [SwiftletDaemon.ctlBinary.path, "--socket", controlSocket.path] + arguments, timeout: .seconds(10))
    }

    /// Every session of `show protocols --json`; throws if the daemon does not answer.
    func sessions() throws -> [EtcdClusterSession] {
        let result = try ctl(["show", "protocols", "--json"])
        guard result.ok else { throw HarnessError("\(name): show protocols: \(result.output)") }
        return SwiftletDaemon.objects(in: result.stdout).compactMap { object in
            guard let name = object["name"] as? String, let state = object["state"] as? String,
                let since = (object["since"] as? NSNumber)?.doubleValue, let peer = object["peerAddress"] as? String
            else { return nil }
            return EtcdClusterSession(name: name, state: state, since: since, peerAddress: peer)
        }.sorted { $0.name < $1.name }
    }

    /// Everything about the node for a failure message: sessions, kernel routes, the log's tail.
    func describe() -> String {
        let protocols = (try? ctl(["show", "protocols"]))?.output ?? "(no answer)"
        let routes = [["-4"], ["-6"]].map { family in
            (try? Shell.run(["ip"] + family + ["-n", ns.name, "route", "show", "table", "all"]))?.output ?? ""
        }.joined()
        let log = process?.logText.split(separator: "\n").suffix(30).joined(separator: "\n") ?? "(not running)"
        return "=== \(name) \(address)\n\(protocols)\n--- routes\n\(routes)\n--- log\n\(log)"
    }

    // MARK: pods

    /// Adds a pod with `addresses` (one per family, inside the node's blocks) behind "cali<k>". IPv6 as Calico does
    /// it too: the pod's default route via a link-local gateway on the node's end (fe80::1 here), a /128 route to the
    /// pod on the node.
    func addPod(_ pod: Namespace, addresses: [String]) throws {
        let device = "cali\(Set(pods.map(\.ns.name)).count + 1)"
        let v6 = addresses.filter { $0.contains(":") }
        let nodeEnd = ["169.254.1.1/32"] + (v6.isEmpty ? [] : ["fe80::1/64"])
        let podEnd = addresses.map { $0.contains(":") ? "\($0)/128" : "\($0)/32" }
        try Shell.helper(
            "ns_veth",
            [ns.name, device, nodeEnd.joined(separator: ","), pod.name, "eth0", podEnd.joined(separator: ",")])
        for address in addresses {
            let scope = address.contains(":") ? [] : ["scope", "link"]
            try Shell.check(["ip", "-n", ns.name, "route", "add", address, "dev", device] + scope)
        }
        try Shell.check([
            "ip", "-n", pod.name, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0", "onlink",
        ])
        if !v6.isEmpty {
            try Shell.check(["ip", "-6", "-n", pod.name, "route", "add", "default", "via", "fe80::1", "dev", "eth0"])
        }
        try Kernel.sysctl(ns, ["net.ipv4.conf.\(device).rp_filter=0"])
        for address in addresses { pods.append(EtcdClusterPod(ns: pod, address: address, device: device)) }
    }
}
