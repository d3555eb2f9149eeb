// SPDX-License-Identifier: Apache-2.0
// Overlap between prefixes, for the checks that keep IP pools and IPAM blocks disjoint.

import BGPWire

extension IPPrefix {
    /// One prefix contains the other (prefixes never overlap partially).
    func overlaps(_ other: IPPrefix) -> Bool { contains(other) || other.contains(self) }
}
