// SPDX-License-Identifier: Apache-2.0
// The etcd datastore (Sources/Datastore/EtcdDatastore.swift) against a real etcd on loopback: registration with a
// lease that keeps an operator's fields, block claims that never collide and survive a restart, live snapshots,
// undecodable keys named in errors, a lost lease registered again, orphaned blocks released, a pool's removal, and
// etcd killed and restarted under a running datastore. Skipped when etcd is not installed, except under CI=true.

import BGPTestSupport
import BGPWire
import ClusterModel
import Datastore
import EtcdClient
import Foundation
import Testing

@Suite("EtcdDatastore against etcd", .enabled(if: EtcdServer.testsEnabled, "etcd not installed (/usr/bin/etcd)"))
struct EtcdDatastoreTests {
    static let resources = CalicoEtcdLayout.resourcesPrefix

    /// A fresh etcd seeded with a pool and the default BGPConfiguration, and a client for the test's own writes.
    static func withEtcd(_ body: (EtcdServer, EtcdClient) async throws -> Void) async throws {
        let server = try EtcdServer()
        defer { server.stop() }
        try await server.start()
        let client = try EtcdClient(endpoints: [server.endpoint])
        do {
            try await client.put(resources + "ippools/pool-a", value: pool("pool-a", "10.244.0.0/24"))
            try await client.put(
                resources + "bgpconfigurations/default",
                value: json(#"{"apiVersion":"projectcalico.org/v3","kind":"BGPConfiguration","metadata":{"name":"default"},"spec":{"asNumber":64512}}"#))
            try await body(server, client)
        } catch {
            try? await client.shutdown()
            Issue.record("etcd log tail:\n\(server.logText.split(separator: "\n").suffix(15).joined(separator: "\n"))")
            throw error
        }
        try await client.shutdown()
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func pool(_ name: String, _ cidr: String, nodeSelector: String = "all()") -> [UInt8] {
        json(#"{"apiVersion":"projectcalico.org/v3","kind":"IPPool","metadata":{"name":"\#(name)"},"spec":{"cidr":"\#(cidr)","blockSize":26,"nodeSelector":"\#(nodeSelector)"}}"#)
    }

    static func node(_ name: String, _ address: String) -> [UInt8] {
        json(#"{"apiVersion":"projectcalico.org/v3","kind":"Node","metadata":{"name":"\#(name)"},"spec":{"bgp":{"ipv4Address":"\#(address)"}}}"#)
    }

    static func datastore(
        _ server: EtcdServer, node: String, address: String?, labels: [String: String] = [:], ttl: Int64 = 10,
        releaseDelay: Duration = .seconds(300)
    ) throws -> EtcdDatastore {
        EtcdDatastore(
            client: try EtcdClient(endpoints: [server.endpoint]),
            options: .init(
                nodeName: node, registration: NodeRegistration(ipv4Address: address, labels: labels), leaseTTL: ttl,
                blockReleaseDelay: releaseDelay, retryDelay: .milliseconds(200), coalesceDelay: .milliseconds(20)))
    }

    static func nodes(_ snapshot: EtcdDatastore.Snapshot) -> [String] {
        snapshot.resources.compactMap { if case .node(let node) = $0 { node.metadata.name } else { nil } }.sorted()
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func eventually(
        _ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out after \(timeout): \(what)")
        throw CancellationError()
    }

    /// The next snapshot for which `condition` holds, within `timeout`.
    static func snapshot(
        from store: EtcdDatastore, _ what: String, timeout: Duration = .seconds(10),
        where condition: @escaping @Sendable (EtcdDatastore.Snapshot) -> Bool
    ) async throws -> EtcdDatastore.Snapshot {
        try await withThrowingTaskGroup(of: EtcdDatastore.Snapshot?.self) { group in
            group.addTask {
                for await snapshot in store.snapshots where condition(snapshot) { return snapshot }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else {
                Issue.record("no snapshot within \(timeout): \(what)")
                throw CancellationError()
            }
            return first
        }
    }

    @Test("registration: the Node key is leased, an operator's fields and labels stay, the flags' fields are overlaid")
    func registration() async throws {
        try await Self.withEtcd { server, client in
            try await client.put(
                Self.resources + "nodes/rr-1",
                value: Self.json(#"{"apiVersion":"projectcalico.org/v3","kind":"Node","metadata":{"name":"rr-1","labels":{"route-reflector":"true"}},"spec":{"bgp":{"ipv4Address":"10.0.0.9/24","routeReflectorClusterID":"224.0.0.1"},"orchRefs":[{"nodeName":"rr-1","orchestrator":"k8s"}]}}"#))
            let store = try Self.datastore(server, node: "rr-1", address: "10.0.0.1/24", labels: ["rack": "r1"])
            let snapshot = try await store.start()
            let kv = try #require(try await client.get(Self.resources + "nodes/rr-1"))
            #expect(kv.lease != 0)
            let text = String(decoding: kv.value, as: UTF8.self)
            #expect(text.contains(#""orchRefs""#), "fields Swiftlet does not know survive: \(text)")
            let node = try #require(
                snapshot.resources.lazy.compactMap { if case .node(let n) = $0, n.metadata.name == "rr-1" { n } else { nil } }.first)
            #expect(node.bgp?.ipv4Address?.description == "10.0.0.1/24")
            #expect(node.bgp?.routeReflectorClusterID?.description == "224.0.0.1")
            #expect(node.metadata.labels == ["route-reflector": "true", "rack": "r1"])
            try await store.client.shutdown()
        }
    }

    @Test("a new node without an address cannot register, and says so")
    func registrationWithoutAddress() async throws {
        try await Self.withEtcd { server, _ in
            let store = try Self.datastore(server, node: "lonely", address: nil)
            await #expect(throws: NodeRegistration.Failure.noAddress(node: "lonely")) { try await store.start() }
            try await store.client.shutdown()
        }
    }

    @Test("claims: nodes starting together get distinct blocks of every pool that selects them; a restart keeps them")
    func claims() async throws {
        try await Self.withEtcd { server, client in
            try await client.put(Self.resources + "ippools/pool-b", value: Self.pool("pool-b", "10.245.0.0/25", nodeSelector: "zone == 'a'"))
            let names = ["n1", "n2", "n3", "n4"]
            let stores = try names.enumerated().map { index, name in
                try Self.datastore(server, node: name, address: "10.0.0.\(index + 1)/24", labels: index < 2 ? ["zone": "a"] : [:])
            }
            let snapshots = try await withThrowingTaskGroup(of: (Int, EtcdDatastore.Snapshot).self) { group in
                for (index, store) in stores.enumerated() { group.addTask { (index, try await store.start()) } }
                var result: [Int: EtcdDatastore.Snapshot] = [:]
                for try await (index, snapshot) in group { result[index] = snapshot }
                return result
            }
            var owner: [IPPrefix: String] = [:]
            for (index, name) in names.enumerated() {
                let own = snapshots[index]!.ownBlocks
                // n1 and n2 are in zone a: one block of each pool; n3 and n4 only pool-a.
                #expect(own.count == (index < 2 ? 2 : 1), "\(name) owns \(own)")
                for block in own {
                    #expect(owner[block] == nil, "\(block) owned by \(owner[block] ?? "") and \(name)")
                    owner[block] = name
                    let affinity = try await client.get(CalicoIPAMKey.affinity(node: name, block: block))
                    #expect(affinity != nil)
                }
            }
            #expect(Set(owner.keys).count == 6)
            // pool-b holds two /26 blocks, both taken: a third zone-a node gets a note, not someone else's block.
            for store in stores { try await store.client.shutdown() }

            let again = try Self.datastore(server, node: "n3", address: "10.0.0.3/24")
            let restarted = try await again.start()
            #expect(restarted.ownBlocks == snapshots[2]!.ownBlocks)
            try await again.client.shutdown()
        }
    }

    @Test("live: a node added, a bad BGPPeer named by its key, the node removed; each reaches the snapshots")
    func liveSnapshots() async throws {
        try await Self.withEtcd { server, client in
            let store = try Self.datastore(server, node: "n1", address: "10.0.0.1/24")
            _ = try await store.start()
            let runner = Task { await store.run() }
            defer { runner.cancel() }

            try await client.put(Self.resources + "nodes/n2", value: Self.node("n2", "10.0.0.2/24"))
            _ = try await Self.snapshot(from: store, "n2 joins") { Self.nodes($0) == ["n1", "n2"] }

            try await client.put(
                Self.resources + "bgppeers/bad",
                value: Self.json(#"{"apiVersion":"projectcalico.org/v3","kind":"BGPPeer","metadata":{"name":"bad"},"spec":{"peerIP":"not-an-ip","asNumber":64513}}"#))
            let broken = try await Self.snapshot(from: store, "the bad peer is reported") { !$0.errors.isEmpty }
            #expect(broken.errors.contains { $0.file == "etcd:" + Self.resources + "bgppeers/bad" && $0.field.contains("peerIP") })

            try await client.delete(Self.resources + "bgppeers/bad")
            try await client.delete(Self.resources + "nodes/n2")
            let after = try await Self.snapshot(from: store, "n2 leaves, errors gone") { $0.errors.isEmpty && Self.nodes($0) == ["n1"] }
            #expect(after.ownBlocks.count == 1)
            runner.cancel()
            await runner.value
            try await store.client.shutdown()
        }
    }

    @Test("a lost lease (revoked) is granted again and the Node key comes back")
    func leaseLost() async throws {
        try await Self.withEtcd { server, client in
            let store = try Self.datastore(server, node: "n1", address: "10.0.0.1/24", ttl: 10)
            _ = try await store.start()
            let runner = Task { await store.run() }
            defer { runner.cancel() }
            let first = try #require(try await client.get(Self.resources + "nodes/n1"))
            do {
                try await client.revoke(first.lease)
            } catch EtcdError.leaseNotFound {
                // A machine too busy to keep the lease alive lost it already: the same case as a revoke.
            }
            try await Self.eventually("the Node key is back on a new lease") {
                guard let kv = try await client.get(Self.resources + "nodes/n1") else { return false }
                return kv.lease != 0 && kv.lease != first.lease
            }
            runner.cancel()
            await runner.value
            try await store.client.shutdown()
        }
    }

    @Test("orphans: a block whose node is gone is released after the delay; a live node's block and a pool's loss")
    func orphansAndPoolRemoval() async throws {
        try await Self.withEtcd { server, client in
            // A block of "ghost" (no Node resource) and of "alive" (with one).
            let ghostBlock = try #require(IPPrefix("10.244.0.192/26"))
            let aliveBlock = try #require(IPPrefix("10.244.0.128/26"))
            try await client.put(Self.resources + "nodes/alive", value: Self.node("alive", "10.0.0.7/24"))
            for (owner, block) in [("ghost", ghostBlock), ("alive", aliveBlock)] {
                try await client.put(CalicoIPAMKey.block(block), value: Self.json(#"{"cidr":"\#(block)","affinity":"host:\#(owner)"}"#))
                try await client.put(CalicoIPAMKey.affinity(node: owner, block: block), value: Self.json(#"{"state":"confirmed","deleted":false}"#))
            }
            let store = try Self.datastore(server, node: "n1", address: "10.0.0.1/24", ttl: 3, releaseDelay: .milliseconds(500))
            let snapshot = try await store.start()
            #expect(!snapshot.ownBlocks.contains(ghostBlock) && !snapshot.ownBlocks.contains(aliveBlock))
            let runner = Task { await store.run() }
            defer { runner.cancel() }
            try await Self.eventually("the ghost's block and affinity are released") {
                let block = try await client.get(CalicoIPAMKey.block(ghostBlock))
                let affinity = try await client.get(CalicoIPAMKey.affinity(node: "ghost", block: ghostBlock))
                return block == nil && affinity == nil
            }
            #expect(try await client.get(CalicoIPAMKey.block(aliveBlock)) != nil)

            // The pool goes: its blocks are released by their owner.
            let own = snapshot.ownBlocks
            try await client.delete(Self.resources + "ippools/pool-a")
            try await Self.eventually("n1 released its blocks of the deleted pool") {
                for block in own where try await client.get(CalicoIPAMKey.block(block)) != nil { return false }
                return true
            }
            runner.cancel()
            await runner.value
            try await store.client.shutdown()
        }
    }

    @Test("etcd killed and restarted: the datastore resumes its watch and a later change still arrives")
    func etcdRestart() async throws {
        try await Self.withEtcd { server, client in
            let store = try Self.datastore(server, node: "n1", address: "10.0.0.1/24")
            _ = try await store.start()
            let runner = Task { await store.run() }
            defer { runner.cancel() }
            try await Self.eventually("connected before the kill") { await store.status().connected }
            server.kill()
            try await Self.eventually("disconnected while etcd is down") { await !store.status().connected }
            try await server.restart()
            // Connected again once both watches were re-created, before anything changes.
            try await Self.eventually("connected again after the restart", timeout: .seconds(20)) { await store.status().connected }
            let fresh = try EtcdClient(endpoints: [server.endpoint])
            try await fresh.put(Self.resources + "nodes/n9", value: Self.node("n9", "10.0.0.9/24"))
            _ = try await Self.snapshot(from: store, "n9 arrives after the restart", timeout: .seconds(20)) {
                Self.nodes($0).contains("n9")
            }
            // The registration survived: etcd keeps leases across a restart.
            #expect(try await fresh.get(Self.resources + "nodes/n1") != nil)
            runner.cancel()
            await runner.value
            try await fresh.shutdown()
            try await store.client.shutdown()
            _ = client
        }
    }
}
