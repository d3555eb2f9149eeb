// SPDX-License-Identifier: Apache-2.0
// Issue #6 "Must show", third bullet: swiftletd on several Calico nodes in network namespaces sharing one real etcd
// (Debian etcd-server), checked in the kernel and by pod traffic. Skipped unless BGP_INTEROP=1 and root; the etcd
// scenarios also need swiftletd's etcd mode (`swiftletd --help` lists `--datastore`) and /usr/bin/etcd.
//
// The lab (Support/EtcdCluster*.swift): a bridge in a fabric namespace, etcd at 10.99.0.2, node i at 10.99.0.(10+i)
// with a pod at its first block's base + 2; pool 10.244.0.0/16 with /26 blocks, no encapsulation; AS 64512, hold
// time 9 s, connect retry 1 s. Every wait is a bounded poll; a state is "converged" once the check passes and still
// passes a second later.
//
//   0. the lab itself with the file datastore (blocks and Nodes written by the harness, `swiftletctl reload`): a
//      3-node mesh, kernel routes, pod pings, a fourth node joining without restarting a session, a node removed:
//      a failure in the etcd scenarios is then swiftletd's etcd mode, not the lab
//   1. etcd: 3 nodes register and claim blocks (none shared or overlapping), full mesh, routes to every other
//      node's block in every kernel, pods ping across nodes
//   2. grow to 5 while running: the new nodes join everywhere and no existing session restarts (same `since`);
//      one node frozen and its Node key deleted: the others remove its session (not merely lose it: that would take
//      the 9 s hold time) and its routes, and nothing else moves
//   3. etcd SIGKILLed for 4 s: no session drops and no kernel route changes meanwhile; after the restart a new node
//      is still applied everywhere (the watches resumed)
//   4. route reflectors: mesh off, 2 nodes with routeReflectorClusterID and a label, BGPPeers from all() to the
//      label and between the reflectors: each client has exactly 2 sessions, every kernel has every block, pods ping
//
// Measured times (formation, join, removal) are printed as "etcd-cluster: …".
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension InteropScenarios {
    @Suite(
        "swiftletd cluster on etcd", .serialized,
        .enabled(if: Interop.enabled, "needs BGP_INTEROP=1 and root"),
        .enabled(if: Interop.swiftletReady, "swiftletd is not built yet"))
    struct EtcdClusterScenarioTests {
        /// swiftletd has the etcd datastore (issue #6 contract: `--datastore etcd`).
        static let etcdModeReady: Bool = {
            guard let result = try? Shell.run([SwiftletDaemon.daemonBinary.path, "--help"], timeout: .seconds(10))
            else { return false }
            return result.output.contains("--datastore")
        }()

        /// `SWIFTLET_ETCD_CLUSTER_DATASTORE=file` runs scenarios 1, 2 and 4 on the file datastore (scenario 3 needs
        /// etcd), to debug the lab without etcd mode.
        static let datastore: EtcdClusterDatastore =
            ProcessInfo.processInfo.environment["SWIFTLET_ETCD_CLUSTER_DATASTORE"] == "file" ? .file : .etcd

        static let etcdGate = Testing.ConditionTrait.enabled(
            if: etcdModeReady || datastore == .file, "swiftletd has no etcd mode yet (`--datastore` not in --help)")

        // MARK: - helpers

        static func report(_ line: String) {
            print("etcd-cluster: \(line)")
        }

        static func seconds(since start: ContinuousClock.Instant) -> String {
            String(format: "%.1f s", (ContinuousClock.now - start).seconds)
        }

        /// Polls `problems` until empty (bounded), then requires it to stay empty for a second.
        static func converge(
            _ what: String, _ cluster: EtcdCluster, timeout: Duration = .seconds(30), _ problems: () throws -> [String]
        ) async throws {
            try await KernelCluster.requireConverged(
                what, timeout: timeout, stable: .seconds(1), describe: { cluster.describe() }, problems)
        }

        /// Blocks, the mesh and the kernel routes of every member.
        static func requireMeshConverged(_ what: String, _ cluster: EtcdCluster) async throws {
            try await converge("\(what): blocks", cluster) { try cluster.blockProblems() }
            try await converge("\(what): mesh", cluster) { try cluster.sessionProblems(cluster.meshPeers) }
            try await converge("\(what): kernel routes", cluster) { try cluster.routeProblems() }
        }

        /// Sessions of `before` that are not in `after` with the same `since` and still Established, except those
        /// `ignoring` says are expected to go.
        static func restartedSessions(
            _ before: [String: EtcdClusterSession], _ after: [String: EtcdClusterSession],
            ignoring: (_ key: String, _ session: EtcdClusterSession) -> Bool = { _, _ in false }
        ) -> [String] {
            before.sorted { $0.key < $1.key }.compactMap { key, old in
                if ignoring(key, old) { return nil }
                guard let new = after[key] else { return "\(key): gone (was \(old))" }
                guard new.since == old.since, new.state == "Established" else { return "\(key): \(old) → \(new)" }
                return nil
            }
        }

        /// Starts nodes `indices` one after the other (each waits for its block), returning them.
        static func startNodes(_ cluster: EtcdCluster, _ indices: ClosedRange<Int>) async throws -> [EtcdClusterNode] {
            var started: [EtcdClusterNode] = []
            for index in indices {
                let node = try cluster.addNode(index)
                try await cluster.start(node)
                started.append(node)
            }
            return started
        }

        /// Scenarios 1 and 2 (and, with etcd, 3) on one cluster.
        static func meshScenario(_ lab: Lab, datastore: EtcdClusterDatastore) async throws {
            let cluster = try await EtcdCluster(lab: lab, datastore: datastore)
            try cluster.putClusterResources(mesh: true)

            // 1. three nodes
            let formation = ContinuousClock.now
            let first = try await startNodes(cluster, 1...3)
            try await requireMeshConverged("3 nodes", cluster)
            report("\(datastore): 3-node mesh with routes \(seconds(since: formation)) after the first start")
            try await cluster.requirePodTraffic()

            // 2. grow to five; no session restarts
            let beforeGrowth = try cluster.sessionSnapshot()
            let growth = ContinuousClock.now
            let joined = try await startNodes(cluster, 4...5)
            try await requireMeshConverged("5 nodes", cluster)
            report("\(datastore): 2 nodes joined (sessions and routes everywhere) in \(seconds(since: growth))")
            let restarted = restartedSessions(beforeGrowth, try cluster.sessionSnapshot())
            guard restarted.isEmpty else {
                throw HarnessError("sessions restarted when nodes joined:\n\(restarted.joined(separator: "\n"))")
            }
            try await cluster.requirePodTraffic(from: joined)

            // 2. remove node-3: frozen, so only its Node resource going away can remove its sessions in time
            let leaving = first[2]
            let beforeRemoval = try cluster.sessionSnapshot()
            leaving.freeze()
            let removal = ContinuousClock.now
            try cluster.removeNodeResource(leaving)
            try await converge("node-3 removed: sessions", cluster, timeout: .seconds(8)) {
                try cluster.sessionProblems(cluster.meshPeers)
            }
            try await converge("node-3 removed: kernel routes", cluster) { try cluster.routeProblems() }
            report("\(datastore): node-3's sessions and routes gone \(seconds(since: removal)) after its removal")
            try await leaving.kill()
            let afterRemoval = try cluster.sessionSnapshot()
            let moved = restartedSessions(beforeRemoval, afterRemoval) { key, session in
                key.hasPrefix("\(leaving.name)/") || session.peerAddress == leaving.address
            }
            guard moved.isEmpty else {
                throw HarnessError("sessions restarted when node-3 left:\n\(moved.joined(separator: "\n"))")
            }

            // 3. etcd killed and restarted
            guard let etcd = cluster.etcd else { return }
            let routes = try Dictionary(uniqueKeysWithValues: cluster.members.map { ($0.name, try Kernel.routes($0.ns)) })
            try await etcd.kill()
            let outage = ContinuousClock.now
            var changed: [String] = []
            let steady = try await Poll.holds(for: .seconds(4), every: .milliseconds(500)) {
                changed = restartedSessions(afterRemoval, try cluster.sessionSnapshot())
                for node in cluster.members {
                    let now = try Kernel.routes(node.ns)
                    if now != routes[node.name] {
                        changed.append("\(node.name): kernel routes changed:\n\(now.joined(separator: "\n"))")
                    }
                }
                return changed.isEmpty
            }
            guard steady else {
                throw HarnessError("with etcd down:\n\(changed.joined(separator: "\n"))\n\n\(cluster.describe())")
            }
            try await etcd.start()
            report("etcd down for \(seconds(since: outage))")
            let rejoin = ContinuousClock.now
            _ = try await startNodes(cluster, 6...6)
            try await requireMeshConverged("node-6 after the etcd restart", cluster)
            report("node-6 joined after the etcd restart in \(seconds(since: rejoin))")
            let dropped = restartedSessions(afterRemoval, try cluster.sessionSnapshot())
            guard dropped.isEmpty else {
                throw HarnessError("sessions restarted over the etcd restart:\n\(dropped.joined(separator: "\n"))")
            }
            try await cluster.requirePodTraffic(from: cluster.members.filter { $0.name == "node-6" })
        }

        // MARK: - 0. the lab on the file datastore

        @Test(
            "Cluster lab on the file datastore: 3-node mesh, kernel routes, pod pings; 2 nodes join and 1 leaves without restarting other sessions"
        )
        func labOnFileDatastore() async throws {
            try await withLab("etcd-cluster-file") { lab in
                try await Self.meshScenario(lab, datastore: .file)
            }
        }

        // MARK: - 1-3. mesh on etcd

        @Test(
            "etcd: 3 nodes claim disjoint blocks and mesh; 2 join and 1 leaves live; etcd killed and restarted drops no session",
            etcdGate)
        func meshOnEtcd() async throws {
            if Self.datastore == .etcd {
                try #require(EtcdClusterEtcd.installed, "no \(EtcdClusterEtcd.binary) (Debian package etcd-server)")
            }
            try await withLab("etcd-cluster-mesh") { lab in
                try await Self.meshScenario(lab, datastore: Self.datastore)
            }
        }

        // MARK: - 4. route reflectors on etcd

        @Test(
            "etcd: mesh off, 2 route reflectors (cluster ID + label, BGPPeers by selector): clients have 2 sessions, every block routed, pods ping",
            etcdGate)
        func routeReflectorsOnEtcd() async throws {
            if Self.datastore == .etcd {
                try #require(EtcdClusterEtcd.installed, "no \(EtcdClusterEtcd.binary) (Debian package etcd-server)")
            }
            try await withLab("etcd-cluster-rr") { lab in
                let cluster = try await EtcdCluster(lab: lab, datastore: Self.datastore)
                try cluster.putClusterResources(mesh: false)
                try cluster.store.put(
                    .bgpPeer("peer-with-route-reflectors", nodeSelector: "all()", peerSelector: "has(route-reflector)"))
                try cluster.store.put(
                    .bgpPeer(
                        "route-reflector-mesh", nodeSelector: "has(route-reflector)",
                        peerSelector: "has(route-reflector)"))
                let start = ContinuousClock.now
                var nodes: [EtcdClusterNode] = []
                for index in 1...5 {
                    let node = try cluster.addNode(index)
                    if index <= 2 {
                        // An operator's Node for a reflector, written before the node starts (etcd mode keeps its
                        // spec and labels and overlays only what the flags give).
                        node.routeReflectorClusterID = "244.0.0.1"
                        node.labels = ["route-reflector": "true"]
                        if Self.datastore == .etcd { try cluster.store.put(node.resource) }
                    }
                    try await cluster.start(node)
                    nodes.append(node)
                }
                let reflectors = Set(nodes.prefix(2).map(\.address))
                try await Self.converge("RR: blocks", cluster) { try cluster.blockProblems() }
                try await Self.converge("RR: sessions", cluster) {
                    try cluster.sessionProblems { node in
                        reflectors.contains(node.address)
                            ? cluster.meshPeers(node) : reflectors.sorted()
                    }
                }
                try await Self.converge("RR: kernel routes", cluster) { try cluster.routeProblems() }
                Self.report("\(Self.datastore): 2 reflectors + 3 clients with routes in \(Self.seconds(since: start))")
                try await cluster.requirePodTraffic()
            }
        }
    }
}
