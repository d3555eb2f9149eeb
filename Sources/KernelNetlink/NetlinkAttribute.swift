// SPDX-License-Identifier: Apache-2.0
// Reading `struct nlattr` TLVs (linux/netlink.h): `| nla_len (2) | nla_type (2) | value |`, each padded to 4
// octets, and the host-order integer loads every reader here uses.

/// One attribute as read: type with `NLA_F_NESTED`/`NLA_F_NET_BYTEORDER` masked off (`NLA_TYPE_MASK`), and value.
struct NetlinkAttribute: Hashable {
    var type: UInt16
    var value: ArraySlice<UInt8>

    /// `NLA_TYPE_MASK` (linux/netlink.h).
    static let typeMask: UInt16 = 0x3FFF

    /// Reads the attributes in `bytes` (each `| nla_len (2) | nla_type (2) | value |`, padded to 4).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(NetlinkParseError) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            let length = Int(bytes.netlinkUInt16(at: offset))
            guard length >= 4 else { throw .badLength(offset: offset - bytes.startIndex, length: length) }
            guard length <= bytes.endIndex - offset else {
                throw .truncated(offset: offset - bytes.startIndex, needed: length, available: bytes.endIndex - offset)
            }
            let type = bytes.netlinkUInt16(at: offset + 2) & typeMask
            attributes.append(NetlinkAttribute(type: type, value: bytes[(offset + 4)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return attributes
    }

    func uint32(_ field: String) throws(NetlinkParseError) -> UInt32 {
        guard value.count == 4 else { throw .badValue(field: field, length: value.count) }
        return value.netlinkUInt32(at: value.startIndex)
    }

    /// A NUL-terminated (or unterminated) string value.
    var string: String {
        String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// A host-order `UInt16` at an absolute index; the caller has checked the bounds.
    func netlinkUInt16(at index: Int) -> UInt16 {
        var value: UInt16 = 0
        withUnsafeMutableBytes(of: &value) { raw in
            raw[0] = self[index]
            raw[1] = self[index + 1]
        }
        return value
    }

    /// A host-order `UInt32` at an absolute index; the caller has checked the bounds.
    func netlinkUInt32(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<4 { raw[i] = self[index + i] }
        }
        return value
    }
}
