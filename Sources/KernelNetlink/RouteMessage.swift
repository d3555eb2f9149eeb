// SPDX-License-Identifier: Apache-2.0
// The wire shape of RTM_NEWROUTE/RTM_DELROUTE/RTM_GETROUTE (linux/rtnetlink.h; RFC 3549 §3.1.1): `struct rtmsg`,
// its constants, and the size of `struct rtnexthop` inside RTA_MULTIPATH. KernelRoute is the domain shape.

import BGPWire

/// `struct rtmsg`, 12 octets:
///
///     | family (1) | dst_len (1) | src_len (1) | tos (1) | table (1) | protocol (1) | scope (1) | type (1) |
///     | flags (4) |
struct RouteMessage: Hashable {
    var family: UInt8
    var destinationLength: UInt8
    var table: UInt8
    var routeProtocol: UInt8
    var scope: UInt8
    var type: UInt8
    var flags: UInt32

    static let size = 12

    /// `struct rtnexthop`, 8 octets, followed by the hop's own attributes (RTA_GATEWAY or RTA_VIA):
    ///
    ///     | rtnh_len (2) | rtnh_flags (1) | rtnh_hops (1, weight - 1) | rtnh_ifindex (4) |
    static let nextHopSize = 8

    func encode(into encoder: inout NetlinkEncoder) {
        encoder.appendUInt8(family)
        encoder.appendUInt8(destinationLength)
        encoder.appendUInt8(0)  // rtm_src_len: no source routing
        encoder.appendUInt8(0)  // rtm_tos
        encoder.appendUInt8(table)
        encoder.appendUInt8(routeProtocol)
        encoder.appendUInt8(scope)
        encoder.appendUInt8(type)
        encoder.appendUInt32(flags)
    }

    init(family: UInt8, destinationLength: UInt8, table: UInt8, routeProtocol: UInt8, scope: UInt8, type: UInt8,
         flags: UInt32) {
        self.family = family
        self.destinationLength = destinationLength
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.type = type
        self.flags = flags
    }

    init(_ payload: [UInt8]) throws(NetlinkParseError) {
        guard payload.count >= Self.size else { throw .badValue(field: "rtmsg", length: payload.count) }
        self.init(family: payload[0], destinationLength: payload[1], table: payload[4], routeProtocol: payload[5],
                  scope: payload[6], type: payload[7], flags: payload.netlinkUInt32(at: 8))
    }

    // MARK: Constants

    /// AF_INET, AF_INET6 (linux/socket.h), and AF_BRIDGE for FDB entries.
    static let familyIPv4: UInt8 = 2
    static let familyIPv6: UInt8 = 10
    static let familyBridge: UInt8 = 7

    static func family(_ family: IPAddress.Family) -> UInt8 { family == .ipv4 ? familyIPv4 : familyIPv6 }

    /// `enum rt_scope_t`.
    static let scopeUniverse: UInt8 = 0
    static let scopeLink: UInt8 = 253
    static let scopeNowhere: UInt8 = 255

    /// `rtm_type` values (RTN_*).
    static let typeUnspecified: UInt8 = 0
    static let typeUnicast: UInt8 = 1
    static let typeLocal: UInt8 = 2
    static let typeBlackhole: UInt8 = 6
    static let typeUnreachable: UInt8 = 7
    static let typeProhibit: UInt8 = 8

    /// RTNH_F_ONLINK, in `rtm_flags` for a single-path route and `rtnh_flags` per hop.
    static let flagOnLink: UInt32 = 4
    /// RTM_F_LOOKUP_TABLE (linux/rtnetlink.h): a route lookup reports the table it matched in (IPv4).
    static let flagLookupTable: UInt32 = 0x1000
}
