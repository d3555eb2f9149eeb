// SPDX-License-Identifier: Apache-2.0
// Netlink message flags (linux/netlink.h `NLM_F_*`).

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
