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
