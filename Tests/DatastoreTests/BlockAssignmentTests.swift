// SPDX-License-Identifier: Apache-2.0
// Which blocks each node owns: BlockAffinity resources first (confirmed and pendingDeletion, pending ignored as confd
// does), else the deterministic rule (selected nodes by name take the pool's blocks in order, skipping reserved
// ones). The property that matters most: no two nodes of a config ever own overlapping blocks.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("BlockAssignment")
struct BlockAssignmentTests {
    static func node(_ name: String, _ v4: String, labels: String = "") -> String {
        PeerPlannerTests.node(name, v4, labels: labels)
    }

    static func document(_ kind: String, _ name: String, _ spec: String) -> String {
        IPPoolConfigTests.document(kind, name, spec)
    }

    static func assignment(_ yaml: String) -> BlockAssignment {
        let resources = ConfigFixtures.resources(yaml)
        let (pools, affinities, nodes) = ConfigFixtures.ipamInputs(resources)
        return BlockAssignment.compute(pools: pools, affinities: affinities, nodes: nodes)
    }

    static func prefixes(_ assignment: BlockAssignment, _ node: String) -> [String] {
        assignment.blocks(of: node).map(\.prefix.description)
    }

    @Test("Nodes sorted by name take blocks 0, 1, 2, … of each pool that selects them, whatever the file order")
    func deterministic() {
        let documents = [
            PeerPlannerTests.node("node-b", "10.0.0.2/24", v6: "fd00::2/64"),
            PeerPlannerTests.node("node-a", "10.0.0.1/24", v6: "fd00::1/64"),
            PeerPlannerTests.node("node-c", "10.0.0.3/24", v6: "fd00::3/64"),
            Self.document("IPPool", "v4", "cidr: 10.244.0.0/16"),
            Self.document("IPPool", "v6", "cidr: fd00:10::/64"),
        ]
        let forward = Self.assignment(PeerPlannerTests.yaml(documents[0], documents[1], documents[2], documents[3], documents[4]))
        let reversed = Self.assignment(PeerPlannerTests.yaml(documents[4], documents[3], documents[2], documents[1], documents[0]))
        #expect(forward == reversed)
        #expect(Self.prefixes(forward, "node-a") == ["10.244.0.0/26", "fd00:10::/122"])
        #expect(Self.prefixes(forward, "node-b") == ["10.244.0.64/26", "fd00:10::40/122"])
        #expect(Self.prefixes(forward, "node-c") == ["10.244.0.128/26", "fd00:10::80/122"])
        #expect(forward.blocks(of: "node-a").allSatisfy { $0.source == .assigned && $0.isConfirmed })
        #expect(forward.blocks(of: "node-a").first?.reason == "assigned block")

        // A BGP node without an IPv6 address gets no IPv6 block (it could not route one), and takes no index there.
        let mixed = Self.assignment(
            PeerPlannerTests.yaml(
                PeerPlannerTests.node("node-a", "10.0.0.1/24"), documents[0], documents[3], documents[4]))
        #expect(Self.prefixes(mixed, "node-a") == ["10.244.0.0/26"])
        #expect(Self.prefixes(mixed, "node-b") == ["10.244.0.64/26", "fd00:10::/122"])
    }

    @Test("nodeSelector: only selected nodes count, so indices follow the selected nodes' names")
    func selector() {
        let yaml = PeerPlannerTests.yaml(
            Self.node("a", "10.0.0.1/24", labels: "rack: r2"), Self.node("b", "10.0.0.2/24", labels: "rack: r1"),
            Self.node("c", "10.0.0.3/24", labels: "rack: r1"),
            Self.document("IPPool", "r1", "cidr: 10.1.0.0/24\nnodeSelector: rack == 'r1'"),
            Self.document("IPPool", "r2", "cidr: 10.2.0.0/24\nnodeSelector: rack == 'r2'"))
        let assignment = Self.assignment(yaml)
        #expect(Self.prefixes(assignment, "a") == ["10.2.0.0/26"])
        #expect(Self.prefixes(assignment, "b") == ["10.1.0.0/26"])
        #expect(Self.prefixes(assignment, "c") == ["10.1.0.64/26"])
    }

    @Test("Disabled pools and LoadBalancer-only pools give no node blocks")
    func disabledPools() {
        let yaml = PeerPlannerTests.yaml(
            Self.node("a", "10.0.0.1/24"),
            Self.document("IPPool", "old", "cidr: 10.1.0.0/16\ndisabled: true"),
            Self.document("IPPool", "lb", "cidr: 10.2.0.0/16\nallowedUses: [LoadBalancer]"),
            Self.document("IPPool", "tunnels", "cidr: 10.3.0.0/16\nallowedUses: [Tunnel]"))
        #expect(Self.prefixes(Self.assignment(yaml), "a") == ["10.3.0.0/26"])
    }

    @Test("A node beyond the pool's capacity gets no block and a note")
    func capacity() {
        let yaml = PeerPlannerTests.yaml(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"), Self.node("c", "10.0.0.3/24"),
            Self.document("IPPool", "small", "cidr: 10.1.0.0/25"))
        let assignment = Self.assignment(yaml)
        #expect(Self.prefixes(assignment, "a") == ["10.1.0.0/26"])
        #expect(Self.prefixes(assignment, "b") == ["10.1.0.64/26"])
        #expect(assignment.blocks(of: "c").isEmpty)
        #expect(assignment.notes == ["IPPool(small).spec.cidr: no free /26 block left for node c (the pool holds 2)"])
    }

    @Test("Affinities: confirmed and pendingDeletion are the node's; pending and deleted are not; other nodes skip them")
    func affinities() {
        let yaml = PeerPlannerTests.yaml(
            Self.node("a", "10.0.0.1/24"), Self.node("b", "10.0.0.2/24"), Self.node("c", "10.0.0.3/24"),
            Self.node("d", "10.0.0.4/24"),
            Self.document("IPPool", "pool", "cidr: 10.1.0.0/16"),
            // c is managed by IPAM: blocks 3 (confirmed) and 4 (pendingDeletion); its pending block 0 is reserved.
            Self.document("BlockAffinity", "c-3", "node: c\ncidr: 10.1.0.192/26"),
            Self.document("BlockAffinity", "c-4", "node: c\ncidr: 10.1.1.0/26\nstate: pendingDeletion"),
            Self.document("BlockAffinity", "c-0", "node: c\ncidr: 10.1.0.0/26\nstate: pending"),
            // A deleted affinity reserves nothing and makes d no IPAM node.
            Self.document("BlockAffinity", "d-1", "node: d\ncidr: 10.1.0.64/26\ndeleted: true"))
        let assignment = Self.assignment(yaml)
        #expect(assignment.blocks(of: "c").map(\.source) == [.affinity(.confirmed), .affinity(.pendingDeletion)])
        #expect(Self.prefixes(assignment, "c") == ["10.1.0.192/26", "10.1.1.0/26"])
        #expect(assignment.blocks(of: "c").map(\.isConfirmed) == [true, false])
        #expect(assignment.blocks(of: "c").map(\.reason) == ["block affinity", "block affinity (pendingDeletion)"])
        // a, b, d by name take the free blocks 1, 2, 5 (0 is pending for c, 3 and 4 are c's).
        #expect(Self.prefixes(assignment, "a") == ["10.1.0.64/26"])
        #expect(Self.prefixes(assignment, "b") == ["10.1.0.128/26"])
        #expect(Self.prefixes(assignment, "d") == ["10.1.1.64/26"])
    }

    @Test("An affinity outside every pool is still the node's block, with a note")
    func affinityOutsidePools() {
        let yaml = PeerPlannerTests.yaml(
            Self.node("a", "10.0.0.1/24"), Self.document("BlockAffinity", "x", "node: a\ncidr: 10.9.0.0/26"))
        let assignment = Self.assignment(yaml)
        #expect(assignment.blocks(of: "a") == [.init(prefix: IPPrefix("10.9.0.0/26")!, pool: nil, source: .affinity(.confirmed))])
        #expect(assignment.notes == ["BlockAffinity(x).spec.cidr: 10.9.0.0/26 is not inside any IPPool"])
    }

    @Test("No two nodes of any config/ example own overlapping blocks, and every planned node originates its own",
        arguments: ConfigFixtures.exampleFiles)
    func examplesNeverOverlap(file: String) throws {
        guard case .success(let resources) = ConfigFile.load(path: ConfigFixtures.example(file)) else { return }
        var owned: [(node: String, prefix: IPPrefix)] = []
        for case .node(let node) in resources {
            let config = try ConfigFixtures.planExample(file, node: node.metadata.name)
            for route in config.originated where route.blackhole {
                owned.append((node.metadata.name, route.prefix))
            }
        }
        for (i, a) in owned.enumerated() {
            for b in owned[(i + 1)...] {
                #expect(!(a.prefix.contains(b.prefix) || b.prefix.contains(a.prefix)),
                    "\(a.node) \(a.prefix) overlaps \(b.node) \(b.prefix)")
            }
        }
    }

    @Test("Many nodes and mixed affinities: blocks are disjoint and each selected node gets one per pool")
    func manyNodesDisjoint() {
        func name(_ i: Int) -> String { "n" + String(repeating: "0", count: 3 - String(i).count) + String(i) }
        var documents = (0..<200).map {
            PeerPlannerTests.node(name($0), "10.0.\($0 / 250).\($0 % 250 + 1)/16", v6: "fd00::\(String($0 + 1, radix: 16))/64")
        }
        documents.append(Self.document("IPPool", "v4", "cidr: 10.244.0.0/16\nblockSize: 24"))
        documents.append(Self.document("IPPool", "v6", "cidr: fd00:10::/120\nblockSize: 128"))
        for i in stride(from: 0, to: 200, by: 7) {
            documents.append(Self.document("BlockAffinity", "aff-\(i)", "node: \(name(i))\ncidr: 10.244.\(199 - i).0/24"))
        }
        let assignment = Self.assignment(documents.joined(separator: "\n---\n"))
        let all = assignment.blocks.flatMap { node, blocks in blocks.map { (node, $0.prefix) } }
        #expect(Set(all.map(\.1)).count == all.count)
        for (i, a) in all.enumerated() {
            for b in all[(i + 1)...] where a.1.contains(b.1) || b.1.contains(a.1) {
                Issue.record("\(a.0) \(a.1) overlaps \(b.0) \(b.1)")
            }
        }
        // IPAM nodes own exactly their affinity; the others one IPv4 and one IPv6 block (a /120 holds 256 /128s).
        #expect(assignment.blocks(of: "n007").map(\.prefix.description) == ["10.244.192.0/24"])
        #expect(assignment.blocks(of: "n001").count == 2)
        #expect(assignment.notes.isEmpty)
    }

    @Test("etcd IPAM (affinities only): a node without an affinity has no block, not one the rule would give it")
    func affinitiesOnly() throws {
        let yaml = PeerPlannerTests.yaml(
            Self.node("node-a", "10.0.0.1/24"), Self.node("node-b", "10.0.0.2/24"),
            Self.document("IPPool", "v4", "cidr: 10.244.0.0/24"),
            Self.document("BlockAffinity", "node-b-10-244-0-128-26", "node: node-b\ncidr: 10.244.0.128/26\nstate: confirmed"))
        let resources = ConfigFixtures.resources(yaml)
        let withRule = try PeerPlanner.plan(resources: resources, nodeName: "node-a") { _ in nil }.get()
        #expect(withRule.originated.map(\.prefix.description) == ["10.244.0.0/26"])
        let ipam = try PeerPlanner.plan(resources: resources, nodeName: "node-a", blockSource: .affinitiesOnly) { _ in nil }.get()
        #expect(ipam.originated.isEmpty)
        let owner = try PeerPlanner.plan(resources: resources, nodeName: "node-b", blockSource: .affinitiesOnly) { _ in nil }.get()
        #expect(owner.originated.map(\.prefix.description) == ["10.244.0.128/26"])
    }
}
