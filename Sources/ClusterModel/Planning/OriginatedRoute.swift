// SPDX-License-Identifier: Apache-2.0
// A route this node puts into its own routing table and offers to its peers, as calico/node's BIRD static protocol
// does (`bird_aggr.cfg.template`, `static_template`): one blackhole per IPAM block the node owns, so the block is
// advertised as one aggregate while the workloads inside it are reached over their own more-specific kernel routes;
// and the service ranges of `BGPConfiguration(default)`, which confd adds to `/staticroutes` on every node and to
// `/rejectcidrs`, so they are advertised but never installed in the kernel. Whether a route leaves the node is
// still `ExportScope`'s decision.

import BGPWire

/// A route originated by this node.
public struct OriginatedRoute: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// Install an unreachable route for the prefix (an owned block); false for service ranges, which are only
    /// advertised.
    public var blackhole: Bool
    /// Why the node originates it: `"block affinity"`, `"assigned block"`, `"serviceClusterIPs"`, …
    public var reason: String

    public init(prefix: IPPrefix, blackhole: Bool, reason: String) {
        self.prefix = prefix
        self.blackhole = blackhole
        self.reason = reason
    }

    public var description: String { "\(prefix)\(blackhole ? " blackhole" : "") (\(reason))" }
}
