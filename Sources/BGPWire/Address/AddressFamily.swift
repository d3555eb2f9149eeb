// SPDX-License-Identifier: Apache-2.0
// AFI/SAFI pairs (RFC 4760 §3, IANA registries). Kept as open structs so that families we do not handle
// still survive decoding (a capability or MP attribute for them is carried, not rejected).

/// Address Family Identifier (IANA "Address Family Numbers").
public struct AFI: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let ipv4 = AFI(rawValue: 1)
    public static let ipv6 = AFI(rawValue: 2)
    public static func < (a: AFI, b: AFI) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        default: "afi\(rawValue)"
        }
    }
}

/// Subsequent Address Family Identifier (IANA "SAFI Values").
public struct SAFI: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let unicast = SAFI(rawValue: 1)
    public static let multicast = SAFI(rawValue: 2)
    public static func < (a: SAFI, b: SAFI) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .unicast: "unicast"
        case .multicast: "multicast"
        default: "safi\(rawValue)"
        }
    }
}

/// An AFI/SAFI pair, the unit that capabilities, End-of-RIB and RFC 7606 "AFI/SAFI disable" act on.
public struct AddressFamily: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var afi: AFI
    public var safi: SAFI
    public init(afi: AFI, safi: SAFI) {
        self.afi = afi
        self.safi = safi
    }
    public static let ipv4Unicast = AddressFamily(afi: .ipv4, safi: .unicast)
    public static let ipv6Unicast = AddressFamily(afi: .ipv6, safi: .unicast)

    public static func < (a: AddressFamily, b: AddressFamily) -> Bool { (a.afi, a.safi) < (b.afi, b.safi) }
    public var description: String { "\(afi)-\(safi)" }

    /// The IP family whose prefixes this AFI/SAFI carries, when it is one we parse.
    public var ipFamily: IPAddress.Family? {
        guard safi == .unicast || safi == .multicast else { return nil }
        switch afi {
        case .ipv4: return .ipv4
        case .ipv6: return .ipv6
        default: return nil
        }
    }
}
