// SPDX-License-Identifier: Apache-2.0
// The netlink message header, message types and flags (linux/netlink.h, linux/rtnetlink.h; RFC 3549 §2.3.2).
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

/// `nlmsg_type`: the control types of linux/netlink.h and the rtnetlink types of linux/rtnetlink.h.
public struct NetlinkMessageType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noop = Self(rawValue: 1)  // NLMSG_NOOP
    public static let error = Self(rawValue: 2)  // NLMSG_ERROR (an ack when the error is 0)
    public static let done = Self(rawValue: 3)  // NLMSG_DONE
    public static let overrun = Self(rawValue: 4)  // NLMSG_OVERRUN
    public static let newLink = Self(rawValue: 16)  // RTM_NEWLINK
    public static let deleteLink = Self(rawValue: 17)  // RTM_DELLINK
    public static let getLink = Self(rawValue: 18)  // RTM_GETLINK
    public static let newRoute = Self(rawValue: 24)  // RTM_NEWROUTE
    public static let deleteRoute = Self(rawValue: 25)  // RTM_DELROUTE
    public static let getRoute = Self(rawValue: 26)  // RTM_GETROUTE
    public static let newNeighbour = Self(rawValue: 28)  // RTM_NEWNEIGH
    public static let deleteNeighbour = Self(rawValue: 29)  // RTM_DELNEIGH
    public static let getNeighbour = Self(rawValue: 30)  // RTM_GETNEIGH
}

/// `nlmsg_flags` (linux/netlink.h). The high byte means different things for NEW, GET and ack messages, so some
/// names share a value.
public struct NetlinkMessageFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let request = Self(rawValue: 0x01)  // NLM_F_REQUEST
    public static let multi = Self(rawValue: 0x02)  // NLM_F_MULTI: part of a dump, ended by NLMSG_DONE
    public static let ack = Self(rawValue: 0x04)  // NLM_F_ACK
    public static let echo = Self(rawValue: 0x08)  // NLM_F_ECHO
    /// NLM_F_DUMP_INTR: the table changed during the dump; the result is inconsistent and must be dumped again.
    public static let dumpInterrupted = Self(rawValue: 0x10)
    /// NLM_F_DUMP_FILTERED: the kernel applied the request's filter (strict checking on).
    public static let dumpFiltered = Self(rawValue: 0x20)

    // Modifiers to GET requests.
    public static let root = Self(rawValue: 0x100)  // NLM_F_ROOT
    public static let match = Self(rawValue: 0x200)  // NLM_F_MATCH
    public static let dump: Self = [.root, .match]  // NLM_F_DUMP

    // Modifiers to NEW requests.
    public static let replace = Self(rawValue: 0x100)  // NLM_F_REPLACE
    public static let exclusive = Self(rawValue: 0x200)  // NLM_F_EXCL
    public static let create = Self(rawValue: 0x400)  // NLM_F_CREATE
    public static let append = Self(rawValue: 0x800)  // NLM_F_APPEND

    // Flags on NLMSG_ERROR.
    /// NLM_F_CAPPED: only the request's header is echoed, not its payload.
    public static let capped = Self(rawValue: 0x100)
    /// NLM_F_ACK_TLVS: extended-ack attributes follow the echoed request.
    public static let acknowledgementTLVs = Self(rawValue: 0x200)
}
