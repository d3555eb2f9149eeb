// SPDX-License-Identifier: Apache-2.0
// The netlink message header (linux/netlink.h; RFC 3549 §2.3.2).
// Netlink integers are in host byte order: the kernel reads them with plain loads, not ntohl. Swift's Linux
// targets are all little-endian, which is what the captured test bytes assume.

/// `struct nlmsghdr` (linux/netlink.h), 16 octets in host byte order:
///
///     | nlmsg_len (4) | nlmsg_type (2) | nlmsg_flags (2) | nlmsg_seq (4) | nlmsg_pid (4) |
///
/// `nlmsg_len` counts the header and the payload; each message starts on a 4-octet boundary (`NLMSG_ALIGN`).
public struct NetlinkMessageHeader: Hashable, Sendable {
    public var length: UInt32
    public var type: NetlinkMessageType
    public var flags: NetlinkMessageFlags
    public var sequence: UInt32
    /// `nlmsg_pid`: 0 for messages to and from the kernel.
    public var portID: UInt32

    public init(
        length: UInt32,
        type: NetlinkMessageType,
        flags: NetlinkMessageFlags,
        sequence: UInt32,
        portID: UInt32
    ) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    /// `NLMSG_HDRLEN`.
    public static let size = 16
}
