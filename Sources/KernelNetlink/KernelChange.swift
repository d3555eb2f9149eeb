// SPDX-License-Identifier: Apache-2.0
// What a NetlinkMonitor reports: one rtnetlink notification reduced to what changed (linux/rtnetlink.h: RTM_NEWLINK
// and RTM_DELLINK on RTNLGRP_LINK, RTM_NEWADDR and RTM_DELADDR on RTNLGRP_IPV4_IFADDR/RTNLGRP_IPV6_IFADDR,
// RTM_NEWROUTE and RTM_DELROUTE on RTNLGRP_IPV4_ROUTE/RTNLGRP_IPV6_ROUTE). The owner re-reads what it needs:
// a notification says that something changed, not the whole new state.

import BGPWire

/// One change the kernel announced.
public enum KernelChange: Hashable, Sendable {
    /// A device appeared, changed (up/down, MTU, MAC, carrier) or, with `deleted`, went away.
    case link(index: UInt32, deleted: Bool)
    /// An address was added to or, with `deleted`, removed from a device.
    case address(index: UInt32, deleted: Bool)
    /// A route was added or replaced or, with `deleted`, removed.
    case route(prefix: IPPrefix, table: RouteTable, routeProtocol: RouteProtocol, deleted: Bool)
    /// Notifications were lost (ENOBUFS: the socket's receive buffer overflowed) or could not be read: everything
    /// may have changed, so the owner must read the kernel's state again.
    case overrun

    /// Reads one notification. Returns nil for messages that are none of the above (and for routes of other
    /// families, or source-specific ones).
    public init?(_ message: NetlinkMessage) throws(NetlinkParseError) {
        switch message.header.type {
        case .newLink, .deleteLink:
            guard message.payload.count >= NetlinkRequest.interfaceInfoSize else {
                throw .badValue(field: "ifinfomsg", length: message.payload.count)
            }
            self = .link(index: message.payload.netlinkUInt32(at: 4), deleted: message.header.type == .deleteLink)
        case .newAddress, .deleteAddress:
            guard message.payload.count >= InterfaceAddressEntry.headerSize else {
                throw .badValue(field: "ifaddrmsg", length: message.payload.count)
            }
            self = .address(index: message.payload.netlinkUInt32(at: 4),
                            deleted: message.header.type == .deleteAddress)
        case .newRoute, .deleteRoute:
            let header = try RouteMessage(message.payload)
            let family: IPAddress.Family
            switch header.family {
            case RouteMessage.familyIPv4: family = .ipv4
            case RouteMessage.familyIPv6: family = .ipv6
            default: return nil
            }
            guard Int(header.destinationLength) <= family.bitWidth, message.payload[2] == 0 else { return nil }
            var destination = family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0)
            var table = RouteTable(rawValue: UInt32(header.table))
            for attribute in try NetlinkAttribute.parse(message.payload[RouteMessage.size...]) {
                switch attribute.type {
                case RouteAttribute.destination:
                    destination = try KernelRoute.address(attribute, family: family, "RTA_DST")
                case RouteAttribute.table: table = RouteTable(rawValue: try attribute.uint32("RTA_TABLE"))
                default: break
                }
            }
            self = .route(prefix: IPPrefix(address: destination, length: header.destinationLength), table: table,
                          routeProtocol: RouteProtocol(rawValue: header.routeProtocol),
                          deleted: message.header.type == .deleteRoute)
        default:
            return nil
        }
    }
}
