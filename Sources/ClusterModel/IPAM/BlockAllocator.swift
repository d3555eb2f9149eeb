// SPDX-License-Identifier: Apache-2.0
// Block allocation as Calico IPAM does it for a node (libcalico-go `lib/ipam/ipam.go`, `autoAssign` /
// `claimAffineBlock`, and `ipam_block_reader_writer.go`): every pool that assigns node blocks, whose `nodeSelector`
// matches the node and whose family the node uses gives it a block when it has none there. Swiftlet takes the
// lowest free block of the pool, so the choice is deterministic and testable (Calico's `findUnclaimedBlock` starts
// its walk at a host-dependent pseudo-random block, `randomBlockGenerator`, to spread contention; any free block is
// valid to both). The claim itself is the caller's compare-and-create, so two nodes racing for one block cannot both
// win and the loser plans again from fresh claims.
// A node releases a block when no pool contains it any more (pool deleted) or its pool stops selecting the node
// (Calico's `ReleaseAffinity` on a selector change); a `disabled` pool keeps its blocks (it only stops new
// allocations, pods keep their addresses). A node that leaves releases everything, and blocks of nodes that are gone
// without releasing are orphans for a garbage collector (kube-controllers' IPAM GC in Calico). Pure: claims in,
// decisions out.

import BGPWire

/// Decides which blocks a node claims and releases.
public enum BlockAllocator {
    /// What `node` must do now given every current claim (block prefix → owner node name): blocks to claim (one per
    /// pool that selects it and lacks one; the lowest free block of that pool), its blocks to release (pool deleted
    /// or no longer selecting it), and notes (pool exhausted, ...). After a lost race the caller re-reads the claims
    /// and asks again.
    ///
    /// A pool whose selector Swiftlet cannot evaluate neither gives nor takes blocks (a note says so): releasing on a
    /// selector we do not understand would cut off running pods.
    public static func plan(node: NodeResource, pools: [IPPoolResource], claims: [IPPrefix: String]) -> BlockPlan {
        let name = node.metadata.name
        let labels = node.metadata.labels
        let sortedPools = pools.sorted { $0.metadata.name < $1.metadata.name }
        let owned = blocks(of: name, claims: claims)
        var plan = BlockPlan()

        for pool in sortedPools where pool.assignsNodeBlocks && usesFamily(node, pool.spec.cidr.family) {
            guard pool.spec.nodeSelector.isSupported else {
                plan.notes.append(unsupportedSelectorNote(pool))
                continue
            }
            guard pool.spec.nodeSelector.matches(labels),
                !owned.contains(where: { pool.spec.cidr.contains($0) })
            else { continue }
            if let block = lowestFreeBlock(of: pool, claims: claims) {
                plan.claim.append(block)
            } else {
                plan.notes.append(
                    "\(pool.metadata.fieldPath(kind: IPPoolResource.kind, "spec.cidr")): no free "
                        + "/\(pool.spec.blockSize) block left for node \(name) (all \(pool.blockCount) are claimed)")
            }
        }

        for block in owned {
            // Pools never overlap (Calico refuses it), so at most one contains the block.
            guard let pool = sortedPools.first(where: { $0.spec.cidr.contains(block) }) else {
                plan.release.append(block)
                continue
            }
            // An unsupported selector keeps the block (noted above when the pool assigns blocks).
            if pool.spec.nodeSelector.isSupported && !pool.spec.nodeSelector.matches(labels) {
                plan.release.append(block)
            }
        }
        return plan
    }

    /// Whether `node` runs the family at all: a node with `spec.bgp` but no address of the family gets no block of
    /// it (calico/node sets `bgp.ipv6Address` only when IPv6 is enabled on the node, and without it the node could
    /// neither route nor advertise an IPv6 block with a usable next hop). A node without `spec.bgp` (no BGP, e.g.
    /// VXLAN only) says nothing about its families and gets blocks of both. Blocks it already owns are kept.
    public static func usesFamily(_ node: NodeResource, _ family: IPAddress.Family) -> Bool {
        guard let bgp = node.bgp else { return true }
        return bgp.address(family) != nil
    }

    /// Every block `node` owns, sorted: what it releases when it leaves the cluster.
    public static func blocks(of node: String, claims: [IPPrefix: String]) -> [IPPrefix] {
        claims.compactMap { $0.value == node ? $0.key : nil }.sorted()
    }

    /// What `node` releases when it leaves: all of its blocks.
    public static func leave(node: String, claims: [IPPrefix: String]) -> [IPPrefix] {
        blocks(of: node, claims: claims)
    }

    /// Blocks whose owner is not in `liveNodes` (garbage to release).
    public static func orphans(claims: [IPPrefix: String], liveNodes: Set<String>) -> [IPPrefix] {
        claims.compactMap { liveNodes.contains($0.value) ? nil : $0.key }.sorted()
    }

    /// The lowest block of `pool` that no claim overlaps, or nil when the pool is exhausted. Claims are walked in
    /// address order rather than the pool's blocks, so a nearly empty IPv6 pool of 2^58 blocks costs one step per
    /// claim, not per block.
    public static func lowestFreeBlock(of pool: IPPoolResource, claims: [IPPrefix: String]) -> IPPrefix? {
        let cidr = pool.spec.cidr
        let count = pool.blockCount
        guard count > 0 else { return nil }
        let inside = claims.keys.filter { $0.overlaps(cidr) }.sorted()
        var index: UInt64 = 0
        for claim in inside {
            // A claim around the whole pool leaves nothing.
            guard claim.length >= cidr.length else { return nil }
            guard let first = pool.blockIndex(of: claim.address), let last = pool.blockIndex(of: claim.lastAddress)
            else { return nil }
            if first > index { break }
            let (next, overflow) = last.addingReportingOverflow(1)
            if overflow { return nil }
            index = max(index, next)
            if index >= count { return nil }
        }
        return pool.block(index)
    }

    private static func unsupportedSelectorNote(_ pool: IPPoolResource) -> String {
        "\(pool.metadata.fieldPath(kind: IPPoolResource.kind, "spec.nodeSelector")): selector "
            + "\"\(pool.spec.nodeSelector.text)\" uses syntax Swiftlet does not evaluate yet; no block is claimed "
            + "or released in this pool"
    }
}

extension IPPoolResource {
    /// The index of the pool block holding `address` (the inverse of `block(_:)`); nil outside the pool or past
    /// `UInt64` (pools of more than 2^64 blocks).
    public func blockIndex(of address: IPAddress) -> UInt64? {
        guard spec.cidr.contains(address), spec.blockSize >= spec.cidr.length else { return nil }
        let base = spec.cidr.address
        let shift = UInt64(address.family.bitWidth) - UInt64(spec.blockSize)
        switch address.family {
        case .ipv4:
            return UInt64(address.ipv4Value &- base.ipv4Value) >> shift
        case .ipv6:
            let (low, borrow) = address.low.subtractingReportingOverflow(base.low)
            let high = address.high &- base.high &- (borrow ? 1 : 0)
            if shift >= 128 { return 0 }
            if shift >= 64 { return high >> (shift - 64) }
            if shift == 0 { return high == 0 ? low : nil }
            guard high >> shift == 0 else { return nil }
            return (high << (64 - shift)) | (low >> shift)
        }
    }
}

extension IPPrefix {
    /// The last address inside the prefix (every host bit set).
    var lastAddress: IPAddress {
        switch family {
        case .ipv4:
            let hostMask: UInt32 = length >= 32 ? 0 : ~UInt32(0) >> UInt32(length)
            return IPAddress(ipv4: address.ipv4Value | hostMask)
        case .ipv6:
            let l = UInt64(length)
            let highHost: UInt64 = l >= 64 ? 0 : ~UInt64(0) >> l
            let lowHost: UInt64 = l <= 64 ? ~0 : (l >= 128 ? 0 : ~UInt64(0) >> (l - 64))
            return IPAddress(ipv6High: address.high | highHost, low: address.low | lowHost)
        }
    }
}
