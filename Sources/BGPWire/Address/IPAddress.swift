// SPDX-License-Identifier: Apache-2.0
// IPv4 and IPv6 addresses as one 128-bit value type. Both families share a layout so that prefixes of either
// family fit in one array with a 24-byte stride, which keeps NLRI decoding free of per-prefix allocations.

/// An IPv4 or IPv6 address. IPv4 lives in the low 32 bits of `low`; `high` is zero for IPv4.
public struct IPAddress: Hashable, Sendable, Comparable {
    public enum Family: UInt8, Hashable, Sendable, Comparable {
        case ipv4 = 4
        case ipv6 = 6

        public static func < (a: Family, b: Family) -> Bool { a.rawValue < b.rawValue }

        /// Address width in bits (32 or 128).
        public var bitWidth: Int { self == .ipv4 ? 32 : 128 }
        /// Address width in octets (4 or 16).
        public var byteWidth: Int { self == .ipv4 ? 4 : 16 }
    }

    public var high: UInt64
    public var low: UInt64
    public var family: Family

    @inlinable
    public init(ipv4 value: UInt32) {
        self.high = 0
        self.low = UInt64(value)
        self.family = .ipv4
    }

    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.family = .ipv6
    }

    /// The IPv4 value; meaningful only when `family == .ipv4`.
    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.family, a.high, a.low) < (b.family, b.high, b.low)
    }

    /// `fe80::/10` (RFC 4291 §2.5.6).
    public var isIPv6LinkLocal: Bool { family == .ipv6 && (high >> 54) == 0x3FA }

    /// The address in network byte order.
    public var bytes: [UInt8] {
        switch family {
        case .ipv4:
            let v = ipv4Value
            return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        case .ipv6:
            var out = [UInt8]()
            out.reserveCapacity(16)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((high >> UInt64(shift)) & 0xFF)) }
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((low >> UInt64(shift)) & 0xFF)) }
            return out
        }
    }

    /// Builds an address from 4 or 16 network-order bytes; `nil` for any other count.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        switch bytes.count {
        case 4:
            var v: UInt32 = 0
            for b in bytes { v = (v << 8) | UInt32(b) }
            self.init(ipv4: v)
        case 16:
            var hi: UInt64 = 0
            var lo: UInt64 = 0
            for (i, b) in bytes.enumerated() {
                if i < 8 { hi = (hi << 8) | UInt64(b) } else { lo = (lo << 8) | UInt64(b) }
            }
            self.init(ipv6High: hi, low: lo)
        default:
            return nil
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (longest zero run compressed, lower case).
    public var description: String {
        switch family {
        case .ipv4:
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .ipv6:
            var groups = [UInt16](repeating: 0, count: 8)
            for i in 0..<4 {
                groups[i] = UInt16((high >> UInt64(48 - 16 * i)) & 0xFFFF)
                groups[i + 4] = UInt16((low >> UInt64(48 - 16 * i)) & 0xFFFF)
            }
            // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
            var bestStart = -1
            var bestLength = 1
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLength {
                        bestStart = i
                        bestLength = j - i
                    }
                    i = j
                } else {
                    i += 1
                }
            }
            func hex(_ range: Range<Int>) -> String {
                range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
            }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
        }
    }
}

extension IPAddress {
    /// Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text (including `::` and an embedded IPv4 tail).
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let value = Self.parseIPv6(Substring(text)) else { return nil }
            self = value
        } else {
            guard let v = Self.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: v)
        }
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
            v = (v << 8) | UInt32(octet)
        }
        return v
    }

    static func parseIPv6(_ text: Substring) -> IPAddress? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if allowIPv4Tail && i == parts.count - 1 && part.contains(".") {
                    guard let v4 = parseIPv4(part) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !part.isEmpty, part.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            guard let h = groups(Substring(halves[0]), allowIPv4Tail: false),
                let t = groups(Substring(halves[1]), allowIPv4Tail: true), h.count + t.count <= 7
            else { return nil }
            head = h
            tail = t
        } else {
            guard let all = groups(text, allowIPv4Tail: true), all.count == 8 else { return nil }
            head = all
        }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for i in 0..<4 {
            hi = (hi << 16) | UInt64(all[i])
            lo = (lo << 16) | UInt64(all[i + 4])
        }
        return IPAddress(ipv6High: hi, low: lo)
    }
}

extension StringProtocol {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        // Foundation-free split on a multi-character separator.
        var result: [Substring] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(rest[rest.startIndex..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}
