// SPDX-License-Identifier: Apache-2.0
// COMMUNITIES (RFC 1997), EXTENDED COMMUNITIES (RFC 4360, RFC 5668) and LARGE_COMMUNITY (RFC 8092).

/// A standard community: two 16-bit halves, printed "a:b".
public struct Community: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ high: UInt16, _ low: UInt16) { self.rawValue = UInt32(high) << 16 | UInt32(low) }

    public var high: UInt16 { UInt16(rawValue >> 16) }
    public var low: UInt16 { UInt16(rawValue & 0xFFFF) }

    /// RFC 1997 well-known communities.
    public static let noExport = Community(rawValue: 0xFFFF_FF01)
    public static let noAdvertise = Community(rawValue: 0xFFFF_FF02)
    public static let noExportSubconfed = Community(rawValue: 0xFFFF_FF03)
    /// RFC 9494 §4: marks a route kept under long-lived graceful restart.
    public static let llgrStale = Community(rawValue: 0xFFFF_0006)
    /// RFC 9494 §4: do not keep this route under long-lived graceful restart.
    public static let noLLGR = Community(rawValue: 0xFFFF_0007)
    /// RFC 8326.
    public static let gracefulShutdown = Community(rawValue: 0xFFFF_0000)

    public static func < (a: Community, b: Community) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(high):\(low)" }
}

/// An extended community: 8 octets, type (1 or 2 octets) then value (RFC 4360 §2).
public struct ExtendedCommunity: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var type: UInt8 { UInt8(rawValue >> 56) }
    public var subtype: UInt8 { UInt8((rawValue >> 48) & 0xFF) }

    /// Route target from a 2-octet AS (RFC 4360 §4: type 0x00, subtype 0x02).
    public static func routeTarget(asn: UInt16, value: UInt32) -> Self {
        Self(rawValue: UInt64(0x0002) << 48 | UInt64(asn) << 32 | UInt64(value))
    }

    /// "rt:AS:n", "soo:AS:n" for the common AS/IPv4-specific kinds (RFC 4360 §4, §5; RFC 5668 §2); hex otherwise.
    public var description: String {
        let kind: String
        switch subtype {
        case 0x02: kind = "rt"
        case 0x03: kind = "soo"
        default: kind = ""
        }
        let low32 = UInt32(rawValue & 0xFFFF_FFFF)
        switch (type & 0x3F, kind.isEmpty) {
        case (0x00, false):  // two-octet AS specific: AS (2) + value (4)
            return "\(kind):\((rawValue >> 32) & 0xFFFF):\(low32)"
        case (0x01, false):  // IPv4 address specific: address (4) + value (2)
            return "\(kind):\(IPAddress(ipv4: UInt32((rawValue >> 16) & 0xFFFF_FFFF))):\(rawValue & 0xFFFF)"
        case (0x02, false):  // four-octet AS specific: AS (4) + value (2)
            return "\(kind):\((rawValue >> 16) & 0xFFFF_FFFF):\(rawValue & 0xFFFF)"
        default:
            let hex = String(rawValue, radix: 16)
            return "0x" + String(repeating: "0", count: 16 - hex.count) + hex
        }
    }
}

/// A large community: three 32-bit parts, "global:local1:local2" (RFC 8092 §3).
public struct LargeCommunity: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var globalAdministrator: UInt32
    public var localData1: UInt32
    public var localData2: UInt32

    public init(_ globalAdministrator: UInt32, _ localData1: UInt32, _ localData2: UInt32) {
        self.globalAdministrator = globalAdministrator
        self.localData1 = localData1
        self.localData2 = localData2
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.globalAdministrator, a.localData1, a.localData2) < (b.globalAdministrator, b.localData1, b.localData2)
    }
    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }
}
