// SPDX-License-Identifier: Apache-2.0
// BlockAllocator and CalicoIPAMKey: which blocks a node claims and releases (lowest free block per selecting pool,
// releases on pool deletion or selector change but not on `disabled`, orphans of vanished nodes), and Calico's etcd
// key layout for blocks and host affinities (libcalico-go `model/block.go`, `model/block_affinity.go`).

import BGPWire
import ClusterModel
import Testing

@Suite("BlockAllocator")
struct BlockAllocatorTests {
    static func pool(
        _ name: String, _ cidr: String, blockSize: UInt8? = nil, selector: String = "all()", disabled: Bool = false,
        allowedUses: [IPPoolResource.AllowedUse] = []
    ) -> IPPoolResource {
        IPPoolResource(
            metadata: ResourceMetadata(name: name, location: .file("test")),
            spec: .init(
                cidr: IPPrefix(cidr)!, blockSize: blockSize, disabled: disabled,
                nodeSelector: NodeSelector(selector), allowedUses: allowedUses))
    }

    static func node(_ name: String, labels: [String: String] = [:]) -> NodeResource {
        NodeResource(metadata: ResourceMetadata(name: name, labels: labels, location: .file("test")), bgp: nil)
    }

    static func claims(_ pairs: [String: String]) -> [IPPrefix: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { (IPPrefix($0.key)!, $0.value) })
    }

    static func texts(_ prefixes: [IPPrefix]) -> [String] { prefixes.map(\.description) }

    /// What node `a` (no labels) claims.
    static func claimed(_ pools: [IPPoolResource], _ claims: [IPPrefix: String]) -> [String] {
        texts(BlockAllocator.plan(node: node("a"), pools: pools, claims: claims).claim)
    }

    // MARK: plan

    @Test("A new node claims the lowest block of every pool that selects it, IPv4 and IPv6")
    func firstClaim() {
        let pools = [Self.pool("v6", "fd00:10::/64"), Self.pool("v4", "10.244.0.0/16")]
        let plan = BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: [:])
        #expect(Self.texts(plan.claim) == ["10.244.0.0/26", "fd00:10::/122"])
        #expect(plan.release.isEmpty && plan.notes.isEmpty)
    }

    @Test("Claimed blocks are skipped: the lowest free one is taken, also in a gap between claims")
    func skipsClaimed() {
        let pools = [Self.pool("v4", "10.244.0.0/24")]
        let taken = Self.claims(["10.244.0.0/26": "b", "10.244.0.128/26": "c"])
        #expect(Self.claimed(pools, taken) == ["10.244.0.64/26"])
        let moreTaken = Self.claims(["10.244.0.0/26": "b", "10.244.0.64/26": "c"])
        #expect(Self.claimed(pools, moreTaken) == ["10.244.0.128/26"])
    }

    @Test("A claim that does not match the block size still reserves every block it overlaps")
    func misalignedClaims() {
        let pools = [Self.pool("v4", "10.244.0.0/24")]
        // A /25 covers blocks 0 and 1; a /28 inside block 2 makes it unusable.
        let taken = Self.claims(["10.244.0.0/25": "b", "10.244.0.144/28": "c"])
        #expect(Self.claimed(pools, taken) == ["10.244.0.192/26"])
        // A claim around the whole pool leaves nothing.
        let around = Self.claims(["10.244.0.0/23": "b"])
        let plan = BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: around)
        #expect(plan.claim.isEmpty && plan.notes.count == 1)
    }

    @Test("A node that already owns a block in a pool claims no other there")
    func alreadyOwns() {
        let pools = [Self.pool("v4", "10.244.0.0/24")]
        let owned = Self.claims(["10.244.0.128/26": "a"])
        let plan = BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: owned)
        #expect(plan.isEmpty && plan.notes.isEmpty)
    }

    @Test("An exhausted pool gives a note naming the pool and node, and no claim")
    func exhausted() {
        let pools = [Self.pool("small", "10.9.0.0/27", blockSize: 28), Self.pool("v4", "10.244.0.0/24")]
        let full = Self.claims(["10.9.0.0/28": "b", "10.9.0.16/28": "c"])
        let plan = BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: full)
        #expect(Self.texts(plan.claim) == ["10.244.0.0/26"])
        #expect(plan.notes == ["IPPool(small).spec.cidr: no free /28 block left for node a (all 2 are claimed)"])
    }

    @Test("nodeSelector decides which pools give blocks; a selector change releases the pool's blocks")
    func selectorChange() {
        let pools = [Self.pool("rack1", "10.1.0.0/16", selector: "rack == 'r1'"), Self.pool("all", "10.2.0.0/16")]
        let inRack = Self.node("a", labels: ["rack": "r1"])
        // In pool name order.
        let first = BlockAllocator.plan(node: inRack, pools: pools, claims: [:])
        #expect(Self.texts(first.claim) == ["10.2.0.0/26", "10.1.0.0/26"])
        let moved = Self.node("a", labels: ["rack": "r2"])
        let owned = Self.claims(["10.1.0.0/26": "a", "10.2.0.0/26": "a"])
        let plan = BlockAllocator.plan(node: moved, pools: pools, claims: owned)
        #expect(plan.claim.isEmpty)
        #expect(Self.texts(plan.release) == ["10.1.0.0/26"])
    }

    @Test("Deleting a pool releases its blocks; disabling it keeps them and only stops new claims")
    func deletedVersusDisabled() {
        let owned = Self.claims(["10.1.0.0/26": "a", "10.2.0.64/26": "a", "10.2.0.0/26": "b"])
        let deleted = BlockAllocator.plan(node: Self.node("a"), pools: [Self.pool("two", "10.2.0.0/16")], claims: owned)
        #expect(Self.texts(deleted.release) == ["10.1.0.0/26"])
        #expect(deleted.claim.isEmpty)

        let disabled = [Self.pool("one", "10.1.0.0/16", disabled: true), Self.pool("two", "10.2.0.0/16")]
        #expect(BlockAllocator.plan(node: Self.node("a"), pools: disabled, claims: owned).isEmpty)
        // A fresh node gets nothing from the disabled pool.
        let fresh = BlockAllocator.plan(node: Self.node("c"), pools: disabled, claims: owned)
        #expect(Self.texts(fresh.claim) == ["10.2.0.128/26"])
    }

    @Test("A node with spec.bgp claims only families it has an address for; one without spec.bgp claims both")
    func families() {
        let pools = [Self.pool("v4", "10.244.0.0/16"), Self.pool("v6", "fd00:10::/64")]
        func node(_ bgp: NodeResource.BGP?) -> NodeResource {
            NodeResource(metadata: ResourceMetadata(name: "a", location: .file("test")), bgp: bgp)
        }
        let v4Only = node(.init(ipv4Address: InterfaceAddress("10.0.0.1/24")))
        #expect(Self.texts(BlockAllocator.plan(node: v4Only, pools: pools, claims: [:]).claim) == ["10.244.0.0/26"])
        let v6Only = node(.init(ipv6Address: InterfaceAddress("fd00::1/64")))
        #expect(Self.texts(BlockAllocator.plan(node: v6Only, pools: pools, claims: [:]).claim) == ["fd00:10::/122"])
        #expect(BlockAllocator.plan(node: node(nil), pools: pools, claims: [:]).claim.count == 2)
        // An IPv6 block it already owns is kept, not released.
        let owned = Self.claims(["fd00:10::40/122": "a"])
        #expect(BlockAllocator.plan(node: v4Only, pools: pools, claims: owned).release.isEmpty)
    }

    @Test("A LoadBalancer-only pool gives no node blocks")
    func loadBalancerPool() {
        let pools = [Self.pool("lb", "10.3.0.0/24", allowedUses: [.loadBalancer])]
        #expect(BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: [:]).isEmpty)
    }

    @Test("A selector Swiftlet cannot evaluate neither claims nor releases, and says so")
    func unsupportedSelector() {
        let pools = [Self.pool("odd", "10.1.0.0/16", selector: "rack == 'r1' || rack == 'r2'")]
        let plan = BlockAllocator.plan(node: Self.node("a"), pools: pools, claims: Self.claims(["10.1.0.0/26": "a"]))
        #expect(plan.isEmpty)
        #expect(plan.notes.count == 1 && plan.notes[0].hasPrefix("IPPool(odd).spec.nodeSelector"))
    }

    @Test("IPv6: /122 blocks in order, and a pool of 2^58 blocks is searched by claims, not by blocks")
    func ipv6() {
        let pools = [Self.pool("v6", "fd00:10::/64")]
        var claims: [IPPrefix: String] = [:]
        for (index, name) in ["b", "c", "d"].enumerated() { claims[pools[0].block(UInt64(index))!] = name }
        #expect(Self.claimed(pools, claims) == ["fd00:10::c0/122"])
        #expect(pools[0].blockIndex(of: IPAddress("fd00:10::ffff:ffff:ffff:ffff")!) == (UInt64(1) << 58) - 1)
        #expect(pools[0].blockIndex(of: IPAddress("fd00:11::")!) == nil)
    }

    @Test("blockIndex is the inverse of block(_:) for IPv4 and IPv6, small and large pools")
    func blockIndexInverse() {
        for pool in [
            Self.pool("a", "10.244.0.0/16"), Self.pool("b", "192.168.0.0/30", blockSize: 32),
            Self.pool("c", "fd00:10::/64"), Self.pool("d", "fd00::/8", blockSize: 128),
            Self.pool("e", "fd00:1::/120", blockSize: 120),
        ] {
            for index: UInt64 in [0, 1, 2, pool.blockCount / 2, pool.blockCount - 1] where index < pool.blockCount {
                let block = pool.block(index)!
                #expect(pool.blockIndex(of: block.address) == index, "\(pool.spec.cidr) block \(index)")
            }
        }
    }

    // MARK: leave and orphans

    @Test("Leaving releases every block of the node; orphans are blocks of nodes no longer live")
    func leaveAndOrphans() {
        let claims = Self.claims([
            "10.1.0.64/26": "a", "10.1.0.0/26": "a", "fd00::/122": "a", "10.1.0.128/26": "b", "10.1.0.192/26": "gone",
        ])
        let leaving = BlockAllocator.leave(node: "a", claims: claims)
        #expect(Self.texts(leaving) == ["10.1.0.0/26", "10.1.0.64/26", "fd00::/122"])
        #expect(Self.texts(BlockAllocator.orphans(claims: claims, liveNodes: ["a", "b"])) == ["10.1.0.192/26"])
        #expect(Self.texts(BlockAllocator.orphans(claims: claims, liveNodes: [])).count == 5)
        #expect(BlockAllocator.orphans(claims: claims, liveNodes: ["a", "b", "gone"]).isEmpty)
    }
}

@Suite("CalicoIPAMKey")
struct CalicoIPAMKeyTests {
    @Test(
        "Block and affinity keys as libcalico-go writes them, both ways",
        arguments: [
            ("10.244.0.64/26", "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26",
             "/calico/ipam/v2/host/node-1/ipv4/block/10.244.0.64-26"),
            ("fd00:10::40/122", "/calico/ipam/v2/assignment/ipv6/block/fd00:10::40-122",
             "/calico/ipam/v2/host/node-1/ipv6/block/fd00:10::40-122"),
            ("10.0.0.7/32", "/calico/ipam/v2/assignment/ipv4/block/10.0.0.7-32",
             "/calico/ipam/v2/host/node-1/ipv4/block/10.0.0.7-32"),
        ])
    func roundTrip(cidr: String, blockKey: String, affinityKey: String) {
        let prefix = IPPrefix(cidr)!
        #expect(CalicoIPAMKey.block(prefix) == blockKey)
        #expect(CalicoIPAMKey.affinity(node: "node-1", block: prefix) == affinityKey)
        #expect(CalicoIPAMKey.parseBlock(blockKey) == prefix)
        let parsed = CalicoIPAMKey.parseAffinity(affinityKey)
        #expect(parsed?.node == "node-1")
        #expect(parsed?.block == prefix)
        #expect(blockKey.hasPrefix(CalicoIPAMKey.blockPrefix))
        #expect(affinityKey.hasPrefix(CalicoIPAMKey.hostPrefix(node: "node-1")))
        #expect(affinityKey.hasPrefix(CalicoIPAMKey.hostsPrefix))
    }

    @Test("The prefixes are Calico's")
    func prefixes() {
        #expect(CalicoIPAMKey.blockPrefix == "/calico/ipam/v2/assignment/")
        #expect(CalicoIPAMKey.hostsPrefix == "/calico/ipam/v2/host/")
        #expect(CalicoIPAMKey.hostPrefix(node: "n.example.com") == "/calico/ipam/v2/host/n.example.com/")
    }

    @Test(
        "Anything else parses as nil",
        arguments: [
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64/26",  // "/" not replaced
            "/calico/ipam/v2/assignment/ipv6/block/10.244.0.64-26",  // family segment wrong
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.65-26",  // host bits
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-33",
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-",
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-+6",
            "/calico/ipam/v2/assignment/ipv4/blocks/10.244.0.64-26",
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26/x",
            "/calico/ipam/v2/assignment/ipv4/block/",
            "/calico/ipam/v2/host/node-1/ipv4/block/10.244.0.64-26",  // an affinity is not a block
            "/calico/resources/v3/projectcalico.org/nodes/node-1",
        ])
    func badBlockKeys(key: String) {
        #expect(CalicoIPAMKey.parseBlock(key) == nil)
    }

    @Test(
        "Malformed affinity keys parse as nil",
        arguments: [
            "/calico/ipam/v2/host//ipv4/block/10.244.0.64-26",  // empty node
            "/calico/ipam/v2/host/node-1/ipv4/block/10.244.0.64-26/extra",
            "/calico/ipam/v2/host/node-1/ipv6/block/10.244.0.64-26",
            "/calico/ipam/v2/host/node-1/ipv4/10.244.0.64-26",
            "/calico/ipam/v2/assignment/ipv4/block/10.244.0.64-26",
        ])
    func badAffinityKeys(key: String) {
        #expect(CalicoIPAMKey.parseAffinity(key) == nil)
    }
}
