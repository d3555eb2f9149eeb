// SPDX-License-Identifier: Apache-2.0
// One message of a netlink byte stream as received: the header and its payload, not yet interpreted. A single
// recvmsg can hold many messages (a batch's acks, a dump's routes); each starts at NLMSG_ALIGN of the previous
// one's end (linux/netlink.h).

/// A received netlink message: header plus payload octets.
public struct NetlinkMessage: Hashable, Sendable {
    public var header: NetlinkMessageHeader
    /// The octets after the header, up to `nlmsg_len`.
    public var payload: [UInt8]

    public init(header: NetlinkMessageHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }

    /// Splits a received buffer into messages. Throws when a length is impossible; the kernel never sends that, so
    /// it means the buffer was cut or corrupted.
    public static func parseStream(_ bytes: [UInt8]) throws(NetlinkParseError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= NetlinkMessageHeader.size else {
                throw .truncated(offset: offset, needed: NetlinkMessageHeader.size, available: bytes.count - offset)
            }
            let length = Int(bytes.netlinkUInt32(at: offset))
            guard length >= NetlinkMessageHeader.size else { throw .badLength(offset: offset, length: length) }
            guard length <= bytes.count - offset else {
                throw .truncated(offset: offset, needed: length, available: bytes.count - offset)
            }
            let header = NetlinkMessageHeader(bytes, at: offset)
            messages.append(NetlinkMessage(header: header, payload: Array(bytes[(offset + 16)..<(offset + length)])))
            offset += (length + 3) & ~3
        }
        return messages
    }
}

extension NetlinkMessageHeader {
    /// Reads a header at `offset`; the caller has checked that 16 octets are there.
    init(_ bytes: [UInt8], at offset: Int) {
        self.init(
            length: bytes.netlinkUInt32(at: offset),
            type: NetlinkMessageType(rawValue: bytes.netlinkUInt16(at: offset + 4)),
            flags: NetlinkMessageFlags(rawValue: bytes.netlinkUInt16(at: offset + 6)),
            sequence: bytes.netlinkUInt32(at: offset + 8),
            portID: bytes.netlinkUInt32(at: offset + 12)
        )
    }
}

/// Why received netlink bytes could not be read. Offsets count from the start of the buffer or payload given.
public enum NetlinkParseError: Error, Hashable, Sendable {
    /// Fewer octets than a header or length field says there are.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A message or attribute length shorter than its own header.
    case badLength(offset: Int, length: Int)
    /// A fixed-size structure or attribute value of the wrong size (`rtmsg`, an address, `RTA_OIF`).
    case badValue(field: String, length: Int)
}

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
