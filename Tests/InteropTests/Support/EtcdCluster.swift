// SPDX-License-Identifier: Apache-2.0
// The multi-node cluster of issue #6 in network namespaces (EtcdClusterScenarioTests): one L2 segment, a bridge "br0"
// in a "fabric" namespace, with an etcd namespace (10.99.0.2/24) and node namespaces (node i: 10.99.0.(10+i)/24 on
// "eth0", plus fd00:99::(10+i)/64 in a dual-stack cluster) on it; each node with a pod whose addresses lie in the
// node's blocks (one per family). Nodes run swiftletd with the kernel on, so the checks read the kernel (`proto bird`
// routes) and send pod-to-pod pings. Namespaces are "swe-<pid>-<n>-<tag>" (removed by the lab's teardown, or by the
// next run if this process died); processes are the lab's, stopped by PID.
//
// The cluster's state lives in an `EtcdClusterStore`: etcd (the real thing) or the file datastore, which lets the
// same checks validate the lab before swiftletd's etcd mode exists.
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Unchecked: the scenario's one task builds, changes and reads the cluster; nothing else holds it.
final class EtcdCluster: @unchecked Sendable {
    static let asNumber: UInt32 = 64512
    /// Calico's default block sizes: /26 for IPv4, /122 for IPv6 (a /48 pool, the shape of Calico's default).
    static let pool = EtcdClusterStore.Pool(name: "pods", cidr: "10.244.0.0/16", blockSize: 26)
    static let pool6 = EtcdClusterStore.Pool(name: "pods-v6", cidr: "fd00:244::/48", blockSize: 122)
    static let etcdAddress = "10.99.0.2"
    /// Every namespace of this process starts with "swe-<pid>-".
    static let prefix = "swe-\(getpid())-"
    private static let counter = Atomic<Int>(0)

    let lab: Lab
    /// "swe-<pid>-<n>": this cluster's namespace prefix.
    let id: String
    let fabric: Namespace
    let store: EtcdClusterStore
    /// Every node ever added, in order of addition (removed ones included: `members` are the live ones).
    private(set) var nodes: [EtcdClusterNode] = []
    /// Names of the nodes that are part of the cluster (added and not removed).
    private(set) var memberNames: [String] = []

    /// Nodes have IPv6 addresses too (`--node-ipv6`), and there is an IPv6 pool.
    let dualStack: Bool
    var datastore: EtcdClusterDatastore { store.datastore }
    var etcd: EtcdClusterEtcd? { store.etcd }
    var members: [EtcdClusterNode] { nodes.filter { memberNames.contains($0.name) } }

    /// The fabric namespace with its bridge and, in etcd mode, the etcd namespace with etcd running.
    init(lab: Lab, datastore: EtcdClusterDatastore, dualStack: Bool = false) async throws {
        Self.removeLeftovers()
        self.lab = lab
        self.dualStack = dualStack
        id = "\(Self.prefix)\(Self.counter.add(1, ordering: .relaxed).newValue)"
        fabric = try Self.namespace("\(id)-fab", lab: lab)
        try Shell.check(["ip", "-n", fabric.name, "link", "add", "br0", "type", "bridge"])
        try Shell.check(["ip", "-n", fabric.name, "link", "set", "br0", "up"])
        var etcd: EtcdClusterEtcd?
        if datastore == .etcd {
            let ns = try Self.namespace("\(id)-etcd", lab: lab)
            try Self.attach(ns, address: "\(Self.etcdAddress)/24", port: "etcd", fabric: fabric)
            etcd = try EtcdClusterEtcd(ns: ns, address: Self.etcdAddress)
        }
        store = try EtcdClusterStore(
            datastore: datastore, etcd: etcd, directory: lab.file("datastore"),
            pools: dualStack ? [Self.pool, Self.pool6] : [Self.pool])
        try await etcd?.start()
    }

    /// The resources every scenario starts with: BGPConfiguration "default" (mesh on or off) and the pools.
    func putClusterResources(mesh: Bool) throws {
        try store.put(.bgpConfiguration(asNumber: Self.asNumber, mesh: mesh))
        for pool in store.pools { try store.put(pool.resource) }
    }

    // MARK: nodes

    /// A node namespace on the segment (forwarding on, rp_filter off, as on a Calico node); swiftletd not started.
    func addNode(_ index: Int) throws -> EtcdClusterNode {
        let ns = try Self.namespace("\(id)-n\(index)", lab: lab)
        try Kernel.sysctl(
            ns,
            [
                "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                "net.ipv6.conf.all.forwarding=1",
            ])
        let node = EtcdClusterNode(index: index, ns: ns, dualStack: dualStack)
        try Self.attach(
            ns, address: ([node.cidr] + [node.cidr6].compactMap { $0 }).joined(separator: ","),
            port: "n\(index)", fabric: fabric)
        try Kernel.sysctl(ns, ["net.ipv4.conf.eth0.rp_filter=0"])
        nodes.append(node)
        return node
    }

    /// Joins `node` to the running cluster: starts its swiftletd and waits (bounded) until it has a block, then gives
    /// it a pod in its first block. Etcd mode: swiftletd registers its Node and claims the block itself. File mode:
    /// the harness writes the Node and a block, and every running swiftletd reloads.
    func start(_ node: EtcdClusterNode) async throws {
        memberNames.append(node.name)
        if datastore == .file {
            try store.put(node.resource)
            try store.assignFileBlocks(to: node.name)
        }
        try await node.start(arguments(for: node))
        if datastore == .file { try reloadAll(except: node) }
        // A block per pool (the first of each family hosts the pod).
        var firstBlocks: [String] = []
        let claimed = await Poll.until(timeout: .seconds(20)) {
            let blocks = (try? store.blocks(of: node.name)) ?? []
            firstBlocks = store.pools.compactMap { pool in blocks.first { $0.contains(":") == pool.ipv6 } }
            return firstBlocks.count == store.pools.count
        }
        guard claimed else {
            throw HarnessError("\(node.name) did not claim a block per pool:\n\(node.describe())\n\(storeDump())")
        }
        let pod = try Self.namespace("\(id)-p\(node.index)", lab: lab)
        try node.addPod(pod, addresses: firstBlocks.map { try Self.podAddress(in: $0) })
    }

    func arguments(for node: EtcdClusterNode) -> [String] {
        node.arguments(datastore: datastore, etcdEndpoint: etcd?.endpoint, configDirectory: store.directory)
    }

    /// Restarts `node`'s swiftletd (SIGTERM, then a new process with the same arguments): it keeps its Node and its
    /// blocks (contract of issue #6: a restart must not drop traffic).
    /// `whileDown` runs between the exit and the new start.
    func restart(_ node: EtcdClusterNode, whileDown: () throws -> Void = {}) async throws {
        node.stop()
        try whileDown()
        try await node.start(arguments(for: node))
    }

    /// `node` is no longer part of the cluster (its swiftletd died and its lease expired): the checks stop
    /// expecting it.
    func forget(_ node: EtcdClusterNode) {
        memberNames.removeAll { $0 == node.name }
    }

    /// Takes `node` out of the cluster the way an operator removes a dead node: its Node resource deleted.
    func removeNodeResource(_ node: EtcdClusterNode) throws {
        memberNames.removeAll { $0 == node.name }
        try store.delete(kind: "Node", name: node.name)
        if datastore == .file {
            for name in fileAffinities(of: node.name) { try store.delete(kind: "BlockAffinity", name: name) }
            try reloadAll(except: node)
        }
    }

    /// A resource changed in the file datastore: every running swiftletd but `except` re-reads it.
    func reloadAll(except: EtcdClusterNode? = nil) throws {
        guard datastore == .file else { return }
        for node in members where node !== except && node.isRunning {
            let result = try node.ctl(["reload"])
            guard result.ok else { throw HarnessError("\(node.name): reload failed: \(result.output)") }
        }
    }

    /// Writes a resource; in file mode every running swiftletd reloads.
    func put(_ resource: EtcdClusterResource) throws {
        try store.put(resource)
        try reloadAll()
    }

    private func fileAffinities(of node: String) -> [String] {
        ((try? store.blocks(of: node)) ?? []).map { EtcdClusterResource.blockAffinity(node: node, cidr: $0).name }
    }

    /// The pod's address: the block's base + 2 (+1 is where Calico would put a tunnel address).
    static func podAddress(in block: String) throws -> String {
        try EtcdClusterAddress.address(2, in: block)
    }

    // MARK: checks

    /// Every member's blocks (one per pool at least; none equal to or overlapping another block), and each one's
    /// block record names that member as its owner.
    func blockProblems() throws -> [String] {
        let table = try members.map { ($0.name, try store.blocks(of: $0.name)) }
        var problems = Self.blockProblems(table, pools: store.pools)
        for (node, blocks) in table {
            for block in blocks {
                let owner = try store.blockOwner(block)
                if owner != node { problems.append("\(node): block \(block) is owned by \(owner ?? "nobody")") }
            }
        }
        return problems
    }

    /// Problems with a block table: a node without a block of some pool, a block that is not a block of a pool (its
    /// family's, of the pool's block size), two blocks (of one node or two) that overlap. Pure.
    static func blockProblems(
        _ table: [(node: String, blocks: [String])], pools: [EtcdClusterStore.Pool] = [pool]
    ) -> [String] {
        var problems: [String] = []
        var seen: [(node: String, block: String, ipv6: Bool, range: ClosedRange<UInt128>)] = []
        for (node, blocks) in table {
            for pool in pools where !blocks.contains(where: { $0.contains(":") == pool.ipv6 }) {
                problems.append("\(node): no block of \(pool.cidr)")
            }
            for block in blocks {
                guard let (ipv6, length, range) = EtcdClusterAddress.range(block),
                    pools.contains(where: { pool in
                        guard let (poolV6, _, poolRange) = EtcdClusterAddress.range(pool.cidr) else { return false }
                        return poolV6 == ipv6 && length == pool.blockSize && poolRange.contains(range.lowerBound)
                            && poolRange.contains(range.upperBound)
                    })
                else {
                    problems.append("\(node): block \(block) is not a block of \(pools.map(\.cidr))")
                    continue
                }
                for other in seen where other.ipv6 == ipv6 && other.range.overlaps(range) {
                    problems.append("\(node) block \(block) overlaps \(other.node) block \(other.block)")
                }
                seen.append((node, block, ipv6, range))
            }
        }
        return problems
    }

    /// The `proto bird` routes `node` must have in one family: its own blocks blackholed, every other member's
    /// blocks via that member on eth0 (one segment: no encapsulation), metric 1024 (swiftletd's default, like
    /// calico/node's BIRD). iproute2 shows an IPv6 blackhole on "lo".
    func expectedRoutes(on node: EtcdClusterNode, blocks: [String: [String]], ipv6: Bool) -> [String] {
        let family = { (block: String) in block.contains(":") == ipv6 }
        var lines = (blocks[node.name] ?? []).filter(family).map {
            "blackhole \($0)\(ipv6 ? " dev lo" : "") proto bird metric 1024"
        }
        for other in members where other.name != node.name {
            guard let via = ipv6 ? other.address6 : other.address else { continue }
            lines += (blocks[other.name] ?? []).filter(family).map {
                "\($0) via \(via) dev eth0 proto bird metric 1024"
            }
        }
        return lines.sorted()
    }

    /// Every running member's kernel routes against `expectedRoutes`, and no route to a block of `gone` nodes.
    func routeProblems() throws -> [String] {
        var blocks: [String: [String]] = [:]
        for node in members { blocks[node.name] = try store.blocks(of: node.name) }
        var problems: [String] = []
        for node in members where node.isRunning {
            problems += KernelCluster.difference(
                "\(node.name) proto bird", expected: expectedRoutes(on: node, blocks: blocks, ipv6: false),
                actual: try Kernel.routes(node.ns))
            if dualStack {
                problems += KernelCluster.difference(
                    "\(node.name) proto bird (IPv6)", expected: expectedRoutes(on: node, blocks: blocks, ipv6: true),
                    actual: try Self.routes6(node.ns))
            }
        }
        return problems
    }

    /// Every running member's sessions: exactly one per address in `peers(node)`, each Established, and no other.
    func sessionProblems(_ peers: (EtcdClusterNode) -> [String]) throws -> [String] {
        var problems: [String] = []
        for node in members where node.isRunning {
            let sessions = try node.sessions()
            let want = Set(peers(node))
            let have = Set(sessions.map(\.peerAddress))
            problems += want.subtracting(have).sorted().map { "\(node.name): no session to \($0)" }
            problems += sessions.filter { !want.contains($0.peerAddress) }.map { "\(node.name): unexpected \($0)" }
            problems += sessions.filter { want.contains($0.peerAddress) && $0.state != "Established" }
                .map { "\(node.name): not Established: \($0)" }
            if sessions.count != Set(sessions.map(\.peerAddress)).count {
                problems.append("\(node.name): two sessions to one peer: \(sessions)")
            }
        }
        return problems
    }

    /// The full mesh: every member peers with every other member (per family in a dual-stack cluster).
    func meshPeers(_ node: EtcdClusterNode) -> [String] {
        members.filter { $0.name != node.name }.flatMap(\.addresses)
    }

    /// Every IPv6 route of protocol bird in every table, canonical, sorted (`Kernel.routes` is IPv4 only).
    static func routes6(_ ns: Namespace) throws -> [String] {
        try Kernel.json(["ip", "-j", "-6", "-n", ns.name, "route", "show", "table", "all"]).filter { route in
            (route["protocol"] as? String ?? (route["protocol"] as? Int).map(String.init)) == "bird"
        }.map(Kernel.canonicalRoute).sorted()
    }

    /// Every running member's sessions by "node/session name".
    func sessionSnapshot() throws -> [String: EtcdClusterSession] {
        var snapshot: [String: EtcdClusterSession] = [:]
        for node in members where node.isRunning {
            for session in try node.sessions() { snapshot["\(node.name)/\(session.name)"] = session }
        }
        return snapshot
    }

    /// Pods reach each other: from every pod of `from` to every pod of every other member (a ping's reply takes the
    /// reverse route, so both directions are checked); bounded poll per pair.
    func requirePodTraffic(from: [EtcdClusterNode]? = nil) async throws {
        for source in from ?? members {
            // One pod namespace has an address per family: ping from each address's family to the same family.
            for pod in source.pods {
                for target in members where target.name != source.name {
                    for other in target.pods where other.address.contains(":") == pod.address.contains(":") {
                        let result = await Kernel.waitReaches(pod.ns, other.address, timeout: .seconds(15))
                        guard result.ok else {
                            throw HarnessError(
                                "pod \(pod.address) (\(source.name)) does not reach pod \(other.address) "
                                    + "(\(target.name)):\n\(result.output)\n\n\(describe())")
                        }
                    }
                }
            }
        }
    }

    /// Everything for a failure message: every member's view and the store's keys.
    func describe() -> String {
        members.map { $0.describe() }.joined(separator: "\n") + "\n" + storeDump()
    }

    func storeDump() -> String {
        switch datastore {
        case .etcd:
            let keys = (try? etcd?.keys(prefix: "/calico/")) ?? nil
            return "--- etcd keys\n" + (keys ?? ["(etcd does not answer)"]).joined(separator: "\n")
                + "\n--- etcd log\n" + (etcd?.logTail ?? "")
        case .file:
            let files = (try? FileManager.default.contentsOfDirectory(atPath: store.directory.path)) ?? []
            return "--- datastore files\n" + files.sorted().joined(separator: "\n")
        }
    }

    // MARK: namespaces

    /// A namespace with loopback up, deleted by the lab's teardown (after its processes are stopped).
    static func namespace(_ name: String, lab: Lab) throws -> Namespace {
        try Shell.helper("ns_add", [name])
        let ns = Namespace(name: name, lab: lab)
        lab.onTeardown { ns.delete() }
        return ns
    }

    /// A veth from `ns` ("eth0", `address`) to the fabric (`port`, no address), enslaved to br0.
    static func attach(_ ns: Namespace, address: String, port: String, fabric: Namespace) throws {
        try Shell.helper("ns_veth", [ns.name, "eth0", address, fabric.name, port, ""])
        try Shell.check(["ip", "-n", fabric.name, "link", "set", port, "master", "br0"])
    }

    /// Removes namespaces "swe-<pid>-…" whose process is gone (a crashed or killed earlier run).
    static func removeLeftovers() {
        let netns = (try? Shell.run(["ip", "netns", "list"]))?.stdout ?? ""
        for line in netns.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix("swe-"), let pid = Int32(name.dropFirst(4).prefix { $0.isNumber }),
                pid != getpid(), Glibc.kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? Shell.helper("ns_del", [name])
        }
    }
}
