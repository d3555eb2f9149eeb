// SPDX-License-Identifier: Apache-2.0
// The etcd path end to end without etcd: BlockAllocator claims blocks, the claims come back as BlockAffinity
// resources (as the etcd datastore turns `/calico/ipam/v2/host/<node>/…` keys into), and PeerPlanner originates
// exactly the claimed blocks, exports them as own blocks and takes tunnel addresses from them. Also: a node that has
// not claimed yet is given, by the file datastore's deterministic rule, the very block the allocator would claim.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("Allocated blocks → plan")
struct AllocatedBlocksPlanningTests {
    static let yaml = """
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: node-a}
        spec: {bgp: {ipv4Address: 10.0.0.1/24, ipv6Address: "fd00:1::1/64"}}
        ---
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: node-b}
        spec: {bgp: {ipv4Address: 10.0.0.2/24, ipv6Address: "fd00:1::2/64"}}
        ---
        apiVersion: projectcalico.org/v3
        kind: Node
        metadata: {name: node-c}
        spec: {bgp: {ipv4Address: 10.0.0.3/24}}
        ---
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {name: v4}
        spec: {cidr: 10.244.0.0/24, ipipMode: Always}
        ---
        apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {name: v6}
        spec: {cidr: "fd00:10::/120"}
        """

    /// Claims for `order`, one node after the other, as each node's datastore would make them.
    static func allocate(_ resources: [Resource], order: [String]) -> [IPPrefix: String] {
        let pools = resources.compactMap { if case .ipPool(let pool) = $0 { pool } else { nil } }
        let nodes = Dictionary(uniqueKeysWithValues: Self.nodes(resources).map { ($0.metadata.name, $0) })
        var claims: [IPPrefix: String] = [:]
        for name in order {
            for block in BlockAllocator.plan(node: nodes[name]!, pools: pools, claims: claims).claim {
                #expect(claims[block] == nil)
                claims[block] = name
            }
        }
        return claims
    }

    static func nodes(_ resources: [Resource]) -> [NodeResource] {
        resources.compactMap { if case .node(let node) = $0 { node } else { nil } }
    }

    /// The claims as the etcd datastore hands them to the planner.
    static func affinities(_ claims: [IPPrefix: String]) -> [Resource] {
        claims.sorted { $0.key < $1.key }.map { block, node in
            let key = CalicoIPAMKey.affinity(node: node, block: block)
            return .blockAffinity(
                BlockAffinityResource(
                    metadata: ResourceMetadata(name: key, location: .file("etcd")),
                    spec: .init(node: node, cidr: block, state: .confirmed)))
        }
    }

    @Test("The planner originates, exports and tunnels exactly what the allocator claimed")
    func claimedBlocksArePlanned() throws {
        let resources = ConfigFixtures.resources(Self.yaml)
        // Joining in a different order than names: the claims follow the order, not the names.
        let claims = Self.allocate(resources, order: ["node-c", "node-a", "node-b"])
        #expect(BlockAllocator.blocks(of: "node-c", claims: claims).map(\.description) == ["10.244.0.0/26"])
        let nodeA = BlockAllocator.blocks(of: "node-a", claims: claims)
        #expect(nodeA.map(\.description) == ["10.244.0.64/26", "fd00:10::/122"])
        let all = resources + Self.affinities(claims)
        for name in ["node-a", "node-b", "node-c"] {
            let configuration = try PeerPlanner.plan(resources: all, nodeName: name) { _ in nil }.get()
            let owned = BlockAllocator.blocks(of: name, claims: claims)
            #expect(configuration.originated.filter(\.blackhole).map(\.prefix) == owned, "\(name)")
            #expect(configuration.originated.allSatisfy { $0.reason == "block affinity" }, "\(name)")
            #expect(configuration.exportScope.ownBlocks.sorted() == owned, "\(name)")
            let tunnel = configuration.localTunnelEndpoint?.ipipAddress
            #expect(tunnel == owned.first { $0.family == .ipv4 }?.address, "\(name)")
        }
    }

    @Test("Before it claims, a node's deterministic block is the one the allocator will claim for it")
    func deterministicRuleAgreesWithTheAllocator() throws {
        let resources = ConfigFixtures.resources(Self.yaml)
        let claims = Self.allocate(resources, order: ["node-b", "node-c"])
        let all = resources + Self.affinities(claims)
        let configuration = try PeerPlanner.plan(resources: all, nodeName: "node-a") { _ in nil }.get()
        let assigned = configuration.originated.filter(\.blackhole)
        #expect(assigned.allSatisfy { $0.reason == "assigned block" })
        let node = Self.nodes(resources).first { $0.metadata.name == "node-a" }!
        let pools = resources.compactMap { if case .ipPool(let pool) = $0 { pool } else { nil } }
        let plan = BlockAllocator.plan(node: node, pools: pools, claims: claims)
        #expect(assigned.map(\.prefix) == plan.claim.sorted())
    }
}
