// SPDX-License-Identifier: Apache-2.0
// What an UPDATE did to one peer's Adj-RIB-In (RFC 4271 §9: feasible routes and withdrawn routes; RFC 4724 §2
// End-of-RIB), as the Loc-RIB consumes it.

import BGPWire

/// One change to a peer's Adj-RIB-In, for the Loc-RIB.
public enum AdjRIBInChange: Hashable, Sendable {
    /// A new or replacing path (post-policy).
    case announced(Path)
    /// The path with this key is gone (withdrawn, treated as withdrawn, or rejected by import policy).
    case withdrawn(prefix: IPPrefix, pathID: UInt32)
    /// The peer finished its initial table for a family (RFC 4724 §2).
    case endOfRIB(AddressFamily)
}
