// SPDX-License-Identifier: Apache-2.0
// `kind: BlockAffinity` (Calico v3, projectcalico/api `blockaffinity.go`): Calico IPAM's record that a block of an
// IP pool belongs to a node. confd reads them for its own node into `/ipam/v2/host/<node>/ipv4/block` and drops the
// pending ones ("we shouldn't act upon them unless they are confirmed", confd `client.go`); `bird_aggr.cfg.template`
// then blackholes every remaining block and exports the confirmed ones (or those with no state, "implicitly
// confirmed") as aggregates. `deleted: true` means "treat this block as if it does not exist".

import BGPWire

/// A `BlockAffinity` resource.
public struct BlockAffinityResource: Hashable, Sendable {
    public static let kind = "BlockAffinity"

    /// `spec.state`.
    public enum State: String, Hashable, Sendable, CaseIterable {
        case confirmed, pending, pendingDeletion
    }

    public struct Spec: Hashable, Sendable {
        public var node: String
        public var cidr: IPPrefix
        /// A missing or empty state is confirmed (`bird_aggr.cfg.template`: "implicitly confirmed").
        public var state: State
        public var deleted: Bool

        public init(node: String, cidr: IPPrefix, state: State = .confirmed, deleted: Bool = false) {
            self.node = node
            self.cidr = cidr
            self.state = state
            self.deleted = deleted
        }

        /// The affinity counts at all: not deleted. A pending one still reserves its block against other nodes.
        public var isLive: Bool { !deleted }
    }

    public var metadata: ResourceMetadata
    public var spec: Spec

    public init(metadata: ResourceMetadata, spec: Spec) {
        self.metadata = metadata
        self.spec = spec
    }
}
