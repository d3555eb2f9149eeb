// SPDX-License-Identifier: Apache-2.0
// Path attribute type codes (IANA "BGP Path Attributes") and, per known code, the one row that says how it is
// flagged and what RFC 7606 §7 does when it is malformed.

/// A path attribute type code.
public struct AttributeCode: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let origin = AttributeCode(rawValue: 1)
    public static let asPath = AttributeCode(rawValue: 2)
    public static let nextHop = AttributeCode(rawValue: 3)
    public static let multiExitDiscriminator = AttributeCode(rawValue: 4)
    public static let localPreference = AttributeCode(rawValue: 5)
    public static let atomicAggregate = AttributeCode(rawValue: 6)
    public static let aggregator = AttributeCode(rawValue: 7)
    public static let communities = AttributeCode(rawValue: 8)
    public static let originatorID = AttributeCode(rawValue: 9)
    public static let clusterList = AttributeCode(rawValue: 10)
    public static let mpReachNLRI = AttributeCode(rawValue: 14)
    public static let mpUnreachNLRI = AttributeCode(rawValue: 15)
    public static let extendedCommunities = AttributeCode(rawValue: 16)
    public static let as4Path = AttributeCode(rawValue: 17)
    public static let as4Aggregator = AttributeCode(rawValue: 18)
    public static let largeCommunities = AttributeCode(rawValue: 32)

    public static func < (a: AttributeCode, b: AttributeCode) -> Bool { a.rawValue < b.rawValue }
}

/// How a known attribute is flagged and handled when malformed.
public struct AttributeDescriptor: Sendable {
    public var name: String
    /// The Optional and Transitive bits the attribute must carry (RFC 4271 §5, the defining RFCs).
    public var flags: AttributeFlags
    /// RFC 7606 §7 outcome for a malformed value.
    public var onMalformed: UpdateErrorAction
}

extension AttributeCode {
    /// One row per known attribute, BIRD `bgp_attr_table[]` style. A new attribute is one row + one type.
    public var descriptor: AttributeDescriptor? {
        switch self {
        // RFC 7606 §7.1-7.4.
        case .origin: .init(name: "ORIGIN", flags: .transitive, onMalformed: .treatAsWithdraw)
        case .asPath: .init(name: "AS_PATH", flags: .transitive, onMalformed: .treatAsWithdraw)
        case .nextHop: .init(name: "NEXT_HOP", flags: .transitive, onMalformed: .treatAsWithdraw)
        case .multiExitDiscriminator: .init(name: "MULTI_EXIT_DISC", flags: .optional, onMalformed: .treatAsWithdraw)
        // RFC 7606 §7.5.
        case .localPreference: .init(name: "LOCAL_PREF", flags: .transitive, onMalformed: .treatAsWithdraw)
        // RFC 7606 §7.6-7.7: the aggregation hints are informational, so they are only discarded.
        case .atomicAggregate: .init(name: "ATOMIC_AGGREGATE", flags: .transitive, onMalformed: .attributeDiscard)
        case .aggregator:
            .init(name: "AGGREGATOR", flags: [.optional, .transitive], onMalformed: .attributeDiscard)
        // RFC 7606 §7.8 (RFC 1997).
        case .communities:
            .init(name: "COMMUNITIES", flags: [.optional, .transitive], onMalformed: .treatAsWithdraw)
        // RFC 7606 §7.9-7.10 (RFC 4456).
        case .originatorID: .init(name: "ORIGINATOR_ID", flags: .optional, onMalformed: .treatAsWithdraw)
        case .clusterList: .init(name: "CLUSTER_LIST", flags: .optional, onMalformed: .treatAsWithdraw)
        // RFC 7606 §7.11 (RFC 4760 §7): the NLRI cannot be located reliably.
        case .mpReachNLRI: .init(name: "MP_REACH_NLRI", flags: .optional, onMalformed: .afiSafiDisable)
        case .mpUnreachNLRI: .init(name: "MP_UNREACH_NLRI", flags: .optional, onMalformed: .afiSafiDisable)
        // RFC 7606 §7.14 (RFC 4360).
        case .extendedCommunities:
            .init(name: "EXTENDED_COMMUNITIES", flags: [.optional, .transitive], onMalformed: .treatAsWithdraw)
        // RFC 6793 §6 / RFC 7606 §7.2: AS4_PATH and AS4_AGGREGATOR errors are handled by discarding them.
        case .as4Path: .init(name: "AS4_PATH", flags: [.optional, .transitive], onMalformed: .attributeDiscard)
        case .as4Aggregator:
            .init(name: "AS4_AGGREGATOR", flags: [.optional, .transitive], onMalformed: .attributeDiscard)
        // RFC 8092 §5.
        case .largeCommunities:
            .init(name: "LARGE_COMMUNITY", flags: [.optional, .transitive], onMalformed: .treatAsWithdraw)
        default: nil  // unknown: the optional/transitive bits decide (RFC 4271 §5, §9)
        }
    }

    /// The IANA name, or "ATTR_<n>" for codes without a descriptor.
    public var name: String { descriptor?.name ?? "ATTR_\(rawValue)" }
}

/// Attribute Flags (RFC 4271 §4.3). The low four bits are unused: zero when sent, ignored when received.
public struct AttributeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let optional = AttributeFlags(rawValue: 0x80)
    public static let transitive = AttributeFlags(rawValue: 0x40)
    public static let partial = AttributeFlags(rawValue: 0x20)
    public static let extendedLength = AttributeFlags(rawValue: 0x10)
}

/// A set of attribute codes as a 256-bit bitmap: duplicate detection and per-attribute wire hints, no allocation.
public struct AttributeCodeSet: Hashable, Sendable, Sequence {
    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}
    public init(_ codes: [AttributeCode]) { for code in codes { insert(code) } }

    public var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    @inlinable
    public func contains(_ code: AttributeCode) -> Bool {
        let bit = UInt64(1) << UInt64(code.rawValue & 63)
        switch code.rawValue >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    @inlinable
    public mutating func insert(_ code: AttributeCode) {
        let bit = UInt64(1) << UInt64(code.rawValue & 63)
        switch code.rawValue >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    public mutating func remove(_ code: AttributeCode) {
        let bit = ~(UInt64(1) << UInt64(code.rawValue & 63))
        switch code.rawValue >> 6 {
        case 0: words.0 &= bit
        case 1: words.1 &= bit
        case 2: words.2 &= bit
        default: words.3 &= bit
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public func makeIterator() -> some IteratorProtocol<AttributeCode> {
        (0...255).lazy.map { AttributeCode(rawValue: UInt8($0)) }.filter { self.contains($0) }.makeIterator()
    }
}
