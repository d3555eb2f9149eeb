// SPDX-License-Identifier: Apache-2.0
// `kind: BGPFilter` (Calico v3, projectcalico/api `bgpfilter.go`): named import/export rule lists that BGPPeer
// resources reference by name in `spec.filters`. The decoded rules are `BGPPolicy` values.

import BGPPolicy

/// A `BGPFilter` resource.
public struct BGPFilterResource: Hashable, Sendable {
    public static let kind = "BGPFilter"

    public var metadata: ResourceMetadata
    /// The rules; `filter.name` is `metadata.name`.
    public var filter: BGPFilter

    public init(metadata: ResourceMetadata, filter: BGPFilter) {
        self.metadata = metadata
        self.filter = filter
    }
}
