// SPDX-License-Identifier: Apache-2.0
// Routing table ids (linux/rtnetlink.h `enum rt_class_t`).

/// A routing table id (linux/rtnetlink.h `enum rt_class_t`). Ids above 255 travel in `RTA_TABLE`.
public struct RouteTable: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unspecified = Self(rawValue: 0)  // RT_TABLE_UNSPEC
    /// RT_TABLE_COMPAT: what `rtm_table` says in a dump when the real id (in RTA_TABLE) does not fit a byte.
    public static let compat = Self(rawValue: 252)
    public static let `default` = Self(rawValue: 253)  // RT_TABLE_DEFAULT
    public static let main = Self(rawValue: 254)  // RT_TABLE_MAIN
    public static let local = Self(rawValue: 255)  // RT_TABLE_LOCAL

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
