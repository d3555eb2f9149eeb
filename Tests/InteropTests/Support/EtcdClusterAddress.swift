// SPDX-License-Identifier: Apache-2.0
// Address arithmetic for the etcd cluster scenarios: IPv4 and IPv6 addresses as 128-bit numbers (IPv4 in the low 32
// bits), so one set of functions carves blocks out of pools, puts pods inside blocks and checks that no two blocks
// overlap, whatever the family. Text goes through inet_pton/inet_ntop, so IPv6 is printed in RFC 5952 form, as
// iproute2 and Calico print it.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An address or CIDR of either family, as numbers.
enum EtcdClusterAddress {
    /// `text` as a number, with its family; nil if it is neither a dotted quad nor an IPv6 address.
    static func value(_ text: String) -> (ipv6: Bool, value: UInt128)? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return (false, UInt128(UInt32(bigEndian: v4.s_addr))) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        return (true, bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
    }

    /// The text of `value` (RFC 5952 for IPv6).
    static func string(_ value: UInt128, ipv6: Bool) -> String {
        if !ipv6 {
            return [24, 16, 8, 0].map { String(UInt32(truncatingIfNeeded: value >> UInt128($0)) & 0xff) }
                .joined(separator: ".")
        }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { bytes in
            for index in 0..<16 { bytes[index] = UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - index))) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(cString: buffer)
    }

    /// "address/length" as the closed range of addresses it covers, with its family and length; nil unless the
    /// host bits are clear.
    static func range(_ cidr: String) -> (ipv6: Bool, length: Int, range: ClosedRange<UInt128>)? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let (ipv6, base) = value(String(parts[0])), let length = Int(parts[1]) else {
            return nil
        }
        let bits = ipv6 ? 128 : 32
        guard (0...bits).contains(length) else { return nil }
        let hostBits = bits - length
        let hostMask: UInt128 = hostBits == 128 ? .max : (UInt128(1) << UInt128(hostBits)) - 1
        guard base & hostMask == 0 else { return nil }
        return (ipv6, length, base...(base | hostMask))
    }

    /// The `index`-th block of length `size` of `pool` ("10.244.0.0/16", 1, 26 → "10.244.0.64/26";
    /// "fd00:244::/48", 1, 122 → "fd00:244::40/122").
    static func block(_ index: Int, of pool: String, size: Int) throws -> String {
        guard let (ipv6, length, range) = range(pool), size >= length, size <= (ipv6 ? 128 : 32),
            size - length >= 64 || index < 1 << (size - length)
        else { throw HarnessError("no block \(index) (/\(size)) in pool \(pool)") }
        let base = range.lowerBound + UInt128(index) << UInt128((ipv6 ? 128 : 32) - size)
        return string(base, ipv6: ipv6) + "/\(size)"
    }

    /// The address `offset` above the start of `cidr` ("10.244.0.64/26", 2 → "10.244.0.66").
    static func address(_ offset: Int, in cidr: String) throws -> String {
        guard let (ipv6, _, range) = range(cidr), UInt128(offset) <= range.upperBound - range.lowerBound else {
            throw HarnessError("no address +\(offset) in \(cidr)")
        }
        return string(range.lowerBound + UInt128(offset), ipv6: ipv6)
    }
}
