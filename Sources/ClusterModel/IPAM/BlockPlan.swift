// SPDX-License-Identifier: Apache-2.0
// What one node has to change in Calico IPAM to match the pools: the result of `BlockAllocator.plan`. The caller
// (the etcd datastore) performs it: one create-if-absent transaction per block to claim, a delete per block to
// release, and logs the notes.

import BGPWire

/// Blocks one node must claim and release now.
public struct BlockPlan: Hashable, Sendable {
    /// At most one block per pool, in pool name order: the lowest free block of a pool that selects the node and in
    /// which it owns none.
    public var claim: [IPPrefix]
    /// The node's blocks outside every pool, or in a pool whose `nodeSelector` no longer matches it; sorted.
    public var release: [IPPrefix]
    /// Problems worth a log line: an exhausted pool, a selector Swiftlet cannot evaluate.
    public var notes: [String]

    public init(claim: [IPPrefix] = [], release: [IPPrefix] = [], notes: [String] = []) {
        self.claim = claim
        self.release = release
        self.notes = notes
    }

    /// Nothing to claim or release.
    public var isEmpty: Bool { claim.isEmpty && release.isEmpty }
}
