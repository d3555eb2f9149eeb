// SPDX-License-Identifier: Apache-2.0
// Where the kernel would send a packet for one address: the answer to RTM_GETROUTE without NLM_F_DUMP
// (`ip route get ADDRESS`), read from its RTM_NEWROUTE reply (linux/rtnetlink.h). BGP asks this for each next hop
// (RFC 4271 §9.1.2.1: a route whose NEXT_HOP cannot be resolved is not used), and Calico's CrossSubnet mode asks
// whether a peer is on a directly connected subnet.

import BGPWire

/// The kernel's resolution of one destination address.
public struct ResolvedNextHop: Hashable, Sendable, CustomStringConvertible {
    /// The gateway packets go through; nil when the destination is directly connected (on the link itself). A
    /// local address of this host also resolves with no gateway, through `lo`.
    public var gateway: IPAddress?
    /// The output device (RTA_OIF).
    public var interfaceIndex: UInt32

    public init(gateway: IPAddress?, interfaceIndex: UInt32) {
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
    }

    public var description: String { (gateway.map { "via \($0) " } ?? "") + "dev \(interfaceIndex)" }

    /// Reads the payload of the RTM_NEWROUTE that answers a route lookup. Returns nil for a route that drops the
    /// packet (blackhole, unreachable, prohibit; the kernel normally answers those with an error instead) and for a
    /// reply without an output device.
    public init?(routeLookupReplyPayload payload: [UInt8]) throws(NetlinkParseError) {
        let header = try RouteMessage(payload)
        let family: IPAddress.Family
        switch header.family {
        case RouteMessage.familyIPv4: family = .ipv4
        case RouteMessage.familyIPv6: family = .ipv6
        default: return nil
        }
        guard header.type == RouteMessage.typeUnicast || header.type == RouteMessage.typeLocal else { return nil }
        var gateway: IPAddress?
        var interfaceIndex: UInt32?
        for attribute in try NetlinkAttribute.parse(payload[RouteMessage.size...]) {
            switch attribute.type {
            case RouteAttribute.gateway: gateway = try KernelRoute.address(attribute, family: family, "RTA_GATEWAY")
            case RouteAttribute.via: gateway = try KernelRoute.via(attribute)
            case RouteAttribute.outputInterface: interfaceIndex = try attribute.uint32("RTA_OIF")
            default: break  // RTA_DST, RTA_TABLE, RTA_PREFSRC, RTA_UID, RTA_CACHEINFO
            }
        }
        guard let interfaceIndex, interfaceIndex != 0 else { return nil }
        self.init(gateway: gateway, interfaceIndex: interfaceIndex)
    }
}
