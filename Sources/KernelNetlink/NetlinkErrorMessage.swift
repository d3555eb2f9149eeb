// SPDX-License-Identifier: Apache-2.0
// NLMSG_ERROR, the kernel's answer to a request with NLM_F_ACK (linux/netlink.h `struct nlmsgerr`): an error number
// (0 for a plain ack), the request's header, the rest of the request unless NLM_F_CAPPED, and, with NLM_F_ACK_TLVS,
// extended-ack attributes (NETLINK_EXT_ACK, Linux 4.12): NLMSGERR_ATTR_MSG is the text iproute2 prints after
// "Error:", NLMSGERR_ATTR_OFFS the offset of the offending attribute in the request.

/// An NLMSG_ERROR message: an acknowledgement when `error` is nil.
///
///     | error (4, negative errno) | request nlmsghdr (16) | request payload (unless capped) | ext-ack TLVs |
public struct NetlinkErrorMessage: Hashable, Sendable {
    /// nil for an acknowledgement (`error == 0`).
    public var error: KernelErrno?
    /// The header of the request this answers; its `sequence` says which. The kernel may have changed its flags
    /// (IPv6 multipath adds clear NLM_F_EXCL in the echoed copy), so match on the sequence only.
    public var request: NetlinkMessageHeader
    /// NLMSGERR_ATTR_MSG: the kernel's explanation, e.g. "Nexthop has invalid gateway".
    public var message: String?
    /// NLMSGERR_ATTR_OFFS: offset of the attribute the kernel objected to, from the start of the request.
    public var attributeOffset: UInt32?

    public init(
        error: KernelErrno?,
        request: NetlinkMessageHeader,
        message: String? = nil,
        attributeOffset: UInt32? = nil
    ) {
        self.error = error
        self.request = request
        self.message = message
        self.attributeOffset = attributeOffset
    }

    /// NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_OFFS (linux/netlink.h `enum nlmsgerr_attrs`).
    static let messageAttribute: UInt16 = 1
    static let offsetAttribute: UInt16 = 2

    /// Reads the payload of a message whose type is `.error`.
    public init(_ message: NetlinkMessage) throws(NetlinkParseError) {
        let payload = message.payload
        guard payload.count >= 4 + NetlinkMessageHeader.size else {
            throw .truncated(offset: 0, needed: 4 + NetlinkMessageHeader.size, available: payload.count)
        }
        let code = Int32(bitPattern: payload.netlinkUInt32(at: 0))
        let requestHeader = NetlinkMessageHeader(payload, at: 4)
        self.init(error: code == 0 ? nil : KernelErrno(rawValue: -code), request: requestHeader)
        guard message.header.flags.contains(.acknowledgementTLVs) else { return }
        // The TLVs follow the echo: the header only when capped, else the whole request (nlmsg_len, aligned).
        let echoLength = message.header.flags.contains(.capped) ? NetlinkMessageHeader.size : Int(requestHeader.length)
        let start = 4 + ((echoLength + 3) & ~3)
        guard start <= payload.count else {
            throw .truncated(offset: 4, needed: echoLength, available: payload.count - 4)
        }
        for attribute in try NetlinkAttribute.parse(payload[start...]) {
            switch attribute.type {
            case Self.messageAttribute: self.message = attribute.string
            case Self.offsetAttribute: self.attributeOffset = try attribute.uint32("NLMSGERR_ATTR_OFFS")
            default: break  // cookie, policy, missing attribute: not used
            }
        }
    }
}
