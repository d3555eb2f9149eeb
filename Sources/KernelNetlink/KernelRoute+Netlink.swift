// SPDX-License-Identifier: Apache-2.0
// Reading an RTM_NEWROUTE message from a dump back into a KernelRoute (linux/rtnetlink.h), so reconciliation can
// compare what is installed with what is wanted.

import BGPWire

extension KernelRoute {
    /// Reads the payload of an RTM_NEWROUTE message (`rtmsg` + attributes). Returns nil for routes Swiftlet never
    /// programs: families other than IPv4/IPv6, source-specific routes, and types other than unicast, blackhole,
    /// unreachable and prohibit (local, broadcast, multicast, ...).
    public init?(routeMessagePayload payload: [UInt8]) throws(NetlinkParseError) {
        let header = try RouteMessage(payload)
        let family: IPAddress.Family
        switch header.family {
        case RouteMessage.familyIPv4: family = .ipv4
        case RouteMessage.familyIPv6: family = .ipv6
        default: return nil
        }
        guard header.destinationLength <= family.bitWidth, payload[2] == 0 else { return nil }  // rtm_src_len
        var destination = family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0)
        var table = RouteTable(rawValue: UInt32(header.table))
        var priority: UInt32 = 0
        var gateway: IPAddress?
        var interfaceIndex: UInt32?
        var multipath: [NextHop]?
        for attribute in try NetlinkAttribute.parse(payload[RouteMessage.size...]) {
            switch attribute.type {
            case RouteAttribute.destination: destination = try Self.address(attribute, family: family, "RTA_DST")
            case RouteAttribute.table: table = RouteTable(rawValue: try attribute.uint32("RTA_TABLE"))
            case RouteAttribute.priority: priority = try attribute.uint32("RTA_PRIORITY")
            case RouteAttribute.gateway: gateway = try Self.address(attribute, family: family, "RTA_GATEWAY")
            case RouteAttribute.via: gateway = try Self.via(attribute)
            case RouteAttribute.outputInterface:
                let index = try attribute.uint32("RTA_OIF")
                interfaceIndex = index == 0 ? nil : index
            case RouteAttribute.multipath: multipath = try Self.nextHops(attribute.value, family: family)
            default: break  // RTA_PREFSRC, RTA_CACHEINFO, RTA_PREF, metrics, ...: not part of the comparison
            }
        }
        let kind: Kind
        switch header.type {
        case RouteMessage.typeUnicast:
            let onLink = header.flags & RouteMessage.flagOnLink != 0
            kind = .unicast(multipath ?? [NextHop(gateway: gateway, interfaceIndex: interfaceIndex, onLink: onLink)])
        case RouteMessage.typeBlackhole: kind = .blackhole  // the kernel reports `dev lo` for IPv6; ignored
        case RouteMessage.typeUnreachable: kind = .unreachable
        case RouteMessage.typeProhibit: kind = .prohibit
        default: return nil
        }
        self.init(
            prefix: IPPrefix(address: destination, length: header.destinationLength), kind: kind, table: table,
            routeProtocol: RouteProtocol(rawValue: header.routeProtocol), priority: priority)
    }

    static func address(
        _ attribute: NetlinkAttribute,
        family: IPAddress.Family,
        _ field: String
    ) throws(NetlinkParseError) -> IPAddress {
        guard attribute.value.count == family.byteWidth, let address = IPAddress(bytes: attribute.value) else {
            throw .badValue(field: field, length: attribute.value.count)
        }
        return address
    }

    /// `struct rtvia`: `rtvia_family` (u16) then the address.
    static func via(_ attribute: NetlinkAttribute) throws(NetlinkParseError) -> IPAddress {
        let value = attribute.value
        guard value.count >= 2 else { throw .badValue(field: "RTA_VIA", length: value.count) }
        let family = value.netlinkUInt16(at: value.startIndex)
        let width = family == UInt16(RouteMessage.familyIPv4) ? 4 : family == UInt16(RouteMessage.familyIPv6) ? 16 : -1
        guard value.count == 2 + width, let address = IPAddress(bytes: value.dropFirst(2)) else {
            throw .badValue(field: "RTA_VIA", length: value.count)
        }
        return address
    }

    /// The `struct rtnexthop` entries of RTA_MULTIPATH, each with its RTA_GATEWAY or RTA_VIA.
    private static func nextHops(
        _ bytes: ArraySlice<UInt8>,
        family: IPAddress.Family
    ) throws(NetlinkParseError) -> [NextHop] {
        var hops: [NextHop] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= RouteMessage.nextHopSize {
            let length = Int(bytes.netlinkUInt16(at: offset))
            guard length >= RouteMessage.nextHopSize else {
                throw .badLength(offset: offset - bytes.startIndex, length: length)
            }
            guard length <= bytes.endIndex - offset else {
                throw .truncated(offset: offset - bytes.startIndex, needed: length, available: bytes.endIndex - offset)
            }
            let flags = UInt32(bytes[offset + 2])
            let weight = UInt16(bytes[offset + 3]) + 1
            let index = bytes.netlinkUInt32(at: offset + 4)
            var gateway: IPAddress?
            for attribute in try NetlinkAttribute.parse(bytes[(offset + RouteMessage.nextHopSize)..<(offset + length)]) {
                switch attribute.type {
                case RouteAttribute.gateway: gateway = try address(attribute, family: family, "RTA_GATEWAY")
                case RouteAttribute.via: gateway = try via(attribute)
                default: break
                }
            }
            hops.append(NextHop(gateway: gateway, interfaceIndex: index == 0 ? nil : index,
                                onLink: flags & RouteMessage.flagOnLink != 0, weight: weight))
            offset += (length + 3) & ~3
        }
        return hops
    }
}

extension KernelRoute {
    /// `key`, without building `installedForm` (of which only the priority matters for the key): what
    /// NetlinkRouteProgrammer hashes once per acknowledged change. Must stay equal to `key`.
    var installedKey: Key {
        Key(prefix: prefix, table: table, priority: prefix.family == .ipv6 && priority == 0 ? 1024 : priority)
    }
}
