// SPDX-License-Identifier: Apache-2.0
// Which IPAM blocks each node owns, until Swiftlet has Calico IPAM of its own (issue #6 claims blocks in etcd).
// A node with live BlockAffinity resources is managed by IPAM: its confirmed and pending-deletion blocks are its
// own (confd drops pending ones, `client.go`: "Ignore pending block affinities"). Every other node gets blocks by a
// rule that needs no coordination: for each pool that assigns node blocks (not `disabled`, used for workloads or
// tunnels), the nodes its `nodeSelector` matches (and that have an address of the pool's family, when they run BGP)
// are sorted by name and take the pool's blocks in address order,
// skipping any block that overlaps an affinity. With no affinities, the node at index i gets block i. Every node
// computes the same table from the same resources, so no two nodes ever claim one block.

import BGPWire

/// Blocks per node, computed from pools, affinities and nodes. Pure.
public struct BlockAssignment: Hashable, Sendable {
    /// Where a node's block comes from.
    public enum Source: Hashable, Sendable {
        /// A BlockAffinity in state confirmed or pendingDeletion.
        case affinity(BlockAffinityResource.State)
        /// The deterministic rule.
        case assigned
    }

    /// One block owned by a node.
    public struct Block: Hashable, Sendable, CustomStringConvertible {
        public var prefix: IPPrefix
        /// The pool the block lies in; `nil` for an affinity outside every pool.
        public var pool: String?
        public var source: Source

        public init(prefix: IPPrefix, pool: String?, source: Source) {
            self.prefix = prefix
            self.pool = pool
            self.source = source
        }

        /// Confirmed or assigned: `calico_aggr` exports it as an aggregate and rejects what lies beneath it. A block
        /// pending deletion is still blackholed but gets no such rule (`bird_aggr.cfg.template`).
        public var isConfirmed: Bool {
            switch source {
            case .assigned, .affinity(.confirmed): true
            case .affinity: false
            }
        }

        /// For `OriginatedRoute.reason` and `show route detail`.
        public var reason: String {
            switch source {
            case .assigned: "assigned block"
            case .affinity(.confirmed): "block affinity"
            case .affinity(let state): "block affinity (\(state.rawValue))"
            }
        }

        public var description: String { "\(prefix) (\(reason)\(pool.map { ", pool \($0)" } ?? ""))" }
    }

    /// Node name → its blocks, sorted by prefix. Nodes without blocks are absent.
    public var blocks: [String: [Block]]
    /// Nodes left without a block, affinities outside every pool, selectors that cannot be evaluated.
    public var notes: [String]

    public init(blocks: [String: [Block]] = [:], notes: [String] = []) {
        self.blocks = blocks
        self.notes = notes
    }

    public func blocks(of node: String) -> [Block] { blocks[node] ?? [] }

    /// Computes every node's blocks. `pools` and `affinities` are assumed free of overlaps between pools and between
    /// nodes (the planner reports those as errors first). Without `applyRule` only affinities give blocks (etcd IPAM).
    public static func compute(
        pools: [IPPoolResource], affinities: [BlockAffinityResource], nodes: [NodeResource], applyRule: Bool = true
    ) -> BlockAssignment {
        var result = BlockAssignment()
        let sortedPools = pools.sorted { $0.metadata.name < $1.metadata.name }
        let live = affinities.filter(\.spec.isLive)
        let managed = Set(live.map(\.spec.node))
        for affinity in live {
            let pool = sortedPools.first { $0.spec.cidr.contains(affinity.spec.cidr) }
            if pool == nil {
                result.notes.append(
                    "\(affinity.metadata.fieldPath(kind: BlockAffinityResource.kind, "spec.cidr")): "
                        + "\(affinity.spec.cidr) is not inside any IPPool")
            }
            // Pending affinities only reserve their block (confd acts on them once confirmed).
            guard affinity.spec.state != .pending else { continue }
            result.blocks[affinity.spec.node, default: []].append(
                Block(prefix: affinity.spec.cidr, pool: pool?.metadata.name, source: .affinity(affinity.spec.state)))
        }

        let reserved = live.map(\.spec.cidr)
        let sortedNodes = nodes.sorted { $0.metadata.name < $1.metadata.name }
        for pool in sortedPools where applyRule && pool.assignsNodeBlocks {
            // As IPAM does it (`BlockAllocator.usesFamily`): a BGP node without an address of the pool's family
            // could neither route nor advertise such a block.
            let candidates = sortedNodes.filter {
                !managed.contains($0.metadata.name) && pool.spec.nodeSelector.matches($0.metadata.labels)
                    && BlockAllocator.usesFamily($0, pool.spec.cidr.family)
            }
            var index: UInt64 = 0
            for node in candidates {
                while let block = pool.block(index), reserved.contains(where: { $0.overlaps(block) }) { index += 1 }
                guard let block = pool.block(index) else {
                    result.notes.append(
                        "\(pool.metadata.fieldPath(kind: IPPoolResource.kind, "spec.cidr")): no free /\(pool.spec.blockSize) "
                            + "block left for node \(node.metadata.name) (the pool holds \(pool.blockCount))")
                    continue
                }
                result.blocks[node.metadata.name, default: []].append(
                    Block(prefix: block, pool: pool.metadata.name, source: .assigned))
                index += 1
            }
        }
        for node in result.blocks.keys { result.blocks[node]!.sort { $0.prefix < $1.prefix } }
        return result
    }
}
