// SPDX-License-Identifier: Apache-2.0
// Interned path attributes. A full table has ~1,000 distinct attribute sets for 1,000,000 prefixes (that is what the
// codec benchmark models), so every path holds a reference to one shared, immutable set instead of its own copy:
// 8 bytes per path instead of a few hundred, and equality of sets is a pointer comparison after interning.

import BGPWire

/// One immutable attribute set, shared by every path that carries it. Create through `AttributeSetTable.intern`.
public final class AttributeSet: Hashable, Sendable, CustomStringConvertible {
    public let attributes: PathAttributes
    private let hashValueCache: Int
    /// Carries the LLGR_STALE community (RFC 9494 §3.2): the decision process treats the path as least preferred
    /// (§4.3). Computed once per set: best-path comparison asks it for every pair of candidates.
    public let isLongLivedStale: Bool

    init(_ attributes: PathAttributes) {
        self.attributes = attributes
        self.hashValueCache = attributes.hashValue
        self.isLongLivedStale = attributes.communities?.contains(.llgrStale) ?? false
    }

    public static func == (a: AttributeSet, b: AttributeSet) -> Bool {
        a === b || (a.hashValueCache == b.hashValueCache && a.attributes == b.attributes)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hashValueCache) }

    public var description: String { "\(attributes)" }
}

/// The interning table: one `AttributeSet` per distinct value. Owned by the RIB (one owner, no locks).
public struct AttributeSetTable: Sendable {
    private var sets: [PathAttributes: AttributeSet] = [:]

    public init() {}

    /// The shared set equal to `attributes` (without wire hints, which never matter for routing).
    public mutating func intern(_ attributes: PathAttributes) -> AttributeSet {
        let key = attributes.withoutWireHints
        if let existing = sets[key] { return existing }
        let set = AttributeSet(key)
        sets[key] = set
        return set
    }

    /// Forgets sets no path refers to any more (call after large withdrawals).
    public mutating func collectUnused() {
        for key in Array(sets.keys) where isKnownUniquelyReferenced(&sets[key]!) {
            sets[key] = nil
        }
    }

    public var count: Int { sets.count }
}
