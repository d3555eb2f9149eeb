// SPDX-License-Identifier: Apache-2.0
// RTM_NEWROUTE, RTM_DELROUTE and the RTM_GETROUTE dump (linux/rtnetlink.h). The octets match what iproute2 6.1
// sends for the equivalent `ip route` command: same rtmsg fields (scope included) and the same attribute order
// (RTA_DST, RTA_GATEWAY or RTA_VIA, RTA_TABLE, RTA_PRIORITY, RTA_OIF, RTA_MULTIPATH); the tests hold the captures.

import BGPWire

extension NetlinkRequest {
    /// The request for one route change.
    public static func route(_ operation: RouteOperation, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        appendRoute(operation, sequence: sequence, to: &encoder)
        return encoder.bytes
    }

    static func appendRoute(_ operation: RouteOperation, sequence: UInt32, to encoder: inout NetlinkEncoder) {
        switch operation {
        case .add(let route):
            appendNewRoute(route, flags: [.request, .ack, .create, .exclusive], sequence: sequence, to: &encoder)
        case .replace(let route):
            appendNewRoute(route, flags: [.request, .ack, .create, .replace], sequence: sequence, to: &encoder)
        case .delete(let route):
            appendDeleteRoute(route, sequence: sequence, to: &encoder)
        }
    }

    /// RTM_GETROUTE with NLM_F_DUMP. With NETLINK_GET_STRICT_CHK set on the socket (Linux 4.20) the kernel returns
    /// only routes of `family`, `routeProtocol` and `table` (nil: any) and marks replies NLM_F_DUMP_FILTERED;
    /// without it everything comes back, so readers filter again.
    public static func routeDump(
        family: IPAddress.Family?,
        routeProtocol: RouteProtocol?,
        table: RouteTable?,
        sequence: UInt32
    ) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .getRoute, flags: [.request, .dump], sequence: sequence)
        RouteMessage(
            family: family.map(RouteMessage.family) ?? 0, destinationLength: 0, table: 0,
            routeProtocol: routeProtocol?.rawValue ?? 0, scope: 0, type: 0, flags: 0
        ).encode(into: &encoder)
        // iproute2 filters on the table with RTA_TABLE even for main, leaving rtm_table 0.
        if let table { encoder.appendAttribute(RouteAttribute.table, uint32: table.rawValue) }
        encoder.endMessage(start)
        return encoder.bytes
    }

    /// RTM_GETROUTE for one address, as `ip route get ADDRESS` sends it: rtm_dst_len the full width, RTA_DST, no
    /// NLM_F_DUMP and no NLM_F_ACK. The kernel answers with one RTM_NEWROUTE (the resolved route: RTA_OIF, and
    /// RTA_GATEWAY unless directly connected) or an NLMSG_ERROR. iproute2 sets RTM_F_LOOKUP_TABLE for IPv4 only
    /// (the reply's rtm_table is then the table the lookup hit); IPv6 ignores the flag, so it is left out there.
    public static func routeLookup(_ address: IPAddress, sequence: UInt32) -> [UInt8] {
        var encoder = NetlinkEncoder()
        let start = encoder.beginMessage(type: .getRoute, flags: [.request], sequence: sequence)
        RouteMessage(
            family: RouteMessage.family(address.family), destinationLength: UInt8(address.family.bitWidth),
            table: 0, routeProtocol: 0, scope: 0, type: 0,
            flags: address.family == .ipv4 ? RouteMessage.flagLookupTable : 0
        ).encode(into: &encoder)
        encoder.appendAttribute(RouteAttribute.destination, address.bytes)
        encoder.endMessage(start)
        return encoder.bytes
    }

    private static func appendNewRoute(
        _ route: KernelRoute,
        flags: NetlinkMessageFlags,
        sequence: UInt32,
        to encoder: inout NetlinkEncoder
    ) {
        let family = route.prefix.family
        var type = RouteMessage.typeUnicast
        var scope = RouteMessage.scopeUniverse
        var rtmFlags: UInt32 = 0
        var hops: [NextHop] = []
        switch route.kind {
        case .unicast(let nextHops):
            precondition(!nextHops.isEmpty, "a unicast route needs at least one next hop")
            hops = nextHops
            // iproute2 (iproute.c): an IPv4 unicast route with no gateway anywhere is scope link; IPv6 is universe.
            if family == .ipv4 && hops.allSatisfy({ $0.gateway == nil }) { scope = RouteMessage.scopeLink }
            if hops.count == 1 && hops[0].onLink { rtmFlags = RouteMessage.flagOnLink }
        case .blackhole: type = RouteMessage.typeBlackhole
        case .unreachable: type = RouteMessage.typeUnreachable
        case .prohibit: type = RouteMessage.typeProhibit
        }
        let start = encoder.beginMessage(type: .newRoute, flags: flags, sequence: sequence)
        RouteMessage(
            family: RouteMessage.family(family), destinationLength: route.prefix.length,
            table: tableByte(route.table), routeProtocol: route.routeProtocol.rawValue, scope: scope, type: type,
            flags: rtmFlags
        ).encode(into: &encoder)
        appendDestination(route.prefix, to: &encoder)
        if hops.count == 1, let gateway = hops[0].gateway { appendGateway(gateway, routeFamily: family, to: &encoder) }
        appendTableAndPriority(route, to: &encoder)
        if hops.count == 1, let index = hops[0].interfaceIndex {
            encoder.appendAttribute(RouteAttribute.outputInterface, uint32: index)
        }
        if hops.count > 1 {
            let multipath = encoder.beginNested(RouteAttribute.multipath)
            for hop in hops {
                let entry = encoder.beginNextHop(
                    flags: hop.onLink ? UInt8(RouteMessage.flagOnLink) : 0, hops: UInt8(hop.weight - 1),
                    interfaceIndex: hop.interfaceIndex ?? 0)
                if let gateway = hop.gateway { appendGateway(gateway, routeFamily: family, to: &encoder) }
                encoder.endNested(entry)
            }
            encoder.endNested(multipath)
        }
        encoder.endMessage(start)
    }

    /// A delete names the route by prefix, table, priority and protocol only (no type or next hops), so it removes
    /// a whole multipath route, and the kernel matches the protocol: another owner's route gives ESRCH. Scope is
    /// RT_SCOPE_NOWHERE for IPv4 (any scope matches) as iproute2 sends it.
    private static func appendDeleteRoute(_ route: KernelRoute, sequence: UInt32, to encoder: inout NetlinkEncoder) {
        let family = route.prefix.family
        let start = encoder.beginMessage(type: .deleteRoute, flags: [.request, .ack], sequence: sequence)
        RouteMessage(
            family: RouteMessage.family(family), destinationLength: route.prefix.length,
            table: tableByte(route.table), routeProtocol: route.routeProtocol.rawValue,
            scope: family == .ipv4 ? RouteMessage.scopeNowhere : RouteMessage.scopeUniverse,
            type: RouteMessage.typeUnspecified, flags: 0
        ).encode(into: &encoder)
        appendDestination(route.prefix, to: &encoder)
        appendTableAndPriority(route, to: &encoder)
        encoder.endMessage(start)
    }

    /// `rtm_table` holds ids up to 255; larger ones go in RTA_TABLE with `rtm_table` RT_TABLE_UNSPEC (iproute2).
    private static func tableByte(_ table: RouteTable) -> UInt8 {
        table.rawValue < 256 ? UInt8(table.rawValue) : 0
    }

    private static func appendDestination(_ prefix: IPPrefix, to encoder: inout NetlinkEncoder) {
        // A default route has no RTA_DST (iproute2's `ip route add default`); the kernel reads dst_len 0 as "any".
        if prefix.length > 0 { encoder.appendAttribute(RouteAttribute.destination, address: prefix.address) }
    }

    private static func appendTableAndPriority(_ route: KernelRoute, to encoder: inout NetlinkEncoder) {
        if route.table.rawValue >= 256 { encoder.appendAttribute(RouteAttribute.table, uint32: route.table.rawValue) }
        if route.priority != 0 { encoder.appendAttribute(RouteAttribute.priority, uint32: route.priority) }
    }

    /// RTA_GATEWAY for a gateway of the route's family; otherwise RTA_VIA (`struct rtvia`: family, address), as
    /// for an IPv4 route through an IPv6 next hop (RFC 8950; Linux 5.2).
    private static func appendGateway(
        _ gateway: IPAddress,
        routeFamily: IPAddress.Family,
        to encoder: inout NetlinkEncoder
    ) {
        if gateway.family == routeFamily {
            encoder.appendAttribute(RouteAttribute.gateway, address: gateway)
        } else {
            var via: [UInt8] = []
            withUnsafeBytes(of: UInt16(RouteMessage.family(gateway.family))) { via.append(contentsOf: $0) }
            encoder.appendAttribute(RouteAttribute.via, via + gateway.bytes)
        }
    }
}
