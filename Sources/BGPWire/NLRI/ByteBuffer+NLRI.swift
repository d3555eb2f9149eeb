// SPDX-License-Identifier: Apache-2.0
// NLRI field codec (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3). This is the hot path of every full-table load, so
// it walks raw bytes and appends into a caller's array: no per-prefix allocation, one bounds check per prefix.

import NIOCore

extension ByteBuffer {
    /// Reads `length` octets of NLRI of one family, appending to `nlri`. Returns `false`, leaving the reader index
    /// unchanged, when the field is syntactically wrong (RFC 7606 §5.3: a length over the family's width, or a
    /// prefix or Path Identifier running past the field).
    @inlinable
    package mutating func readBGPNLRI(
        length: Int, family: IPAddress.Family, addPath: Bool, into nlri: inout [NLRI]
    ) -> Bool {
        guard length <= readableBytes else { return false }
        if length == 0 { return true }
        nlri.reserveCapacity(nlri.count + length / (addPath ? 8 : 4) + 1)
        let ok = withUnsafeReadableBytes { raw -> Bool in
            let maxBits = family.bitWidth
            var i = 0
            while i < length {
                var pathID: UInt32? = nil
                if addPath {
                    guard i + 4 <= length else { return false }
                    pathID = UInt32(raw[i]) << 24 | UInt32(raw[i + 1]) << 16 | UInt32(raw[i + 2]) << 8 | UInt32(raw[i + 3])
                    i += 4
                }
                guard i < length else { return false }
                let bits = Int(raw[i])
                i += 1
                guard bits <= maxBits else { return false }
                let octets = (bits + 7) >> 3
                guard i + octets <= length else { return false }
                let address: IPAddress
                if maxBits == 32 {
                    var v: UInt32 = 0
                    switch octets {
                    case 0: v = 0
                    case 1: v = UInt32(raw[i]) << 24
                    case 2: v = UInt32(raw[i]) << 24 | UInt32(raw[i + 1]) << 16
                    case 3: v = UInt32(raw[i]) << 24 | UInt32(raw[i + 1]) << 16 | UInt32(raw[i + 2]) << 8
                    default:
                        v = UInt32(raw[i]) << 24 | UInt32(raw[i + 1]) << 16 | UInt32(raw[i + 2]) << 8 | UInt32(raw[i + 3])
                    }
                    // Trailing bits past the length are irrelevant (RFC 4271 §4.3); clear them.
                    let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
                    address = IPAddress(ipv4: v & mask)
                } else {
                    var hi: UInt64 = 0
                    var lo: UInt64 = 0
                    for k in 0..<octets {
                        if k < 8 {
                            hi |= UInt64(raw[i + k]) << UInt64(56 - 8 * k)
                        } else {
                            lo |= UInt64(raw[i + k]) << UInt64(120 - 8 * k)
                        }
                    }
                    address = IPAddress(ipv6High: hi, low: lo).masked(to: UInt8(bits))
                }
                nlri.append(NLRI(IPPrefix(uncheckedAddress: address, length: UInt8(bits)), pathID: pathID))
                i += octets
            }
            return true
        }
        if ok { moveReaderIndex(forwardBy: length) }
        return ok
    }

    /// Writes NLRI entries (with Path Identifiers when `addPath`), returning the octets written.
    @inlinable
    @discardableResult
    package mutating func writeBGPNLRI(_ nlri: ArraySlice<NLRI>, addPath: Bool) -> Int {
        let worst = nlri.count * (addPath ? 21 : 17)
        if worst == 0 { return 0 }
        return writeWithUnsafeMutableBytes(minimumWritableBytes: worst) { out in
            var o = 0
            for entry in nlri {
                if addPath {
                    let id = entry.pathID ?? 0
                    out[o] = UInt8(id >> 24)
                    out[o + 1] = UInt8((id >> 16) & 0xFF)
                    out[o + 2] = UInt8((id >> 8) & 0xFF)
                    out[o + 3] = UInt8(id & 0xFF)
                    o += 4
                }
                let bits = Int(entry.prefix.length)
                out[o] = UInt8(bits)
                o += 1
                let octets = (bits + 7) >> 3
                let address = entry.prefix.address
                if address.family == .ipv4 {
                    let v = address.ipv4Value
                    for k in 0..<octets { out[o + k] = UInt8((v >> UInt32(24 - 8 * k)) & 0xFF) }
                } else {
                    for k in 0..<octets {
                        out[o + k] =
                            k < 8
                            ? UInt8((address.high >> UInt64(56 - 8 * k)) & 0xFF)
                            : UInt8((address.low >> UInt64(120 - 8 * k)) & 0xFF)
                    }
                }
                o += octets
            }
            return o
        }
    }
}

extension NLRI {
    /// Octets this entry takes on the wire.
    @inlinable
    public func encodedLength(addPath: Bool) -> Int { (addPath ? 5 : 1) + (Int(prefix.length) + 7) >> 3 }
}
