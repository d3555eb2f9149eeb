// SPDX-License-Identifier: Apache-2.0
// IPPool and BlockAffinity decoding against projectcalico/api (`ippool.go`, `blockaffinity.go`) and the CRD's
// validation rules, each mistake mapped to its exact `file:line:column: Kind(name).field: message` line.

import BGPWire
import ClusterModel
import Datastore
import Testing

@Suite("IPPool and BlockAffinity config")
struct IPPoolConfigTests {
    /// A document of `kind` named `name` whose spec lines start at line 6, column 3.
    static func document(_ kind: String, _ name: String, _ spec: String) -> String {
        "apiVersion: projectcalico.org/v3\nkind: \(kind)\nmetadata:\n  name: \(name)\nspec:\n"
            + spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    static func pool(_ spec: String) -> String { document("IPPool", "p", spec) }
    static func affinity(_ spec: String) -> String { document("BlockAffinity", "a", spec) }

    @Test("IPPool: every field decodes; blockSize defaults to 26 (IPv4) and 122 (IPv6), nodeSelector to all()")
    func decodesPool() throws {
        let yaml = Self.pool(
            """
            cidr: 10.244.0.0/16
            blockSize: 24
            ipipMode: CrossSubnet
            vxlanMode: Never
            natOutgoing: true
            disabled: true
            disableBGPExport: true
            nodeSelector: rack == 'r1'
            allowedUses: [Workload, Tunnel]
            """)
        guard case .ipPool(let pool) = try #require(ConfigFixtures.resources(yaml).first) else {
            Issue.record("expected an IPPool")
            return
        }
        #expect(pool.spec.cidr == IPPrefix("10.244.0.0/16"))
        #expect(pool.spec.blockSize == 24)
        #expect(pool.spec.ipipMode == .crossSubnet && pool.spec.vxlanMode == .never)
        #expect(pool.spec.natOutgoing && pool.spec.disabled && pool.spec.disableBGPExport)
        #expect(pool.spec.nodeSelector.matches(["rack": "r1"]) && !pool.spec.nodeSelector.matches(["rack": "r2"]))
        #expect(pool.spec.allowedUses == [.workload, .tunnel])
        #expect(!pool.assignsNodeBlocks)  // disabled

        let v4 = ConfigFixtures.resources(Self.pool("cidr: 10.0.0.0/16"))
        let v6 = ConfigFixtures.resources(Self.pool("cidr: fd00::/64\nnamespaceSelector: all()"))
        guard case .ipPool(let p4) = try #require(v4.first), case .ipPool(let p6) = try #require(v6.first) else { return }
        #expect(p4.spec.blockSize == 26 && p6.spec.blockSize == 122)
        #expect(p4.spec.nodeSelector.text == "all()" && p4.spec.ipipMode == .never && !p4.spec.natOutgoing)
        #expect(p6.metadata.ignoredFields == ["spec.namespaceSelector"])
    }

    @Test("IPPool: block i is the i-th blockSize subnet; the count saturates for huge IPv6 pools")
    func poolBlocks() {
        let v4 = IPPoolResource(
            metadata: ResourceMetadata(name: "p", location: .file("t")), spec: .init(cidr: IPPrefix("10.244.0.0/16")!))
        #expect(v4.blockCount == 1024)
        #expect(v4.block(0) == IPPrefix("10.244.0.0/26"))
        #expect(v4.block(5) == IPPrefix("10.244.1.64/26"))
        #expect(v4.block(1023) == IPPrefix("10.244.255.192/26"))
        #expect(v4.block(1024) == nil)
        let v6 = IPPoolResource(
            metadata: ResourceMetadata(name: "p", location: .file("t")), spec: .init(cidr: IPPrefix("fd00:10::/64")!))
        #expect(v6.blockCount == 1 << 58)
        #expect(v6.block(1) == IPPrefix("fd00:10::40/122"))
        #expect(v6.block((1 << 58) - 1) == IPPrefix("fd00:10::ffff:ffff:ffff:ffc0/122"))
        let wide = IPPoolResource(
            metadata: ResourceMetadata(name: "p", location: .file("t")),
            spec: .init(cidr: IPPrefix("fd00::/16")!, blockSize: 116))
        #expect(wide.blockCount == .max)
        // Index 2^12 crosses from the low word into the high word of the address.
        #expect(wide.block(1 << 52) == IPPrefix("fd00:0:0:1::/116"))
    }

    @Test("BlockAffinity: node, cidr, state and deleted decode; a missing or empty state is confirmed")
    func decodesAffinity() throws {
        let yaml = [
            Self.document("BlockAffinity", "a", "node: n1\ncidr: 10.244.0.0/26\nstate: pendingDeletion\ndeleted: false\ntype: host"),
            Self.document("BlockAffinity", "b", "node: n1\ncidr: 10.244.0.64/26\nstate: \"\"\ndeleted: \"true\""),
            Self.document("BlockAffinity", "c", "node: n2\ncidr: 10.244.0.128/26"),
        ].joined(separator: "\n---\n")
        let affinities = ConfigFixtures.resources(yaml).compactMap { resource -> BlockAffinityResource? in
            if case .blockAffinity(let affinity) = resource { return affinity }
            return nil
        }
        #expect(affinities.map(\.spec) == [
            .init(node: "n1", cidr: IPPrefix("10.244.0.0/26")!, state: .pendingDeletion),
            .init(node: "n1", cidr: IPPrefix("10.244.0.64/26")!, state: .confirmed, deleted: true),
            .init(node: "n2", cidr: IPPrefix("10.244.0.128/26")!, state: .confirmed),
        ])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var yaml: String
        var expected: String
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(
            rule: "IPPool cidr is required",
            yaml: pool("blockSize: 26"),
            expected: #"t.yaml:5:1: IPPool(p).spec.cidr: required field "cidr" is missing"#),
        Case(
            rule: "IPPool cidr must be masked (CRD: strictly masked)",
            yaml: pool("cidr: 10.244.0.1/16"),
            expected: #"t.yaml:6:9: IPPool(p).spec.cidr: expected a CIDR such as "10.0.0.0/16" or "fd00::/64" with no host bits set (10.244.0.0/16), got "10.244.0.1/16""#),
        Case(
            rule: "IPv4 blockSize is 20-32 (CRD)",
            yaml: pool("cidr: 10.244.0.0/16\nblockSize: 33"),
            expected: #"t.yaml:7:14: IPPool(p).spec.blockSize: expected 20-32 for an IPv4 pool, got "33""#),
        Case(
            rule: "IPv6 blockSize is 116-128 (CRD)",
            yaml: pool("cidr: fd00::/64\nblockSize: 64"),
            expected: #"t.yaml:7:14: IPPool(p).spec.blockSize: expected 116-128 for an IPv6 pool, got "64""#),
        Case(
            rule: "A pool smaller than one block is refused unless disabled (CRD)",
            yaml: pool("cidr: 10.244.0.0/28"),
            expected: #"t.yaml:6:9: IPPool(p).spec.cidr: 10.244.0.0/28 is smaller than one /26 block; use a larger pool or a larger blockSize"#),
        Case(
            rule: "ipipMode is Never, Always or CrossSubnet",
            yaml: pool("cidr: 10.244.0.0/16\nipipMode: always"),
            expected: #"t.yaml:7:13: IPPool(p).spec.ipipMode: expected one of "Never", "Always", "CrossSubnet", got "always""#),
        Case(
            rule: "IPIP and VXLAN are not both enabled (CRD)",
            yaml: pool("cidr: 10.244.0.0/16\nipipMode: Always\nvxlanMode: CrossSubnet"),
            expected: #"t.yaml:8:14: IPPool(p).spec.vxlanMode: cannot be enabled together with ipipMode (Always); set one of them to Never"#),
        Case(
            rule: "IPIP is not supported on IPv6 pools (CRD)",
            yaml: pool("cidr: fd00::/64\nipipMode: Always"),
            expected: #"t.yaml:7:13: IPPool(p).spec.ipipMode: IPIP is not supported on IPv6 pools"#),
        Case(
            rule: "A pool may not overlap the link-local range (CRD)",
            yaml: pool("cidr: 169.254.0.0/16"),
            expected: #"t.yaml:6:9: IPPool(p).spec.cidr: 169.254.0.0/16 overlaps the link-local range 169.254.0.0/16"#),
        Case(
            rule: "disableBGPExport is a boolean",
            yaml: pool("cidr: 10.244.0.0/16\ndisableBGPExport: yes"),
            expected: #"t.yaml:7:21: IPPool(p).spec.disableBGPExport: expected true or false, got "yes""#),
        Case(
            rule: "Unknown IPPool fields are errors, with a suggestion",
            yaml: pool("cidr: 10.244.0.0/16\nblocksize: 26"),
            expected: #"t.yaml:7:3: IPPool(p).spec.blocksize: unknown field "blocksize" (did you mean "blockSize"?)"#),
        Case(
            rule: "allowedUses are Workload, Tunnel or LoadBalancer",
            yaml: pool("cidr: 10.244.0.0/16\nallowedUses: [Pods]"),
            expected: #"t.yaml:7:17: IPPool(p).spec.allowedUses[0]: expected one of "Workload", "Tunnel", "LoadBalancer", got "Pods""#),
        Case(
            rule: "BlockAffinity needs a node",
            yaml: affinity("cidr: 10.244.0.0/26"),
            expected: #"t.yaml:5:1: BlockAffinity(a).spec.node: required field "node" is missing"#),
        Case(
            rule: "BlockAffinity cidr is a CIDR",
            yaml: affinity("node: n1\ncidr: 10.244.0.0"),
            expected: #"t.yaml:7:9: BlockAffinity(a).spec.cidr: expected a CIDR such as "10.0.0.0/16" or "fd00::/64", got "10.244.0.0""#),
        Case(
            rule: "BlockAffinity state is confirmed, pending or pendingDeletion",
            yaml: affinity("node: n1\ncidr: 10.244.0.0/26\nstate: active"),
            expected: #"t.yaml:8:10: BlockAffinity(a).spec.state: expected one of "confirmed", "pending", "pendingDeletion", got "active""#),
    ]

    @Test("Each mistake yields its exact file:line:column and field", arguments: cases)
    func mistake(_ testCase: Case) {
        let errors = ConfigFixtures.errors(testCase.yaml)
        #expect(errors.contains(testCase.expected), "got:\n\(errors.joined(separator: "\n"))")
    }

    @Test("Overlapping pools and a block affine to two nodes are planning errors at spec.cidr")
    func overlaps() {
        let yaml = PeerPlannerTests.yaml(
            PeerPlannerTests.node("n1", "10.0.0.1/24"), PeerPlannerTests.node("n2", "10.0.0.2/24"),
            Self.document("IPPool", "a", "cidr: 10.244.0.0/16"),
            Self.document("IPPool", "b", "cidr: 10.244.128.0/17"),
            Self.document("BlockAffinity", "x", "node: n1\ncidr: 10.244.0.0/26"),
            Self.document("BlockAffinity", "y", "node: n2\ncidr: 10.244.0.0/26"),
            Self.document("BlockAffinity", "z", "node: n2\ncidr: 10.244.0.64/26\ndeleted: true"))
        guard case .failure(let errors) = ConfigFixtures.plan(yaml, node: "n1") else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.map(\.description) == [
            "t.yaml:29:9: IPPool(b).spec.cidr: 10.244.128.0/17 overlaps IPPool(a) 10.244.0.0/16",
            "t.yaml:45:9: BlockAffinity(y).spec.cidr: 10.244.0.0/26 overlaps 10.244.0.0/26, affine to node n1 (BlockAffinity(x))",
        ])
    }
}
